"""Containers on this machine: docker, podman and their compose front ends.

Listing, inspecting and reading logs are reads. Building, pulling and running are
local work (allowed), except runs that hand the container the host (``--privileged``,
``--pid=host``, a bind mount of ``/``, ``/etc``, the home directory or the docker
socket), which are privilege findings. Removing containers, images, networks and
above all volumes (where databases keep their data) cannot be undone: those are
host-scope deletes, and ``compose down -v`` deletes volumes. Pushing an image
publishes it. Swarm services, stacks, secrets and nodes live in a cluster, as does a
daemon reached through ``-H``/``--context``/``DOCKER_HOST``: those are remote, with
the environment resolved from the host or context name. ``docker exec`` commands
are unwrapped and judged by the shell walker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import read_finding, word_table
from interlock.classify.containerrun import host_access
from interlock.models import Category, Finding, Risk, Scope

CTR_READ = Rule(
    "container-read",
    Category.READ,
    "Listing and inspecting containers, images, volumes, networks and logs.",
    ("docker ps -a", "docker logs web", "podman images", "docker compose ps"),
)
CTR_LOCAL = Rule(
    "container-local",
    Category.WRITE,
    "Building, pulling, creating and running containers on this machine.",
    ("docker build -t app .", "docker run --rm alpine echo hi", "docker compose up -d"),
)
CTR_CHANGE = Rule(
    "container-host-change",
    Category.WRITE,
    "Stopping, killing or reconfiguring running containers and the daemon, logging in, "
    "pushing images.",
    ("docker stop web", "docker kill web", "docker login", "docker push me/app"),
)
CTR_DELETE = Rule(
    "container-delete",
    Category.DELETE,
    "Removing containers, images, networks and volumes (rm -f, rmi, prune, volume rm, "
    "compose down -v); volumes hold state.",
    (
        "docker rm -f web",
        "docker system prune -af",
        "docker volume rm app_data",
        "docker compose down -v",
    ),
)
CTR_PRIVILEGE = Rule(
    "container-host-access",
    Category.PRIVILEGE,
    "Running a container with the host's powers: --privileged, host namespaces, or a bind "
    "mount of /, system directories, the home directory or the docker socket.",
    (
        "docker run --privileged alpine",
        "docker run -v /:/host alpine",
        "docker run -v /var/run/docker.sock:/var/run/docker.sock x",
    ),
)
CTR_CLUSTER = Rule(
    "container-cluster",
    Category.WRITE,
    "Changing a swarm: services, stacks, secrets, configs and nodes (rm is a delete).",
    ("docker service rm api", "docker stack deploy -c x.yml app", "docker node rm n1"),
)

_GLOBAL_VALUES = word_table(
    """
        -H --host -c --context --config -l --log-level --tlscacert --tlscert --tlskey --url
        --connection --identity --root --runroot --storage-driver
    """
)
_COMPOSE_VALUES = word_table(
    """
        -f --file -p --project-name --project-directory --env-file --profile --ansi
        --parallel
    """
)
_GROUPS = word_table(
    """
        container image network volume system builder buildx context plugin node service
        stack secret config swarm trust manifest machine pod generate kube
    """
)
_READ = word_table(
    """
        ps ls list images logs inspect info version stats top port diff events history
        search export save df du show help imagetools healthcheck exists mount wait config
        services
    """
)
_DELETE = frozenset({"rm", "rmi", "prune", "remove", "down", "reset"})
_CHANGE = word_table(
    """
        stop kill restart pause unpause update login logout push rename commit tag use load
        import disable enable upgrade install attach publish sign revoke connect disconnect
        scale annotate
    """
)
_CLUSTER = frozenset({"node", "service", "stack", "secret", "config", "swarm"})


_HELP = frozenset({"--help", "-h"})


def _split(args: tuple[str, ...], values: frozenset[str]) -> tuple[dict[str, str], list[str]]:
    """Leading global options and the remaining words (verb first)."""
    opts: dict[str, str] = {}
    i = 0
    while i < len(args) and args[i].startswith("-"):
        name, eq, value = args[i].partition("=")
        if name in values and not eq:
            value = args[i + 1] if i + 1 < len(args) else ""
            i += 1
        opts[name] = value
        i += 1
    return opts, list(args[i:])


def _handle(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    opts, words = _split(cmd.args, _GLOBAL_VALUES)
    if cmd.program.endswith("-compose"):
        return _compose(cmd, ctx, list(cmd.args), opts)
    if not words or not _HELP.isdisjoint(cmd.args) or "--version" in opts or "-v" in opts:
        return (read_finding(CTR_READ, cmd, f"{cmd.program} help"),)
    if words[0] == "compose":
        return _compose(cmd, ctx, words[1:], opts)
    group = words[0] if words[0] in _GROUPS else ""
    verb = (words[1] if len(words) > 1 else "ls") if group else words[0]
    rest = words[2:] if group else words[1:]
    remote_host = _daemon(cmd, opts)
    if verb in _READ or (
        group == "swarm" and verb in ("join-token", "unlock-key", "ca") and not rest
    ):
        return (read_finding(CTR_READ, cmd, f"{cmd.program} {group} {verb}".replace("  ", " ")),)
    if group in _CLUSTER:
        return (_cluster(cmd, ctx, group, verb, remote_host),)
    if verb in _DELETE:
        return (_delete(cmd, ctx, group, verb, rest=rest, remote=remote_host),)
    if verb in ("run", "create") or (group == "" and verb == "exec"):
        return _run(cmd, ctx, verb, rest, remote_host)
    if verb in _CHANGE:
        return (
            _found(
                cmd,
                ctx,
                CTR_CHANGE,
                f"{group} {verb}".strip(),
                remote=remote_host,
                scope=Scope.HOST,
                risk=Risk.MEDIUM,
            ),
        )
    return (
        _found(
            cmd,
            ctx,
            CTR_LOCAL,
            f"{group} {verb}".strip(),
            remote=remote_host,
            scope=Scope.WORKSPACE,
            risk=Risk.LOW,
        ),
    )


def _daemon(cmd: SimpleCommand, opts: dict[str, str]) -> str | None:
    """The remote daemon's host or context, if the command talks to one."""
    host = opts.get("-H") or opts.get("--host") or opts.get("--url")
    host = host or cmd.assignments.get("DOCKER_HOST") or cmd.assignments.get("CONTAINER_HOST")
    if host and not host.startswith(("unix://", "npipe://")):
        rest = host.split("://", 1)[-1]
        name = rest.split("@")[-1].split(":")[0].split("/")[0]
        return None if name in ("localhost", "127.0.0.1", "") else name
    context = opts.get("-c") or opts.get("--context") or opts.get("--connection")
    return context if context and context not in ("default", "desktop-linux") else None


def _found(
    cmd: SimpleCommand,
    ctx: CommandContext,
    rule: Rule,
    what: str,
    *,
    remote: str | None,
    scope: Scope,
    risk: Risk,
    category: Category | None = None,
) -> Finding:
    env = None
    if remote is not None:
        scope = Scope.REMOTE
        env = ctx.resolve_environment("hosts", remote)
    where = f" on {remote}" if remote else ""
    return finding(
        rule,
        cmd,
        scope=scope,
        target=f"{cmd.program} {what}{where}",
        risk=risk,
        explanation=f"{cmd.program} {what}{where}",
        environment=env,
        category=category,
        stateful=category is Category.DELETE,
    )


def _delete(
    cmd: SimpleCommand,
    ctx: CommandContext,
    group: str,
    verb: str,
    *,
    rest: list[str],
    remote: str | None,
) -> Finding:
    flags = set(rest)
    everything = bool({"-a", "--all", "-af", "-fa"} & flags)
    volumes = group == "volume" or "--volumes" in flags or (verb == "down" and "-v" in flags)
    cache_only = verb == "prune" and group in ("builder", "image") and not everything
    if cache_only:
        return _found(
            cmd,
            ctx,
            CTR_DELETE,
            f"{group} prune (dangling images and build cache)",
            remote=remote,
            scope=Scope.WORKSPACE,
            risk=Risk.LOW,
            category=Category.DELETE,
        )
    risk = Risk.HIGH if volumes or everything else Risk.MEDIUM
    what = f"{group} {verb} {' '.join(rest)}".strip()
    return _found(
        cmd,
        ctx,
        CTR_DELETE,
        what,
        remote=remote,
        scope=Scope.HOST,
        risk=risk,
        category=Category.DELETE,
    )


def _run(
    cmd: SimpleCommand, ctx: CommandContext, verb: str, rest: list[str], remote: str | None
) -> Iterable[Finding]:
    danger = host_access(rest)
    if danger:
        return (
            _found(
                cmd,
                ctx,
                CTR_PRIVILEGE,
                f"{verb} with {', '.join(danger)}",
                remote=remote,
                scope=Scope.HOST,
                risk=Risk.HIGH,
            ),
        )
    if verb == "exec":
        return (read_finding(CTR_READ, cmd, "the inner command is judged on its own"),)
    return (_found(cmd, ctx, CTR_LOCAL, verb, remote=remote, scope=Scope.WORKSPACE, risk=Risk.LOW),)


def _cluster(
    cmd: SimpleCommand, ctx: CommandContext, group: str, verb: str, remote: str | None
) -> Finding:
    env = ctx.resolve_environment("hosts", remote)
    deleting = verb in ("rm", "remove", "leave", "demote") or (group == "swarm" and verb == "leave")
    return finding(
        CTR_CLUSTER,
        cmd,
        scope=Scope.REMOTE,
        target=f"swarm {group} {verb}",
        explanation=f"{cmd.program} {group} {verb} changes the swarm cluster",
        risk=Risk.HIGH if deleting else Risk.MEDIUM,
        environment=env,
        category=Category.DELETE if deleting else Category.WRITE,
    )


def _compose(
    cmd: SimpleCommand, ctx: CommandContext, args: list[str], opts: dict[str, str]
) -> Iterable[Finding]:
    _, words = _split(tuple(args), _COMPOSE_VALUES | _GLOBAL_VALUES)
    remote = _daemon(cmd, opts)
    if not words or ({"--help", "-h", "--version", "-v"} & set(args) and not words[1:]):
        return (read_finding(CTR_READ, cmd, "compose help"),)
    verb, rest = words[0], words[1:]
    if verb in _READ or verb in ("ls", "convert", "alpha", "watch"):
        return (read_finding(CTR_READ, cmd, f"compose {verb}"),)
    if verb in ("down", "rm"):
        return (_delete(cmd, ctx, "compose", verb, rest=rest, remote=remote),)
    if verb in ("exec", "run"):
        return (
            _run(cmd, ctx, verb, rest, remote)
            if verb == "run"
            else (read_finding(CTR_READ, cmd, "the inner command is judged on its own"),)
        )
    if verb in _CHANGE:
        return (
            _found(
                cmd,
                ctx,
                CTR_CHANGE,
                f"compose {verb}",
                remote=remote,
                scope=Scope.HOST,
                risk=Risk.MEDIUM,
            ),
        )
    return (
        _found(
            cmd,
            ctx,
            CTR_LOCAL,
            f"compose {verb}",
            remote=remote,
            scope=Scope.WORKSPACE,
            risk=Risk.LOW,
        ),
    )


HANDLERS: Mapping[str, Handler] = dict.fromkeys(
    ("docker", "podman", "nerdctl", "docker-compose", "podman-compose"), _handle
)

RULES: tuple[Rule, ...] = (CTR_READ, CTR_LOCAL, CTR_CHANGE, CTR_DELETE, CTR_PRIVILEGE, CTR_CLUSTER)

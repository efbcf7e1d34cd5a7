"""What a ``docker run`` (or podman, nerdctl) container can reach of its host.

A container is the agent's sandbox only while it keeps to itself. Run privileged, in
the host's namespaces, with the Docker socket, or with a bind mount of a host
directory such as ``/`` or ``/etc``, it holds the host's powers: ``docker run -v
/:/host alpine rm -rf /host/etc`` deletes the host's ``/etc`` as root. The containers
family asks for any such run (``host_access``); the launcher in
``classify/launchers.py`` also judges the command run inside as a root command on the
host (``host_command``), its paths under a bind mount's target read as the host
paths they are (``/host/etc`` is ``/etc``), so that command's own verdict applies
(``deny`` for that line). A container with none of these keeps its command to itself
and nothing more is judged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

from interlock.classify.commands.paths import word_table
from interlock.classify.unwrap import Step
from interlock.classify.words import Word

#: Where the human's credentials live under their home (``classify/credentials.py``).
_SECRET_DIRECTORIES = (".ssh", ".aws", ".kube", ".docker", ".gnupg", ".azure", ".config/gcloud")
#: Host paths whose bind mount hands the container the host (or its secrets).
HOST_MOUNTS = frozenset(
    {"/", "/etc", "/root", "/home", "/var/run/docker.sock", "/run/docker.sock", "/var"}
    | {"/usr", "/boot", "/dev", "/proc", "/sys", "~", "$HOME", "/Users"}
    | {f"{home}/{secrets}" for home in ("~", "$HOME") for secrets in _SECRET_DIRECTORIES}
)
#: Options that put the container in the host's namespaces or give it every power.
HOST_FLAGS = frozenset(
    {"--privileged", "--pid=host", "--net=host", "--network=host", "--ipc=host"}
    | {"--userns=host", "--uts=host", "--cap-add=ALL", "--cap-add=SYS_ADMIN"}
)
#: ``run``/``create`` options that take the next word as their value (docker-run(1),
#: podman-run(1)); the first other word is the image.
RUN_VALUES = word_table(
    """
    -a -c -e -h -l -m -p -u -v -w --add-host --annotation --attach --blkio-weight
    --blkio-weight-device --cap-add --cap-drop --cgroup-parent --cgroupns --cidfile
    --cpu-period --cpu-quota --cpu-rt-period --cpu-rt-runtime --cpu-shares --cpus
    --cpuset-cpus --cpuset-mems --detach-keys --device --device-cgroup-rule
    --device-read-bps --device-read-iops --device-write-bps --device-write-iops --dns
    --dns-option --dns-search --domainname --entrypoint --env --env-file --expose --gpus
    --group-add --health-cmd --health-interval --health-retries --health-start-period
    --health-start-interval --health-timeout --hostname --ip --ip6 --ipc --isolation
    --kernel-memory --label --label-file --link --link-local-ip --log-driver --log-opt
    --mac-address --memory --memory-reservation --memory-swap --memory-swappiness --mount
    --name --network --net --network-alias --oom-score-adj --pid --pids-limit --platform
    --publish --pull --restart --runtime --security-opt --shm-size --stop-signal
    --stop-timeout --storage-opt --sysctl --tmpfs --ulimit --user --userns --uts --volume
    --volume-driver --volumes-from --workdir --arch --os --variant --pod --secret
    --systemd --umask --userns-uid-map --http-proxy --hooks-dir --init-path --uidmap
    --gidmap --subuidname --subgidname --chrootdirs --cgroups --conmon-pidfile --requires
    --preserve-fds --image-volume --seccomp-policy --sdnotify --timeout --passwd-entry
    --group-entry --decryption-key --authfile --cert-dir --creds
    """
)


def binds(options: Sequence[str]) -> list[tuple[str, str, str]]:
    """``(option as written, host source, container target)`` of every bind mount."""
    found: list[tuple[str, str, str]] = []
    for i, arg in enumerate(options):
        if arg in ("-v", "--volume", "--mount") and i + 1 < len(options):
            spec, value = f"{arg} {options[i + 1]}", options[i + 1]
        elif arg.startswith(("--volume=", "--mount=")):
            spec, value = arg, arg.partition("=")[2]
        else:
            continue
        source, target = _bind(value, mount=arg.startswith("--mount"))
        if source:
            found.append((spec, source, target))
    return found


def host_access(options: Sequence[str]) -> list[str]:
    """The options of a run that hand the container the host, as written."""
    danger = [a for a in options if a in HOST_FLAGS]
    danger += [spec for spec, source, _ in binds(options) if _reaches_host(source)]
    return danger


def host_command(program: str, words: Sequence[Word], start: int) -> Step | None:
    """The command a container runs, judged where it reaches the host.

    ``words[start:]`` are the run's options, image and command. A container with the
    host's powers runs its command as root on the host; one with only bind mounts
    reaches the host through the paths it names under a mount's target (read as the
    host paths they are). ``None`` when the command names no such path in a container
    that keeps to itself, or when the image runs its own command.
    """
    options: list[str] = []
    i = start
    while i < len(words) and words[i][0].startswith("-") and words[i][0] not in ("-", "--"):
        options.append(words[i][0])
        if words[i][0] in RUN_VALUES and i + 1 < len(words):
            options.append(words[i + 1][0])
            i += 1
        i += 1
    if i < len(words) and words[i][0] == "--":
        i += 1
    image, argv = (words[i][0] if i < len(words) else ""), tuple(words[i + 1 :])
    if not argv:
        return None
    table = sorted(
        {(t.rstrip("/"), _host_source(s)) for _, s, t in binds(options) if t[:1] == "/"},
        key=lambda pair: -len(pair[0]),
    )
    inner = tuple(_translated(w, table) for w in argv)
    label = f"{program} run {image}"
    if host_access(options):
        return Step(label, inner, keep=True, elevated=True)
    return Step(label, inner, keep=True) if inner != argv else None


def _bind(value: str, *, mount: bool) -> tuple[str, str]:
    """The host source and container target of one ``-v``/``--mount`` value; no
    source for named volumes and other mount types."""
    if mount:
        kinds = dict(part.partition("=")[::2] for part in value.split(","))
        source = kinds.get("source") or kinds.get("src") or ""
        if kinds.get("type", "bind" if source.startswith("/") else "volume") != "bind":
            return "", ""
        return source, kinds.get("target") or kinds.get("dst") or kinds.get("destination") or ""
    parts = value.split(":")
    if len(parts) < 2 or not parts[0].startswith(("/", "~", "$", ".")):
        return "", ""  # a named volume, or an anonymous one
    return parts[0], parts[1]


#: How a bind source names the directory the command runs in (the workspace).
_HERE = ("$PWD", "${PWD}", "$(pwd)", "`pwd`", ".")


def _host_source(source: str) -> str:
    """A bind source as a path of the command's own: the workspace is ``.``."""
    for here in _HERE:
        if source == here or source.startswith(here + "/"):
            return "." + source[len(here) :]
    return source.rstrip("/") or "/"


def _reaches_host(source: str) -> bool:
    return source.rstrip("/") in HOST_MOUNTS or source == "/"


def _translated(word: Word, table: Sequence[tuple[str, str]]) -> Word:
    """``word`` with each mount target it names (as a path) read as the host path."""
    value, flags = word
    for target, source in table:
        if target:  # "" is a mount over the container's own root: nothing to read
            value = re.sub(_named(target), partial(_host_path, source), value)
    return value, flags


def _named(target: str) -> str:
    """``target`` as a whole path or a path's first part, not inside another word."""
    return rf"(?<![\w.~/$-]){re.escape(target)}(?P<rest>/|$|(?=[\s'\";&|)]))"


def _host_path(source: str, match: re.Match[str]) -> str:
    rest = match.group("rest")
    if rest == "/":
        return source.rstrip("/") + "/"
    return source

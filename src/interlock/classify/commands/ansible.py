"""ansible and its companion CLIs, judged on every host of the inventory.

``ansible PATTERN -m MODULE -a ARGS`` sends a shell command (``shell``, ``command``,
``raw``: walked as shell on the hosts) or runs a module, judged by its name and
parameters (``state=absent`` deletes, ``authorized_key`` grants access, ``ping``
reads). ``ansible-playbook``, ``ansible-pull``, ``ansible-console`` and
``ansible-runner run`` execute tasks that are not on the command line, so they are
held as unreviewed; ``ansible-galaxy`` installs roles like a package manager
(``packages.py``). The option grammar follows ``ansible --help`` (argparse: options
may follow operands, long names may be abbreviated, ``-m=shell`` is ``-m shell``).
The rules and the reach to the hosts are ``orchestration.py``'s; ``ansible-vault``
stays with the service CLIs (``services.py``).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence

from interlock.classify.command import CommandContext, Handler, SimpleCommand, finding
from interlock.classify.commands.orchestration import (
    ORCH_MODULE_DELETE,
    ORCH_MODULE_WRITE,
    ORCH_PRIVILEGE,
    Parsed,
    grammar,
    hosts_environment,
    orch_finding,
    parse,
    pattern_terms,
    read_finding,
    remote_shell,
    sent_findings,
    unreviewed_finding,
)
from interlock.classify.commands.packages import (
    PKG_HOST,
    PKG_PROJECT,
    PKG_PUBLISH,
    PKG_READ,
    PKG_REMOVE,
    PKG_UNPUBLISH,
)
from interlock.classify.commands.paths import word_table
from interlock.models import Finding, Risk, Scope

# -- module arguments -------------------------------------------------------------------


def module_args(text: str) -> dict[str, str] | None:
    """``key=value`` pairs of an ansible ``-a`` string or salt kwargs, or a JSON object
    (ansible takes ``-a '{"k": "v"}'``); ``None`` when the text does not parse."""
    if text.lstrip().startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError:
            return None
        if not isinstance(loaded, dict):
            return None
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()}
    try:
        tokens = shlex.split(text)
    except ValueError:
        return None
    pairs = (t.partition("=") for t in tokens if "=" in t)
    return {key: value for key, _, value in pairs}


#: ansible module parameters whose values say something is removed or stopped.
_GONE = word_table("absent removed stopped killed purged unmounted deleted")
#: Groups that make an account an administrator.
_ADMIN_GROUPS = word_table("sudo wheel admin root adm docker lxd")
#: Paths that grant access when written.
_GRANTING_PATHS = ("/etc/sudoers", "/root/.ssh", "/etc/ssh/sshd_config")


def _granting(name: str, params: Mapping[str, str]) -> str:
    """What in a module call grants access ("" for nothing)."""
    if params.get("state", "present") in _GONE:
        return ""
    if name in ("authorized_key", "sudoers"):
        return name
    groups = {g.strip() for g in params.get("groups", params.get("group", "")).split(",")}
    if name == "user" and (groups & _ADMIN_GROUPS or params.get("uid") == "0"):
        return f"user in {', '.join(sorted(groups & _ADMIN_GROUPS)) or 'uid 0'}"
    for key in ("dest", "path"):
        value = params.get(key, "")
        if value.startswith(_GRANTING_PATHS) or value.endswith("authorized_keys"):
            return f"{name} {value}"
    return ""


def _gone(name: str, params: Mapping[str, str]) -> str:
    """What in a module call removes or stops something ("" for nothing)."""
    if name in _POWER_MODULES:
        return name
    state = params.get("state", "")
    if state in _GONE:
        return f"state={state}"
    for key in ("remove", "purge", "autoremove", "delete", "force_delete"):
        if params.get(key, "").lower() in ("yes", "true", "1"):
            return f"{key}={params[key]}"
    return ""


#: ansible modules that only read (ansible-doc -l); ``*_info`` and ``*_facts`` too.
_READ_MODULES = word_table(
    """
        ping win_ping setup gather_facts debug stat win_stat find getent wait_for
        wait_for_connection assert fail set_fact meta pause include_vars
        validate_argument_spec package_facts service_facts listen_ports_facts
        mount_facts known_hosts_info
    """
)
_POWER_MODULES = word_table("reboot win_reboot shutdown")
#: Modules whose text is a shell command (``command``: argv without a shell; judged as
#: shell, which can only find more).
_SHELL_MODULES = word_table("shell command raw")
#: Modules that run Windows shells, whose text the POSIX walker cannot read.
_WINDOWS_SHELLS = word_table("win_shell win_command win_psexec psexec")
#: ``command``/``shell`` parameters that are not part of the command (ansible's
#: ``parse_kv(check_raw=True)``); ``chdir`` and ``stdin`` are kept as shell.
_COMMAND_KEYS = word_table(
    "creates removes executable warn stdin_add_newline strip_empty_ends expand_argument_vars"
)
_KV = re.compile(r"""(?:^|\s)(\w+)=("[^"]*"|'[^']*'|\S*)""")


def command_text(args: str) -> str | None:
    """The shell text of a ``command``/``shell``/``raw`` module call: its free-form
    words, after ``chdir=DIR`` (run as ``cd DIR &&``) and ``stdin=TEXT`` (a here-string);
    ``cmd=``/``argv=`` of a JSON call. ``None``: nothing runs."""
    if args.lstrip().startswith("{"):
        params = module_args(args)
        if params is None:
            return "$UNPARSEABLE_MODULE_ARGS"  # the walker holds what it cannot read
        text = params.get("cmd") or params.get("_raw_params") or _argv(params.get("argv"))
        prefix = params.get("chdir")
        return f"cd {shlex.quote(prefix)} && {text}" if prefix and text else text
    chdir = stdin = ""
    kept = args
    for match in list(_KV.finditer(args)):
        key, value = match.group(1), match.group(2)
        if key in _COMMAND_KEYS or key in ("chdir", "stdin"):
            kept = kept.replace(match.group(0), " ", 1)
            chdir = value if key == "chdir" else chdir
            stdin = value if key == "stdin" else stdin
    text = kept.strip()
    if not text:
        return None
    text = f"cd {chdir} && {text}" if chdir else text
    return f"{text} <<< {stdin}" if stdin else text


def _argv(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        words = json.loads(value)
    except ValueError:
        return "$UNPARSEABLE_ARGV"
    return shlex.join(str(w) for w in words) if isinstance(words, list) else str(words)


# -- ansible ---------------------------------------------------------------------------

_ANSIBLE = grammar(
    "iltPBTucefMam",
    """
        --inventory --inventory-file --limit --poll --background --tree --private-key
        --key-file --user --connection --timeout --ssh-common-args --sftp-extra-args
        --scp-extra-args --ssh-extra-args --connection-password-file --extra-vars
        --vault-id --vault-password-file --vault-pass-file --forks --module-path
        --playbook-dir --task-timeout --args --module-name --become-method --become-user
        --become-password-file --tags --skip-tags --start-at-task
    """,
    """
        --become --list-hosts --one-line --check --diff --ask-pass --ask-become-pass
        --ask-vault-pass --version --verbose --help --syntax-check --list-tasks
        --list-tags --flush-cache --force-handlers --step
    """,
)
_INVENTORY = ("-i", "--inventory", "--inventory-file")


def _ansible_env(
    cmd: SimpleCommand, ctx: CommandContext, parsed: Parsed, pattern: str
) -> str | None:
    sources = parsed.every(*_INVENTORY)
    variable = cmd.assignments.get("ANSIBLE_INVENTORY") or ctx.variables.get("ANSIBLE_INVENTORY")
    if not sources and variable:
        sources = variable.split(",") if "/" in variable else [variable]
    terms = pattern_terms(pattern) + pattern_terms(parsed.last("-l", "--limit") or "")
    return hosts_environment(ctx, sources, terms)


def _ansible(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``ansible PATTERN [-m MODULE] [-a ARGS]``: the module runs on every host."""
    parsed = parse(cmd.args, _ANSIBLE)
    pattern = parsed.operands[0] if parsed.operands else ""
    env = _ansible_env(cmd, ctx, parsed, pattern)
    if not pattern or parsed.has("--list-hosts", "--version", "-h", "--help"):
        return (read_finding(cmd, f"ansible {pattern}".strip(), env),)
    module = parsed.last("-m", "--module-name") or "command"
    name = module.rpartition(".")[2]  # ansible.builtin.shell is shell
    args = parsed.last("-a", "--args") or ""
    root = " as root" if parsed.has("-b", "--become") else ""
    where = f"{pattern}{root}"
    if "$" in module or "`" in module:
        return (
            unreviewed_finding(cmd, f"ansible -m {module}", "a module chosen at run time", env),
        )
    if "{{" in args or "{%" in args:  # Jinja: ``-a '{{ cmd }}' -e cmd='rm -rf /'``
        why = f"ansible -m {name} arguments are templated at run time"
        return (unreviewed_finding(cmd, f"ansible -m {name}", why, env),)
    if name in _SHELL_MODULES and not (parsed.has("-C", "--check") and name != "raw"):
        text = command_text(args)
        return (
            sent_findings(cmd, ctx, text, where, env)
            if text
            else (read_finding(cmd, "ansible", env),)
        )
    if name == "script":
        text = command_text(args)
        return (
            sent_findings(cmd, ctx, f"sh {text}", where, env)
            if text
            else (read_finding(cmd, "ansible", env),)
        )
    return _ansible_module(cmd, ctx, parsed, name, env)


def _ansible_module(
    cmd: SimpleCommand, ctx: CommandContext, parsed: Parsed, name: str, env: str | None
) -> Sequence[Finding]:
    """A module other than a shell: judged by its name and its ``-a`` parameters."""
    args = parsed.last("-a", "--args") or ""
    root = " as root" if parsed.has("-b", "--become") else ""
    what = f"ansible -m {name}"
    params = module_args(args)
    if params is None:
        params = {"state": "absent"} if "absent" in args else {}
    if name in _WINDOWS_SHELLS:
        return (
            unreviewed_finding(cmd, what, f"{name} runs Windows shell text not judged here", env),
        )
    if name in ("slurp", "fetch") and params.get("src"):
        # the file's contents come back to the caller: judged like ``cat`` there
        read = read_finding(cmd, what, env)
        return [read, *remote_shell(f"cat {shlex.quote(params['src'])}", cmd, ctx, env)]
    if parsed.has("-C", "--check") or name in _READ_MODULES or name.endswith(("_info", "_facts")):
        return (read_finding(cmd, what, env),)
    if name == "uri" and params.get("method", "GET").upper() in ("GET", "HEAD"):
        return (read_finding(cmd, what, env),)
    risk = Risk.HIGH if root else Risk.MEDIUM
    granting = _granting(name, params)
    if granting:
        why = f"{what}: {granting} grants access on the hosts{root}"
        return (orch_finding(ORCH_PRIVILEGE, cmd, what, why, env, risk=Risk.HIGH),)
    gone = _gone(name, params)
    if gone:
        why = f"{what}: {gone} removes or stops something on every host{root}"
        return (orch_finding(ORCH_MODULE_DELETE, cmd, what, why, env, risk=Risk.HIGH),)
    why = f"{what} changes every host it runs on{root}"
    return (orch_finding(ORCH_MODULE_WRITE, cmd, what, why, env, risk=risk),)


def _playbook(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``ansible-playbook PLAYBOOK...``: tasks no one reviewed here, on every host."""
    parsed = parse(cmd.args, _ANSIBLE)
    books = " ".join(parsed.operands) or "?"
    env = _ansible_env(cmd, ctx, parsed, "")
    reading = ("--syntax-check", "--list-hosts", "--list-tasks", "--list-tags", "--version")
    if parsed.has(*reading, "-C", "--check", "-h", "--help"):
        return (read_finding(cmd, f"ansible-playbook {books}", env),)
    why = f"ansible-playbook runs {books}, whose tasks are not judged here"
    return (unreviewed_finding(cmd, f"ansible-playbook {books}", why, env),)


def _ansible_reader(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """ansible-inventory, ansible-doc, ansible-config: they print."""
    parsed = parse(cmd.args, _ANSIBLE)
    return (read_finding(cmd, cmd.program, _ansible_env(cmd, ctx, parsed, ""), Scope.WORKSPACE),)


def _ansible_pull(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """ansible-pull checks out a repository and runs its playbook on this machine."""
    why = "ansible-pull runs a playbook from a repository, not from the command line"
    return (unreviewed_finding(cmd, cmd.program, why, ctx.environment, Scope.HOST),)


def _ansible_console(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """ansible-console runs on the hosts whatever is typed into it."""
    parsed = parse(cmd.args, _ANSIBLE)
    pattern = parsed.operands[0] if parsed.operands else ""
    why = "ansible-console runs commands typed at its prompt, not on the command line"
    return (unreviewed_finding(cmd, cmd.program, why, _ansible_env(cmd, ctx, parsed, pattern)),)


def _ansible_runner(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """ansible-runner and ansible-navigator ``run``/``start``/``exec`` run playbooks or
    commands in an execution environment; their other verbs report."""
    parsed = parse(cmd.args, _ANSIBLE)
    verb = parsed.operands[0] if parsed.operands else ""
    if verb in ("run", "start", "exec"):
        why = f"{cmd.program} {verb} runs playbooks or commands not judged here"
        return (
            unreviewed_finding(
                cmd, f"{cmd.program} {verb}", why, _ansible_env(cmd, ctx, parsed, "")
            ),
        )
    return (read_finding(cmd, f"{cmd.program} {verb}".strip(), ctx.environment, Scope.WORKSPACE),)


_GALAXY = grammar("prs", "--roles-path --collections-path --server --role-file", "--force")
_GALAXY_READS = word_table("list info search verify")
_GALAXY_PROJECT = word_table("init build download")


def _galaxy(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """ansible-galaxy: installing roles and collections is a package install; where
    to (``-p`` in the project, else the user's ``~/.ansible``) decides its scope."""
    del ctx
    parsed = parse(cmd.args, _GALAXY)
    verb = next((w for w in parsed.operands if w not in ("role", "collection")), "")
    target = f"ansible-galaxy {verb}".strip()
    if not verb or verb in _GALAXY_READS or parsed.has("--version", "-h", "--help"):
        return (finding(PKG_READ, cmd, scope=Scope.WORKSPACE, target=target,
                        explanation=f"{target} only reads", risk=Risk.NONE),)  # fmt: skip
    galaxy_path = parsed.last("-p", "--roles-path", "--collections-path")
    inside = galaxy_path is not None and not galaxy_path.startswith(("/", "~", "$", ".."))
    if verb in _GALAXY_PROJECT or (verb == "install" and inside):
        rule, scope, why = PKG_PROJECT, Scope.WORKSPACE, "works inside the project"
    elif verb in ("publish", "import"):
        rule, scope, why = PKG_PUBLISH, Scope.REMOTE, "publishes to a Galaxy server"
    elif verb == "delete":
        rule, scope, why = PKG_UNPUBLISH, Scope.REMOTE, "removes a role from a Galaxy server"
    elif verb == "remove":
        rule, scope, why = PKG_REMOVE, Scope.HOST, "removes installed roles"
    else:
        rule, scope, why = PKG_HOST, Scope.HOST, "installs for the whole user"
    return (finding(rule, cmd, scope=scope, target=target, explanation=f"{target} {why}"),)


HANDLERS: Mapping[str, Handler] = {
    "ansible": _ansible,
    "ansible-playbook": _playbook,
    "ansible-inventory": _ansible_reader,
    "ansible-doc": _ansible_reader,
    "ansible-config": _ansible_reader,
    "ansible-pull": _ansible_pull,
    "ansible-console": _ansible_console,
    "ansible-galaxy": _galaxy,
    "ansible-runner": _ansible_runner,
    "ansible-navigator": _ansible_runner,
}

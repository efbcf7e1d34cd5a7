"""Findings for a shell action: each simple command judged by its tool family.

``classify/shell.py`` says *what* would run; this module asks the family handler of
each program (``classify/commands``) what that does, then adds what only the walker
knows (DESIGN.md floor): root rights raise workspace effects to the host and are a
privilege finding of their own; commands run through ``ssh`` or in a container reach
remote systems; redirections can overwrite devices, system files or interlock's own
files; a program no family knows is a low-risk workspace write, so local builds and
scripts stay allowed. A handler or walker error is an opaque finding: fail closed,
never a crash.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Iterable, Sequence

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands import handler_for
from interlock.classify.commands.generic import unknown_tool
from interlock.classify.commands.paths import GIT_LATER, runs_later
from interlock.classify.credentials import exposure
from interlock.classify.plainline import plain
from interlock.classify.selfprotect import is_protected, normalise
from interlock.classify.shell import walk
from interlock.classify.walkcontext import opaque
from interlock.config import Config
from interlock.models import (
    NO_BLAST_RADIUS,
    RISK_ORDER,
    Action,
    Assessment,
    Category,
    Finding,
    Risk,
    Scope,
)

#: Redirect operators that write to their target.
_WRITES = frozenset({">", ">>", ">|", "&>", "&>>", "<>", ">&"})
#: Special files that accept writes harmlessly.
_HARMLESS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero"})
#: Absolute prefixes whose files belong to the system: writing them changes the host.
_SYSTEM: tuple[str, ...] = ("/etc/", "/boot/", "/usr/", "/bin/", "/sbin/", "/lib", "/var/")
_SYSTEM += ("/sys/", "/proc/", "/root/", "/opt/", "/srv/", "/System/", "/Library/")
#: Scratch space every user may write: as reversible as the workspace.
_SCRATCH = ("/tmp/", "/var/tmp/", "/dev/shm/")  # noqa: S108 - classified, not written


def assess(action: Action, config: Config) -> Assessment:
    """Every finding of a shell action; an internal error becomes an opaque finding."""
    findings: list[Finding] = []
    judged: Sequence[Finding] = findings  # ``findings``, or a plain command's family's
    target = action.target
    try:
        payload = action.payload
        text = payload if isinstance(payload, str) else _payload(payload)
        if text is None:
            findings.append(
                opaque("shell-unparseable", repr(action.payload)[:200], "is not UTF-8 text")
            )
        else:
            found = plain(text)
            base = _context(config, target.cwd, target.environment)
            if isinstance(found, SimpleCommand):
                # the common case, ``_judge`` of a command with no assignments, root
                # rights, remote host, container or redirects: the family alone
                try:
                    judged = _family(found, base)
                except Exception as exc:  # a handler bug must hold the action
                    judged = [_error(found.text, exc)]
            else:
                walker = walk(text, found)
                if walker.findings:
                    findings.extend(walker.findings)
                root = target.cwd
                for cmd, cwd in zip(walker.commands, walker.cwds, strict=True):
                    findings.extend(_judge(cmd, base if cwd is None else _moved(base, cwd), root))
                if not findings and not walker.commands:
                    findings.extend(_no_program(text))
    except Exception as exc:  # fail closed: the walker must never crash a check
        findings.append(_error(str(action.payload)[:200], exc))
        judged = findings
    forced = target.environment
    if forced:
        judged = [
            f if f.environment else dataclasses.replace(f, environment=forced) for f in judged
        ]
    return _assessment(action, judged)


def _assessment(action: Action, findings: Sequence[Finding]) -> Assessment:
    """The assessment of ``findings``: their environments and the highest risk."""
    if len(findings) == 1:  # the common case
        only = findings[0]
        envs: tuple[str, ...] = (only.environment,) if only.environment else ()
        single = findings if type(findings) is tuple else (only,)
        return Assessment(action, single, envs, NO_BLAST_RADIUS, only.risk)
    order = RISK_ORDER
    risk = Risk.NONE
    top = 0
    names: set[str] = set()
    for f in findings:
        rank = order[f.risk]
        if rank > top:
            top, risk = rank, f.risk
        if f.environment:
            names.add(f.environment)
    envs = tuple(sorted(names)) if names else ()
    return Assessment(action, tuple(findings), envs, NO_BLAST_RADIUS, risk)


#: Contexts by (config identity, cwd, environment); the config is kept in the value
#: so that an identity reused by another config never matches.
_CONTEXTS: dict[tuple[int, str | None, str | None], CommandContext] = {}


def _context(config: Config, cwd: str | None, environment: str | None) -> CommandContext:
    """The context of an action's commands; frozen, so one is shared per target."""
    key = (id(config), cwd, environment)
    ctx = _CONTEXTS.get(key)
    if ctx is None or ctx.config is not config:
        if len(_CONTEXTS) >= 256:
            _CONTEXTS.clear()
        ctx = _CONTEXTS[key] = CommandContext(config, cwd=cwd, environment=environment)
    return ctx


def _moved(base: CommandContext, cwd: str) -> CommandContext:
    """The context after ``cd cwd``: relative moves start from the action's cwd, which
    stays the workspace."""
    if base.cwd and not cwd.startswith(("/", "~", "$")):
        cwd = posixpath.normpath(posixpath.join(base.cwd, cwd))
    return dataclasses.replace(base, cwd=cwd, workspace=base.cwd, moved=True)


def _payload(payload: str | bytes) -> str | None:
    if isinstance(payload, str):
        return payload
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _judge(cmd: SimpleCommand, base: CommandContext, root: str | None) -> Sequence[Finding]:
    """The family's findings for ``cmd``, adjusted for how and where it runs."""
    ctx = dataclasses.replace(base, variables=cmd.assignments) if cmd.assignments else base
    try:
        found = _family(cmd, ctx)
        if cmd.elevated or cmd.remote_host or cmd.container:
            found = [_reach(f, cmd, ctx) for f in found]
            if not (cmd.remote_host or cmd.container):
                found.append(_privilege(cmd))
        if cmd.redirects:
            found = [*found, *_redirect_findings(cmd, ctx, root)]
    except Exception as exc:  # a handler bug must hold the action, not allow it
        return [_error(cmd.text, exc)]
    return found


def _family(cmd: SimpleCommand, ctx: CommandContext) -> Sequence[Finding]:
    """The findings of ``cmd``'s family, as the tuple or list the handler built, and
    an exposure finding when it names a credential file (whatever the program)."""
    program = cmd.program
    handler = handler_for(program)
    if handler is None:
        found: Sequence[Finding] = unknown_tool(cmd, ctx) or [_unknown(cmd)]
    else:
        made = handler(cmd, ctx)
        found = made if type(made) is tuple or type(made) is list else tuple(made)
        if not found:
            raise LookupError(f"the {program} rules returned no finding")
    exposed = exposure(cmd, known=handler is not None)
    return found if exposed is None else [*found, exposed]


def _reach(f: Finding, cmd: SimpleCommand, ctx: CommandContext) -> Finding:
    """Root rights reach the host; ``ssh`` and containers reach remote systems."""
    if cmd.remote_host or cmd.container:
        if f.scope is Scope.REMOTE and f.environment:
            return f
        env = f.environment or ctx.resolve_environment("hosts", cmd.remote_host)
        return dataclasses.replace(f, scope=Scope.REMOTE, environment=env)
    if cmd.elevated and f.scope is Scope.WORKSPACE:
        return dataclasses.replace(f, scope=Scope.HOST)
    return f


def _scope(cmd: SimpleCommand, default: Scope) -> Scope:
    if cmd.remote_host or cmd.container:
        return Scope.REMOTE
    if cmd.elevated and default is Scope.WORKSPACE:
        return Scope.HOST
    return default


def _unknown(cmd: SimpleCommand) -> Finding:
    where = cmd.remote_host or cmd.container
    return Finding(
        rule_id="shell-unknown-program",
        category=Category.WRITE,
        scope=_scope(cmd, Scope.WORKSPACE),
        target=cmd.program,
        evidence=cmd.text,
        explanation=(
            f"{cmd.program} is not a known tool; treated as local work"
            + (f" on {where}" if where else "")
            + (" run as root" if cmd.elevated else "")
        ),
        risk=Risk.LOW,
    )


def _privilege(cmd: SimpleCommand) -> Finding:
    return Finding(
        rule_id="shell-privilege-escalation",
        category=Category.PRIVILEGE,
        scope=Scope.HOST,
        target=cmd.program,
        evidence=cmd.text,
        explanation=f"runs {cmd.program} with root rights ({', '.join(cmd.wrappers)})",
        risk=Risk.MEDIUM,
    )


def _no_program(text: str) -> list[Finding]:
    """Blank lines, comments, assignments or tests alone (``X=1``, ``[[ -f x ]]``).

    Bash runs no program for these, which is known, not a failure to understand:
    the walker found every command there is and there are none.
    """
    return [
        Finding(
            rule_id="shell-no-program",
            category=Category.READ,
            scope=Scope.WORKSPACE,
            target="shell",
            evidence=text[:500],
            explanation="runs no program (blank, comment, assignment or test only)",
            risk=Risk.NONE,
        )
    ]


def _error(evidence: str, exc: BaseException) -> Finding:
    why = f"could not be classified ({type(exc).__name__}: {exc})"[:300]
    return opaque("shell-classifier-error", evidence, why)


def _redirect_findings(
    cmd: SimpleCommand, ctx: CommandContext, root: str | None
) -> Iterable[Finding]:
    for r in cmd.redirects:
        if r.op not in _WRITES or (r.op == ">&" and (r.target.isdigit() or r.target == "-")):
            continue
        kind = _redirect_kind(r.target, ctx, root)
        if kind is not None:
            yield _write(cmd, r.target, kind)


#: What a redirection does: rule id, category, scope, risk and a phrase.
_Kind = tuple[str, Category, Scope, Risk, str]
_SELF_TAMPER: _Kind = (
    "shell-self-tamper-redirect",
    Category.SELF_TAMPER,
    Scope.HOST,
    Risk.CRITICAL,
    "overwrites one of interlock's own files",
)
_UNKNOWN_TARGET: _Kind = (
    "shell-redirect-unknown-target",
    Category.WRITE,
    Scope.HOST,
    Risk.MEDIUM,
    "writes to a file named only at run time",
)
_DEVICE: _Kind = (
    "shell-redirect-device",
    Category.DELETE,
    Scope.HOST,
    Risk.CRITICAL,
    "overwrites a device",
)
_SYSTEM_FILE: _Kind = (
    "shell-redirect-system-file",
    Category.WRITE,
    Scope.HOST,
    Risk.HIGH,
    "overwrites a system or home configuration file",
)
_GIT_LATER: _Kind = (
    "shell-redirect-git-hook",
    Category.WRITE,
    Scope.HOST,
    Risk.MEDIUM,
    "writes a git hook or git's configuration, which git runs later, unchecked",
)
_RUNS_LATER: _Kind = (
    "shell-redirect-runs-later",
    Category.WRITE,
    Scope.HOST,
    Risk.MEDIUM,
    "writes a file another program runs later (CI, direnv, hooks), unchecked",
)
_LOCAL: _Kind = ("shell-redirect-write", Category.WRITE, Scope.WORKSPACE, Risk.LOW, "writes a file")
_OUTSIDE: _Kind = (
    "shell-redirect-write",
    Category.WRITE,
    Scope.HOST,
    Risk.LOW,
    "writes a file outside the workspace",
)


def _redirect_kind(target: str, ctx: CommandContext, root: str | None) -> _Kind | None:
    """What writing to ``target`` through a redirection does; ``None``: nothing."""
    path = normalise(target, None)
    if path in _HARMLESS or path.startswith("/dev/fd/"):
        return None
    if is_protected(target, ctx.config, ctx.cwd):
        return _SELF_TAMPER
    if "$" in target or "`" in target:
        return _UNKNOWN_TARGET
    if path.startswith("/dev/"):
        return _DEVICE
    if path.startswith(_SYSTEM) or _home_dotfile(path):
        return _SYSTEM_FILE
    if not _in_workspace(path, ctx.cwd, root):
        return _OUTSIDE
    later = runs_later(path, ctx.cwd)
    if not later:
        return _LOCAL
    if later == GIT_LATER:
        return _GIT_LATER
    return (*_RUNS_LATER[:-1], f"writes {later}, unchecked")


def _home_dotfile(path: str) -> bool:
    for home in ("~/", "$HOME/", "/home/", "/Users/"):
        if path.startswith(home):
            rest = path[len(home) :]
            if home in ("/home/", "/Users/"):
                rest = rest.partition("/")[2]
            return rest.startswith(".")
    return False


def _in_workspace(path: str, cwd: str | None, root: str | None) -> bool:
    """Whether ``path``, written from ``cwd``, stays in the workspace ``root``.

    Without a known root, relative paths that do not climb out with ``..`` are the
    workspace and absolute ones are not (the same convention as the tool families).
    """
    if path.startswith(_SCRATCH):
        return True
    if cwd and not path.startswith(("/", "~", "$")):
        path = posixpath.normpath(posixpath.join(cwd, path))
    if path.startswith(_SCRATCH):
        return True
    if path.startswith(("~", "$")):
        return False
    if root and root.startswith("/"):
        top = posixpath.normpath(root)
        if not path.startswith("/"):
            path = posixpath.normpath(posixpath.join(top, path))
        return path == top or path.startswith(top.rstrip("/") + "/")
    return not path.startswith("/") and not (path == ".." or path.startswith("../"))


def _write(cmd: SimpleCommand, target: str, kind: _Kind) -> Finding:
    rule_id, category, scope, risk, explanation = kind
    return Finding(
        rule_id=rule_id,
        category=category,
        scope=_scope(cmd, scope),
        target=target,
        evidence=cmd.text,
        explanation=f"{explanation}: {target}",
        risk=risk,
    )

"""An agent turning interlock against itself (DESIGN.md floor rule 4).

The paths interlock protects (its config, policies, store, keys, the agent hook
settings) are checked by every family that writes a file; this module covers what
is not a file write: running ``interlock`` with a verb that approves, denies, grants,
mints tokens, changes policy or keys, or touches the audit log; editing a protected
file in an editor; and stopping the interlock server (``pkill -f interlock``,
``systemctl stop interlock``). An agent may still ask interlock things: ``check``,
``request``, ``requests`` and ``exec`` (which runs only what humans approved).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import (
    operands,
    protected,
    read_finding,
    word_table,
    write_finding,
)
from interlock.models import Category, Finding, Risk, Scope

SELF_APPROVE = Rule(
    "self-tamper-approve",
    Category.SELF_TAMPER,
    "An agent running interlock's human verbs: approve, deny, grant, token, policy, "
    "config, audit, keys, serve.",
    ("interlock approve 12", "interlock token create --for alice", "interlock policy set x"),
)
SELF_KILL = Rule(
    "self-tamper-stop",
    Category.SELF_TAMPER,
    "Stopping or killing the interlock server.",
    ("pkill -f interlock", "systemctl stop interlock", "killall interlock"),
)
SELF_EDIT = Rule(
    "self-tamper-edit",
    Category.SELF_TAMPER,
    "Opening one of interlock's own files in an editor (vim, nano, code ...).",
    ("vim .claude/settings.json", "nano interlock.yaml", "code policies/main.rego"),
)
SELF_ALLOWED = Rule(
    "interlock-agent-verb",
    Category.READ,
    "The interlock verbs an agent may use: check, request, requests, exec, help, version.",
    ("interlock check -- ls", "interlock request -- terraform apply plan.out"),
)
EDITOR_WRITE = Rule(
    "editor-write",
    Category.WRITE,
    "Opening files in an editor: a write of each file, judged by its place.",
    ("vim notes.txt", "nano /etc/hosts"),
)

#: Verbs an agent may run; every other verb belongs to humans.
AGENT_VERBS: frozenset[str] = frozenset({"check", "request", "requests", "exec", "status"})
EDITORS: frozenset[str] = word_table(
    """
        vi vim nvim view nano pico emacs emacsclient code codium subl gedit kate micro hx
        helix kak ed ex mcedit joe ne mate zed cursor idea open
    """
)


def _interlock(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    del ctx
    words = [a for a in cmd.args if not a.startswith("-")]
    verb = words[0] if words else ""
    if not verb or verb in AGENT_VERBS:
        return (read_finding(SELF_ALLOWED, cmd, f"interlock {verb}".strip()),)
    return (
        finding(
            SELF_APPROVE,
            cmd,
            scope=Scope.HOST,
            target=f"interlock {verb}",
            explanation=f"interlock {verb} is for humans; an agent may not run it",
            risk=Risk.CRITICAL,
        ),
    )


def _editor(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    from interlock.classify.commands.files import FS_SELF_TAMPER

    paths = operands(cmd.args, frozenset({"-c", "-u", "-S", "--cmd", "-t", "-q", "-a"}))
    paths = [
        p.split(":", 1)[0] if cmd.program in ("code", "subl", "cursor") else p
        for p in paths
        if not p.startswith("+")
    ]
    found: list[Finding] = []
    for path in paths:
        if protected(path, ctx):
            found.append(
                finding(
                    SELF_EDIT,
                    cmd,
                    scope=Scope.HOST,
                    target=path,
                    risk=Risk.CRITICAL,
                    explanation=f"{cmd.program} would edit {path}, one of interlock's own files",
                )
            )
        elif cmd.program != "open":
            found.append(write_finding(EDITOR_WRITE, cmd, ctx, path, FS_SELF_TAMPER))
    return found or (read_finding(EDITOR_WRITE, cmd, f"{cmd.program} without a file"),)


def stops_interlock(cmd: SimpleCommand) -> Finding | None:
    """A self-tamper finding when ``cmd`` kills or stops the interlock server."""
    if any("interlock" in a.lower() for a in cmd.args):
        return finding(
            SELF_KILL,
            cmd,
            scope=Scope.HOST,
            target="the interlock server",
            explanation=f"{cmd.program} would stop the interlock server",
            risk=Risk.CRITICAL,
        )
    return None


HANDLERS: Mapping[str, Handler] = {
    "interlock": _interlock,
    **dict.fromkeys(EDITORS, _editor),
}

RULES: tuple[Rule, ...] = (SELF_APPROVE, SELF_KILL, SELF_EDIT, SELF_ALLOWED, EDITOR_WRITE)

"""What an agent's tool call is, in interlock's terms, and the hook's answer to it.

Every agent names its tools differently (Claude Code ``Bash``, Gemini CLI
``run_shell_command``, Kiro ``execute_bash``, Codex ``Bash``/``apply_patch``); each
adapter maps its payload to one ``ToolCall`` whose ``kind`` says how interlock judges
it: ``shell`` (through the gateway), ``file-write`` (self-protection of interlock's
own files), ``mcp-tool`` (by the verbs in the tool's name), ``read`` (read-only tools
that change nothing) or ``unknown`` (the operator is asked, never silently allowed).

MCP tool names are judged by their verbs (``delete_database``, ``dropTable``,
``k8s-destroy``): a destructive-looking name is held for approval; a read-looking
one is allowed; anything else is put to the operator. Standard library only: this
module is on the hook's per-call path.
"""

from __future__ import annotations

TYPE_CHECKING = False  # ``typing`` and ``dataclasses`` cost the hook milliseconds
if TYPE_CHECKING:
    from typing import Any, TypeGuard

#: Verdicts an answer may carry, least to most strict (as ``interlock.models.Verdict``).
VERDICTS: tuple[str, ...] = ("allow", "ask", "hold", "deny")

#: Verbs in an MCP tool's name that make it destructive (held for approval).
DESTRUCTIVE_VERBS: frozenset[str] = frozenset(
    {
        "delete", "del", "drop", "destroy", "remove", "rm", "purge", "truncate", "terminate",
        "wipe", "erase", "reset", "kill", "revoke", "detach", "disable", "deprovision",
        "uninstall", "overwrite", "force", "prune", "flush", "shutdown", "stop", "replace",
        "recreate", "rollback", "restore", "migrate", "exec", "execute", "run", "eval",
        "sql", "query", "apply", "deploy", "push", "merge", "grant", "assume", "rotate",
        "flushdb", "flushall", "dropdb", "dropdatabase",
    }
)  # fmt: skip

#: Verbs that only read; a name made only of these and nouns is allowed.
READ_VERBS: frozenset[str] = frozenset(
    {
        "get", "list", "read", "search", "find", "describe", "show", "fetch", "view",
        "lookup", "count", "status", "inspect", "browse", "diff", "explain", "resolve",
        "whoami", "info", "head", "tail", "cat", "grep", "ls", "stat", "check", "validate",
    }
)  # fmt: skip


class ToolCall:
    """One tool call an agent is about to make, as the gate needs it."""

    __slots__ = (
        "agent",
        "carried",
        "cwd",
        "description",
        "kind",
        "paths",
        "session_id",
        "text",
        "tool",
    )

    def __init__(  # noqa: PLR0917 - positional like the payload fields it mirrors
        self,
        agent: str,
        tool: str,
        kind: str,
        text: str = "",
        paths: tuple[str, ...] = (),
        session_id: str | None = None,
        cwd: str | None = None,
        description: str | None = None,
    ) -> None:
        self.agent, self.tool, self.kind, self.text = agent, tool, kind, text
        self.paths, self.session_id, self.cwd = paths, session_id, cwd
        self.description = description
        #: A shell command an MCP tool was handed in its arguments (``mcp_call``).
        self.carried: str | None = None

    def as_shell(self) -> ToolCall:
        """The shell command this call carries, as a call of its own."""
        return ToolCall(
            self.agent,
            self.tool,
            "shell",
            self.carried or "",
            (),
            self.session_id,
            self.cwd,
            self.description,
        )

    def __repr__(self) -> str:
        return f"ToolCall({self.agent!r}, {self.tool!r}, {self.kind!r}, {self.text[:80]!r})"


class Answer:
    """The hook's verdict with the reason the agent (and its human) reads."""

    __slots__ = ("reason", "request_id", "verdict")

    def __init__(self, verdict: str, reason: str, request_id: str | None = None) -> None:
        if verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {verdict!r}")
        self.verdict, self.reason, self.request_id = verdict, reason, request_id

    def __repr__(self) -> str:
        return f"Answer({self.verdict!r}, {self.reason!r})"


def deny(reason: str) -> Answer:
    """A denial with ``reason``; what every failure becomes."""
    return Answer("deny", reason)


#: Argument names under which MCP tools that run programs take their command line
#: (desktop-commander ``start_process``, ``mcp-server-commands`` ``run_command``,
#: terminal and shell servers).
SHELL_ARGUMENTS = ("command", "cmd", "command_line", "commandLine", "shell_command", "script")


def mcp_call(agent: str, name: str, arguments: Any, payload: dict[str, Any]) -> ToolCall:
    """An MCP tool call: its full name and canonical JSON arguments as the text, and the
    shell command it carries, if any (``carried``: judged as shell as well)."""
    import json

    args = json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)
    call = ToolCall(
        agent, name, "mcp-tool", f"{name} {args}", (), session_of(payload), cwd_of(payload)
    )
    call.carried = carried_command(arguments)
    return call


def carried_command(arguments: Any) -> str | None:
    """The command line in an MCP tool's arguments: shell text or an argv list under
    one of ``SHELL_ARGUMENTS``, followed by an ``args`` list of strings when there is
    one (``{"command": "rm", "args": ["-rf", "/"]}`` runs ``rm -rf /``)."""
    if not isinstance(arguments, dict):
        return None
    import shlex

    command: str | None = None
    for key in SHELL_ARGUMENTS:
        value = arguments.get(key)
        if isinstance(value, str) and value.strip():
            command = value
        elif _strings(value):
            command = shlex.join(value)
        if command is not None:
            break
    if command is None:
        return None
    extra = arguments.get("args") or arguments.get("arguments")
    return f"{command} {shlex.join(extra)}" if _strings(extra) else command


def _strings(value: Any) -> TypeGuard[list[str]]:
    """Whether ``value`` is a non-empty list of strings (an argv)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def mcp_verdict(name: str) -> tuple[str, str]:
    """``(verdict, why)`` for an MCP tool by the verbs in its name alone."""
    tool = name.rsplit("__", maxsplit=1)[-1] if "__" in name else name
    words = _words(tool)
    destructive = sorted(w for w in words if w in DESTRUCTIVE_VERBS)
    if destructive:
        return "hold", f"MCP tool {name} looks destructive ({', '.join(destructive)})"
    if words and words[0] in READ_VERBS:
        return "allow", f"MCP tool {name} only reads ({words[0]})"
    return "ask", f"MCP tool {name} is not known to be read-only"


def _words(name: str) -> list[str]:
    """``dropTable`` / ``drop_table`` / ``drop-table`` -> ``["drop", "table"]``."""
    import re

    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def session_of(payload: dict[str, Any]) -> str | None:
    """The agent's session id, if the payload carries one as a string."""
    value = payload.get("session_id") or payload.get("sessionId")
    return value if isinstance(value, str) and value else None


def cwd_of(payload: dict[str, Any]) -> str | None:
    """The working directory the agent reports, if any."""
    value = payload.get("cwd")
    return value if isinstance(value, str) and value else None


def text_field(data: Any, *names: str) -> str:
    """The first of ``names`` in ``data`` that is a string; a missing one is an error."""
    if isinstance(data, dict):
        for name in names:
            value = data.get(name)
            if isinstance(value, str):
                return value
    raise ValueError(f"tool input has no {' or '.join(names)}")


def tool_input(payload: dict[str, Any]) -> dict[str, Any]:
    """The ``tool_input`` object of a payload; anything else is an error."""
    value = payload.get("tool_input", {})
    if not isinstance(value, dict):
        raise ValueError("tool_input is not an object")
    return value

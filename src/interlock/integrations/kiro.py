"""Kiro CLI ``preToolUse`` hooks (the ``hooks`` of an agent configuration file).

Input (stdin JSON): ``hook_event_name`` (``preToolUse``), ``cwd``, ``tool_name`` and
``tool_input``. Shell commands are ``execute_bash`` (``command``); files are written by
``fs_write`` (``path``); AWS calls go through ``use_aws`` (``service_name``,
``operation_name``, ``parameters``, ``region``, ``profile_name``), which interlock
judges as the equivalent ``aws`` command line, so the same classification applies;
MCP tools are ``@server/tool``. Output: exit 0 lets the tool run; exit 2 blocks it
and Kiro returns stderr to the model as the reason. There is no ``ask``: it is a
block with the reason.
"""

from __future__ import annotations

import re

from interlock.integrations.calls import (
    Answer,
    ToolCall,
    cwd_of,
    mcp_call,
    session_of,
    text_field,
    tool_input,
)

TYPE_CHECKING = False  # ``typing`` costs the hook more than this module
if TYPE_CHECKING:
    from typing import Any

NAME = "kiro"

READ_TOOLS: frozenset[str] = frozenset(
    {"fs_read", "read", "glob", "grep", "introspect", "knowledge", "thinking", "todo_list"}
)
SHELL_TOOLS: frozenset[str] = frozenset({"execute_bash", "execute_cmd", "shell"})
FILE_TOOLS: frozenset[str] = frozenset({"fs_write", "write"})


def parse(payload: dict[str, Any]) -> ToolCall:
    """The tool call in a ``preToolUse`` payload."""
    event = payload.get("hook_event_name", "preToolUse")
    if event != "preToolUse":
        raise ValueError(f"not a preToolUse event: {event!r}")
    tool = payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise ValueError("payload has no tool_name")
    args = tool_input(payload)
    session, cwd = session_of(payload), cwd_of(payload)
    if tool in SHELL_TOOLS:
        return ToolCall(NAME, tool, "shell", text_field(args, "command"), (), session, cwd)
    if tool in FILE_TOOLS:
        path = text_field(args, "path", "file_path")
        return ToolCall(NAME, tool, "file-write", path, (path,), session, cwd)
    if tool == "use_aws":
        return ToolCall(NAME, tool, "shell", aws_command(args), (), session, cwd)
    if tool.startswith("@") and "/" in tool:
        server, _, name = tool[1:].partition("/")
        return mcp_call(NAME, f"mcp__{server}__{name}", args, payload)
    kind = "read" if tool in READ_TOOLS else "unknown"
    return ToolCall(NAME, tool, kind, "", (), session, cwd)


def aws_command(args: dict[str, Any]) -> str:
    """``use_aws`` input as the ``aws`` CLI line that does the same thing."""
    service = text_field(args, "service_name")
    argv = ["aws", service, _kebab(text_field(args, "operation_name"))]
    for key in ("region", "profile_name"):
        value = args.get(key)
        if isinstance(value, str) and value:
            argv += [f"--{key.removesuffix('_name')}", value]
    params = args.get("parameters") or {}
    if not isinstance(params, dict):
        raise ValueError("use_aws parameters is not an object")
    for name, value in params.items():
        argv += ["--" + _kebab(str(name)), value if isinstance(value, str) else repr(value)]
    import shlex

    return shlex.join(argv)


def _kebab(name: str) -> str:
    """``DeleteDBInstance`` / ``delete_db_instance`` -> ``delete-db-instance`` (as the CLI)."""
    dashed = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name)
    return dashed.replace("_", "-").lower()


def render(answer: Answer) -> tuple[str, int]:
    """Exit 0 to allow; exit 2 with the reason (written to stderr by the core) to block."""
    return "", 0 if answer.verdict == "allow" else 2

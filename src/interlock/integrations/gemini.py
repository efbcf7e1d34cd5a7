"""Gemini CLI ``BeforeTool`` hooks (``.gemini/settings.json``).

Input (stdin JSON): ``session_id``, ``transcript_path``, ``cwd``, ``hook_event_name``
(``BeforeTool``), ``timestamp``, ``tool_name`` and ``tool_input``. Shell commands are
``run_shell_command`` (``command``, ``description``, ``dir_path``); files are written
by ``write_file`` and ``replace`` (``file_path``); MCP tools carry the server in their
name (``server__tool``). Output (stdout JSON, exit 0): ``{"decision": "allow"|"deny",
"reason": "..."}``. Asking is not part of this answer, so ``ask`` and ``hold`` are
``deny`` with a reason that says what would make it pass.
"""

from __future__ import annotations

from interlock.integrations import jsonlite
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

NAME = "gemini"

READ_TOOLS: frozenset[str] = frozenset(
    {
        "read_file", "read_many_files", "list_directory", "glob", "search_file_content",
        "grep", "web_fetch", "google_web_search", "save_memory", "write_todos",
    }
)  # fmt: skip
FILE_TOOLS: frozenset[str] = frozenset({"write_file", "replace", "edit"})


def parse(payload: dict[str, Any]) -> ToolCall:
    """The tool call in a ``BeforeTool`` payload."""
    event = payload.get("hook_event_name", "BeforeTool")
    if event != "BeforeTool":
        raise ValueError(f"not a BeforeTool event: {event!r}")
    tool = payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise ValueError("payload has no tool_name")
    args = tool_input(payload)
    session, cwd = session_of(payload), cwd_of(payload)
    if tool == "run_shell_command":
        where = args.get("dir_path") or args.get("directory")
        if isinstance(where, str) and where:
            cwd = where if where.startswith("/") or not cwd else f"{cwd}/{where}"
        return ToolCall(NAME, tool, "shell", text_field(args, "command"), (), session, cwd)
    if tool in FILE_TOOLS:
        path = text_field(args, "file_path", "absolute_path", "path")
        return ToolCall(NAME, tool, "file-write", path, (path,), session, cwd)
    if "__" in tool:
        return mcp_call(NAME, tool, args, payload)
    kind = "read" if tool in READ_TOOLS else "unknown"
    return ToolCall(NAME, tool, kind, "", (), session, cwd)


def render(answer: Answer) -> tuple[str, int]:
    """``{"decision", "reason"}``; anything but allow is a deny."""
    decision = "allow" if answer.verdict == "allow" else "deny"
    return jsonlite.dumps({"decision": decision, "reason": answer.reason}), 0

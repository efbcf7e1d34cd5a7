"""Claude Code ``PreToolUse`` hooks: the payload it sends and the answer it reads.

Input (stdin JSON): ``session_id``, ``transcript_path``, ``cwd``, ``permission_mode``,
``hook_event_name`` (``PreToolUse``), ``tool_name`` and ``tool_input`` (``Bash``:
``command``, ``description``; ``Write``/``Edit``/``MultiEdit``: ``file_path``;
``NotebookEdit``: ``notebook_path``; MCP tools are named ``mcp__<server>__<tool>``).
Output (stdout JSON, exit 0): ``{"hookSpecificOutput": {"hookEventName": "PreToolUse",
"permissionDecision": "allow"|"deny"|"ask", "permissionDecisionReason": "..."}}``.
Claude Code lets the tool run when a hook fails in any other way, which is why the
core never lets an error escape (``hook.py``). A hold is answered ``deny``: the
reason tells the agent the request id and to retry after approval.
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

NAME = "claude-code"

#: Tools that only read or plan; they change nothing outside the conversation.
READ_TOOLS: frozenset[str] = frozenset(
    {
        "Read", "Grep", "Glob", "LS", "TodoWrite", "TodoRead", "Task", "WebFetch",
        "WebSearch", "NotebookRead", "ExitPlanMode", "BashOutput", "Agent",
    }
)  # fmt: skip

#: File tools and the input key holding the path each one writes.
FILE_TOOLS: dict[str, str] = {
    "Write": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "NotebookEdit": "notebook_path",
}


def parse(payload: dict[str, Any]) -> ToolCall:
    """The tool call in a ``PreToolUse`` payload."""
    return parse_tool(NAME, payload)


def parse_tool(agent: str, payload: dict[str, Any]) -> ToolCall:
    """Shared by agents whose payloads have Claude Code's shape (Codex too)."""
    event = payload.get("hook_event_name", "PreToolUse")
    if event != "PreToolUse":
        raise ValueError(f"not a PreToolUse event: {event!r}")
    tool = payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise ValueError("payload has no tool_name")
    args = tool_input(payload)
    session, cwd = session_of(payload), cwd_of(payload)
    if tool == "Bash":
        command = text_field(args, "command")
        desc = args.get("description") if isinstance(args.get("description"), str) else None
        return ToolCall(agent, tool, "shell", command, (), session, cwd, desc)
    if tool in FILE_TOOLS:
        path = text_field(args, FILE_TOOLS[tool])
        return ToolCall(agent, tool, "file-write", path, (path,), session, cwd)
    if tool.startswith("mcp__"):
        return mcp_call(agent, tool, args, payload)
    kind = "read" if tool in READ_TOOLS else "unknown"
    return ToolCall(agent, tool, kind, "", (), session, cwd)


def render(answer: Answer) -> tuple[str, int]:
    """The stdout JSON and exit status Claude Code reads."""
    decision = "deny" if answer.verdict == "hold" else answer.verdict
    out = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": decision,
            "permissionDecisionReason": answer.reason,
        }
    }
    return jsonlite.dumps(out), 0

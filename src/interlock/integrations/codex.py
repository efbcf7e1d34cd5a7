"""Codex CLI ``PreToolUse`` hooks (``~/.codex/hooks.json``).

Codex sends Claude Code's wire shape: ``session_id``, ``turn_id``, ``cwd``, ``model``,
``hook_event_name`` (``PreToolUse``), ``tool_name`` (``Bash``, ``apply_patch``, or an
MCP tool ``mcp__<server>__<tool>``) and ``tool_input`` (``command``; for
``apply_patch`` the patch text, whose ``*** Add/Update/Delete File: PATH`` headers name
the files it writes). Codex honours only ``deny`` from a PreToolUse hook, so an
``ask`` is answered ``deny`` with the reason: asking cannot happen here, and the
gate fails closed. Allow is an empty answer with exit 0.
"""

from __future__ import annotations

import re

from interlock.integrations import claude_code, jsonlite
from interlock.integrations.calls import Answer, ToolCall, cwd_of, session_of, text_field

TYPE_CHECKING = False  # ``typing`` costs the hook more than this module
if TYPE_CHECKING:
    from typing import Any

NAME = "codex"

_PATCH_FILE = re.compile(r"^\*\*\* (?:Add|Update|Delete) File: (.+)$", re.MULTILINE)
_PATCH_MOVE = re.compile(r"^\*\*\* Move to: (.+)$", re.MULTILINE)


def parse(payload: dict[str, Any]) -> ToolCall:
    """The tool call in a Codex ``PreToolUse`` payload."""
    if payload.get("tool_name") == "apply_patch":
        patch = text_field(payload.get("tool_input"), "command", "patch", "input")
        paths = tuple(p.strip() for p in _PATCH_FILE.findall(patch) + _PATCH_MOVE.findall(patch))
        if not paths:
            raise ValueError("apply_patch names no file")
        return ToolCall(
            NAME, "apply_patch", "file-write", patch, paths, session_of(payload), cwd_of(payload)
        )
    return claude_code.parse_tool(NAME, payload)


def render(answer: Answer) -> tuple[str, int]:
    """Deny (also for ask and hold) as JSON; allow as silence."""
    if answer.verdict == "allow":
        return "", 0
    out = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": answer.reason,
        }
    }
    return jsonlite.dumps(out), 0

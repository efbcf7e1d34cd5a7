"""Agent integrations: the per-tool-call hooks of coding agents and the MCP server.

The hooks (``hook.py``, the start, ``answer.py``, the work, and one adapter module per
agent: ``claude_code``, ``codex``, ``gemini``, ``kiro``) run as a new process on every
tool call, so nothing on their path imports more than the standard library
(DESIGN.md, "the agent hook is the exception"); ``client.py`` is the standard-library
HTTP client of the gateway API they share with ``interlock exec`` and
``mcp_server.py``. This package ``__init__`` imports nothing, so importing an adapter
costs only that adapter.
"""

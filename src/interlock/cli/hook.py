"""``interlock hook AGENT``: answer one agent tool call read from stdin.

The same as the ``interlock-hook`` console script, which skips building the full
argument parser of every verb; agents should call that one (docs/agents.md) since it
starts on every tool call. AGENT is ``claude-code``, ``codex``, ``gemini`` or ``kiro``.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the ``hook`` verb."""
    from interlock.integrations.answer import ADAPTERS

    p: argparse.ArgumentParser = sub.add_parser(
        "hook", help="answer an agent's pre-tool-use hook (stdin JSON -> stdout JSON)"
    )
    p.add_argument("agent", choices=sorted(ADAPTERS), help="the agent sending the payload")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Answer the call; the exit status is what the agent reads."""
    from interlock.integrations.answer import main

    return main([args.agent])

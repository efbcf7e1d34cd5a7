"""``interlock mcp [--http HOST:PORT]``: the MCP server (stdio by default).

Tools ``run_command``, ``terraform_plan``, ``apply_plan``, ``request_status`` and
``list_my_requests`` over the gateway API (``--url``/``INTERLOCK_URL`` with the agent
token in ``INTERLOCK_TOKEN``); credentials come from ``--config`` (the gateway's
interlock.yaml) and plan files are stored under ``--plans``. See
``interlock.integrations.mcp_server``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from interlock.errors import InputError


def register(sub: Any) -> None:
    """Add the ``mcp`` verb."""
    p: argparse.ArgumentParser = sub.add_parser("mcp", help="serve interlock's tools over MCP")
    p.add_argument("--url", help="the gateway (default: $INTERLOCK_URL)")
    p.add_argument("--token", help="the agent token (default: $INTERLOCK_TOKEN)")
    p.add_argument("--config", metavar="FILE", help="the gateway's interlock.yaml (credentials)")
    p.add_argument("--plans", metavar="DIR", help="where plan files are stored")
    p.add_argument("--http", metavar="HOST:PORT", help="streamable HTTP instead of stdio")
    p.add_argument("--terraform", default=None, help="terraform or tofu binary")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until the client goes away (stdio) or the process is stopped (HTTP)."""
    from interlock.integrations.mcp_server import McpSettings, serve

    url = args.url or os.environ.get("INTERLOCK_URL")
    if not url:
        raise InputError("no gateway", hint="pass --url or set INTERLOCK_URL")
    settings = McpSettings.build(
        url=url,
        token=args.token or os.environ.get("INTERLOCK_TOKEN"),
        config=args.config,
        plans=args.plans,
        terraform=args.terraform,
    )
    serve(settings, http=args.http)
    return 0

"""``interlock deny ID --comment TEXT``: deny a pending request, saying why.

One eligible human's denial closes the request. Prints where the request stands, or
with ``--json`` ``{"status", "approvals", "required"}``; refusals exit non-zero.
"""

from __future__ import annotations

import argparse
from typing import Any

from interlock.cli.approve import show
from interlock.cli.request import add_common, approvals, token_of


def register(sub: Any) -> None:
    """Add the ``deny`` verb."""
    p: argparse.ArgumentParser = sub.add_parser("deny", help="deny a pending request")
    p.add_argument("id", help="the request id (req-...)")
    p.add_argument("--comment", required=True, help="why you deny it (required, recorded)")
    add_common(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Cast the denial."""
    token = token_of(args)
    with approvals(args) as service:
        outcome = service.deny(args.id, token, comment=args.comment)
    show(args, outcome)
    return 0

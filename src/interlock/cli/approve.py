"""``interlock approve ID``: cast an approval on a request with your token.

Prints where the request stands, or with ``--json`` ``{"status", "approvals",
"required"}``. A refused vote (the requester, an agent, a second vote by the same
person, a voter outside the required groups, a closed request) exits non-zero with
the reason; the refusal itself is in the audit log.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from interlock.cli.request import add_common, approvals, emit, token_of

if TYPE_CHECKING:
    from interlock.approvals.votes import VoteOutcome


def register(sub: Any) -> None:
    """Add the ``approve`` verb."""
    p: argparse.ArgumentParser = sub.add_parser("approve", help="approve a pending request")
    p.add_argument("id", help="the request id (req-...)")
    p.add_argument("--comment", help="why you approve (recorded)")
    add_common(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Cast the approval."""
    token = token_of(args)
    with approvals(args) as service:
        outcome = service.approve(args.id, token, comment=args.comment)
    show(args, outcome)
    return 0


def show(args: argparse.Namespace, outcome: VoteOutcome) -> None:
    """Print a vote's outcome (shared with ``deny``)."""
    obj = {"status": outcome.status, "approvals": outcome.approvals, "required": outcome.required}
    who = ", ".join(outcome.approvers) or "nobody yet"
    text = f"{outcome.request_id}  {outcome.status}  {outcome.approvals}/{outcome.required} ({who})"
    emit(args, obj, text)

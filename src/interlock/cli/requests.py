"""``interlock requests [list|show ID]``: what is waiting, and everything about one.

Reading expires what is due first, so a listed ``pending`` request is still live.
``--json`` prints one object: ``{"requests": [...]}`` for ``list``, the request with
its ballots and grant for ``show``. No token is needed to read: the store's own
access control is the boundary, and nothing here contains a secret.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from interlock.cli.request import add_common, approvals, emit
from interlock.errors import InputError

if TYPE_CHECKING:
    from interlock.approvals import RequestRecord, RequestView


def register(sub: Any) -> None:
    """Add the ``requests`` verb."""
    p: argparse.ArgumentParser = sub.add_parser("requests", help="list requests or show one")
    p.add_argument("action", nargs="?", default="list", choices=("list", "show"))
    p.add_argument("id", nargs="?", help="the request to show")
    p.add_argument("--status", help="only requests in this state (pending, approved, ...)")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    add_common(p, token=False)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """List or show."""
    from interlock.approvals.requests import Status

    if args.action == "show":
        if not args.id:
            raise InputError("which request?", hint="interlock requests show REQ-ID")
        with approvals(args) as service:
            view = service.show(args.id)
        emit(args, view_json(view), view_text(view))
        return 0
    try:
        status = Status(args.status) if args.status else None
    except ValueError as exc:
        raise InputError(f"no such status {args.status!r}") from exc
    with approvals(args) as service:
        records = service.list(status=status, limit=args.limit)
    rows = [row_json(r) for r in records]
    text = "\n".join(_line(r) for r in records) or "no requests"
    emit(args, {"requests": rows}, text)
    return 0


def row_json(record: RequestRecord) -> dict[str, Any]:
    """One request as a JSON object."""
    return {
        "id": record.id,
        "status": record.status.value,
        "decision": record.verdict.value,
        "digest": record.digest,
        "required_approvals": record.required_approvals,
        "approver_groups": list(record.approver_groups),
        "requester": record.requester_human,
        "agent": record.requester_agent,
        "environments": list(record.environments),
        "summary": record.summary,
        "task": record.task,
        "rationale": record.rationale,
        "break_glass": record.break_glass,
        "created_at": record.created_at.isoformat(),
        "expires_at": record.expires_at.isoformat(),
        "status_reason": record.status_reason,
    }


def view_json(view: RequestView) -> dict[str, Any]:
    """A request with its ballots, grant and decision detail."""
    obj = row_json(view.record)
    obj["votes"] = [
        {
            "voter": b.voter,
            "vote": "approve" if b.approve else "deny",
            "channel": b.channel,
            "token": b.token_id,
            "comment": b.comment,
            "at": b.cast_at.isoformat(),
        }
        for b in view.ballots
    ]
    obj["grant"] = {
        "id": view.grant_id,
        "used_at": view.grant_used_at.isoformat() if view.grant_used_at else None,
    }
    obj["detail"] = view.record.detail
    return obj


def _line(record: RequestRecord) -> str:
    who = record.requester_human + (
        f" via {record.requester_agent}" if record.requester_agent else ""
    )
    return (
        f"{record.id}  {record.status.value:<9} {record.verdict.value:<5} "
        f"{who}  {record.summary[:60]}"
    )


def view_text(view: RequestView) -> str:
    """A reviewer's page for one request."""
    r = view.record
    lines = [
        f"{r.id}  {r.status.value}  (decision {r.verdict.value}, needs {r.required_approvals})",
        f"  {r.summary}",
        f"  requester {r.requester_human}"
        + (f" via agent {r.requester_agent}" if r.requester_agent else ""),
        f"  digest {r.digest}",
        f"  expires {r.expires_at.isoformat()}",
    ]
    if r.task:
        lines.append(f"  task: {r.task}")
    if r.rationale:
        lines.append(f"  rationale: {r.rationale}")
    lines += [f"  because {x['rule_id']}: {x['message']}" for x in r.detail.get("reasons", [])]
    for b in view.ballots:
        vote = "approved" if b.approve else "denied"
        lines.append(
            f"  {b.voter} {vote} via {b.channel}" + (f": {b.comment}" if b.comment else "")
        )
    if view.grant_id:
        used = f"used {view.grant_used_at.isoformat()}" if view.grant_used_at else "unused"
        lines.append(f"  grant {view.grant_id} ({used})")
    return "\n".join(lines)

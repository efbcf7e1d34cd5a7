"""Requests as the API shows them (api.md), from the stored record and its detail.

The shape is the contract: ``id, decision, status, digest, required_approvals,
approvals, risk, reasons, findings, url``; a shown request adds ``ballots``,
``grant``, ``task`` and ``rationale``. Further fields (``kind``, ``summary``,
``requester`` ...) are extras for pages and people.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response

from interlock.approvals import RequestRecord, RequestView
from interlock.server.settings import Settings


def fast_json(data: dict[str, Any]) -> Response:
    """``data`` (already plain JSON types) as a response, rendered by orjson.

    Returning a dict makes FastAPI walk it with ``jsonable_encoder`` first, which
    costs more than the whole of some routes; these dicts need no conversion.
    """
    return Response(orjson.dumps(data), media_type="application/json")


def request_json(
    record: RequestRecord, settings: Settings, *, approvals: int = 0
) -> dict[str, Any]:
    """The contract's request object without ballots and grant."""
    detail = record.detail
    return {
        "id": record.id,
        "decision": record.verdict.value,
        "status": record.status.value,
        "digest": record.digest,
        "required_approvals": record.required_approvals,
        "approvals": approvals,
        "risk": detail.get("risk", "unknown"),
        "reasons": [_reason(r) for r in detail.get("reasons", [])],
        "findings": [_finding(f) for f in detail.get("findings", [])],
        "url": settings.request_url(record.id),
        "kind": record.kind,
        "summary": record.summary,
        "requester": record.requester_human,
        "agent": record.requester_agent,
        "environments": list(record.environments),
        "approver_groups": list(record.approver_groups),
        "break_glass": record.break_glass,
        "status_reason": record.status_reason,
        "created_at": record.created_at.isoformat(),
        "expires_at": record.expires_at.isoformat(),
        "task": record.task,
        "rationale": record.rationale,
        "blast_radius": detail.get("blast_radius"),
        "findings_omitted": detail.get("findings_omitted", 0),
    }


def view_json(view: RequestView, settings: Settings) -> dict[str, Any]:
    """A request with its ballots and grant (``GET /api/v1/requests/{id}``)."""
    approvals = sum(1 for b in view.ballots if b.approve)
    obj = request_json(view.record, settings, approvals=approvals)
    obj["ballots"] = [
        {
            "voter": b.voter,
            "vote": "approve" if b.approve else "deny",
            "comment": b.comment,
            "at": b.cast_at.isoformat(),
            "channel": b.channel,
        }
        for b in view.ballots
    ]
    obj["grant"] = (
        {
            "id": view.grant_id,
            "used_at": view.grant_used_at.isoformat() if view.grant_used_at else None,
        }
        if view.grant_id
        else None
    )
    return obj


def _reason(r: Any) -> dict[str, Any]:
    return {k: r.get(k) for k in ("source", "rule_id", "message", "verdict")}


_FINDING_KEYS = (
    "rule_id",
    "category",
    "scope",
    "target",
    "environment",
    "evidence",
    "explanation",
    "risk",
    "stateful",
)


def _finding(f: Any) -> dict[str, Any]:
    return {k: f.get(k) for k in _FINDING_KEYS}

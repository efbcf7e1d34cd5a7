"""Requests and their lifecycle: ``pending -> approved | denied | expired | cancelled``,
then ``executed | failed``.

Every transition happens inside the caller's transaction, on a request row locked
first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's immediate transaction already
excludes other writers), and appends its audit entry in that same transaction, so a
state change and its record commit together or not at all.

Expiry is checked whenever a request is read for a transition or a display: a pending
request past its expiry becomes ``expired`` then and there, so no silence ever counts
as approval. An approved request whose grant was never used expires the same way.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select

from interlock.approvals.quorum import Mode, Requirement
from interlock.approvals.seal import SEALED, default_sealer, sealer_for
from interlock.audit.log import stage
from interlock.errors import DecisionError, NotFoundError
from interlock.identity.clock import aware
from interlock.models import Verdict
from interlock.store.database import moment, run_sql, select_rows
from interlock.store.records import grants, requests


class Status(StrEnum):
    """Where a request is in its lifecycle."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    EXECUTED = "executed"
    FAILED = "failed"


#: The only transitions there are; anything else is refused.
TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.APPROVED, Status.DENIED, Status.EXPIRED, Status.CANCELLED}),
    Status.APPROVED: frozenset({Status.EXECUTED, Status.FAILED, Status.EXPIRED}),
}


#: The hot statements, built once (building a statement costs more than running it).
_GRANT_USED = select(grants.c.used_at).where(grants.c.request_id == bindparam("request_id"))
#: A transition as driver SQL (``run_sql``): every decisive vote runs it.
_TRANSITION_SQL = (
    "UPDATE requests SET status = ?, updated_at = ?, status_reason = ?, seal = ? "
    "WHERE id = ? AND status = ?"
)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One stored request as the library sees it."""

    id: str
    status: Status
    verdict: Verdict
    kind: str
    digest: str
    required_approvals: int
    approver_groups: tuple[str, ...]
    requester_human: str
    requester_agent: str | None
    environments: tuple[str, ...]
    summary: str
    task: str | None
    rationale: str | None
    detail: Mapping[str, Any]
    break_glass: bool
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    status_reason: str | None
    #: The columns as stored, so a transition can seal the row it writes.
    stored: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def requirement(self) -> Requirement:
        """The quorum rule this request is judged by."""
        mode = Mode.ASK if self.verdict is Verdict.ASK else Mode.HOLD
        return Requirement(
            self.required_approvals, self.approver_groups, self.requester_human, mode
        )


#: Every column a new request is written with: the sealed ones, then the seal.
_INSERTED = (*SEALED["requests"], "seal")
#: The insert as driver SQL (``run_sql``): every submission runs it.
_INSERT_SQL = (
    f"INSERT INTO requests ({', '.join(_INSERTED)}) "  # noqa: S608 - constant column names
    f"VALUES ({', '.join('?' for _ in _INSERTED)})"
)
_MOMENTS = frozenset({"created_at", "expires_at", "updated_at"})


def insert(conn: Connection, values: Mapping[str, Any]) -> RequestRecord:
    """Store a new request and return it; ``values`` are its columns, lists as lists."""
    row = dict(values)
    groups, environments = tuple(row["approver_groups"]), tuple(row["environments"])
    row["approver_groups"] = json.dumps(list(groups))
    row["environments"] = json.dumps(list(environments))
    detail = row["detail"]
    row["detail"] = json.dumps(detail, sort_keys=True)
    row["seal"] = sealer_for(conn).seal("requests", row)
    bound = [moment(conn, row[c]) if c in _MOMENTS else row[c] for c in _INSERTED]
    run_sql(conn, _INSERT_SQL, tuple(bound), later=True)  # nothing reads its answer
    # the record from the values at hand: parsing back what was just encoded is waste
    return _record(row, (groups, environments, detail))


def new_id(prefix: str, nbytes: int) -> str:
    """``prefix`` and ``nbytes`` random bytes in hex: the id of a new request or grant.

    From the operating system's CSPRNG like ``secrets.token_hex``, but read 4 KiB at a
    time: a ``getrandom`` call per id costs more than the rest of making it. The buffer
    is emptied in a forked child, so two processes never hand out the same bytes.
    """
    with _random_lock:
        if len(_random) < nbytes:
            _random[:] = os.urandom(_RANDOM_BUFFER)
        drawn = bytes(_random[-nbytes:])
        del _random[-nbytes:]
    return prefix + drawn.hex()


_RANDOM_BUFFER = 4096
_random = bytearray()
_random_lock = threading.Lock()


def _forked() -> None:
    """In a forked child: forget the parent's bytes (and a lock a parent thread held)."""
    global _random_lock  # noqa: PLW0603 - replaced in the child only
    _random_lock = threading.Lock()
    _random.clear()


os.register_at_fork(after_in_child=_forked)


def lock(conn: Connection, request_id: str, *, now: datetime, actor: str | None) -> RequestRecord:
    """Lock ``request_id`` for a transition and expire it first if its time is up."""
    # every ballot and grant use runs this: driver SQL (``select_rows``)
    rows = select_rows(conn, requests, "id = ?", (request_id,), lock=True)
    if not rows:
        raise NotFoundError(f"no request {request_id}")
    return locked(conn, rows[0], now=now, actor=actor)


def locked(
    conn: Connection, row: Mapping[str, Any], *, now: datetime, actor: str | None
) -> RequestRecord:
    """The record of a request ``row`` this transaction has locked (its seal checked),
    expired first if its time is up: ``lock`` for callers that read it with other rows."""
    record = _checked(row)
    if record.status in TRANSITIONS and record.expires_at <= now and not _grant_used(conn, record):
        record = transition(
            conn, record, Status.EXPIRED, now=now, actor=actor, reason="expired before use"
        )
    return record


def is_due(record: RequestRecord, now: datetime) -> bool:
    """Whether ``record`` may be past its time (``lock`` then expires it)."""
    return record.status in TRANSITIONS and record.expires_at <= now


def _grant_used(conn: Connection, record: RequestRecord) -> bool:
    used = conn.execute(_GRANT_USED, {"request_id": record.id}).scalar_one_or_none()
    return used is not None


def transition(
    conn: Connection,
    record: RequestRecord,
    to: Status,
    *,
    now: datetime,
    actor: str | None,
    reason: str,
    extra: Mapping[str, Any] | None = None,
) -> RequestRecord:
    """Move ``record`` (already locked) to ``to`` and audit it; illegal moves raise."""
    if to not in TRANSITIONS.get(record.status, frozenset()):
        raise DecisionError(
            f"request {record.id} is {record.status.value}; it cannot become {to.value}"
        )
    changed = {"status": to.value, "updated_at": now, "status_reason": reason}
    seal = sealer_for(conn).seal("requests", {**record.stored, **changed})
    bound = (to.value, moment(conn, now), reason, seal, record.id, record.status.value)
    run_sql(conn, _TRANSITION_SQL, bound)
    body = {"request": record.id, "from": record.status.value, "to": to.value, "reason": reason}
    stage(conn, f"request-{to.value}", actor, {**body, **(extra or {})})
    stored = {**record.stored, **changed, "seal": seal}
    return replace(record, status=to, updated_at=now, status_reason=reason, stored=stored)


def fetch(conn: Connection, request_id: str) -> RequestRecord:
    """Read ``request_id`` without locking or expiring it (callers show ``effective``)."""
    row = conn.execute(select(requests).where(requests.c.id == request_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no request {request_id}")
    return _checked(row._mapping)


def recent(conn: Connection, *, status: Status | None, limit: int) -> list[RequestRecord]:
    """The newest requests first, optionally of one status."""
    query = select(requests).order_by(requests.c.created_at.desc(), requests.c.id).limit(limit)
    if status is not None:
        query = query.where(requests.c.status == status.value)
    return [_record(r._mapping) for r in conn.execute(query)]


def due(conn: Connection, *, now: datetime) -> list[str]:
    """Ids of pending or approved requests whose expiry has passed."""
    live = [s.value for s in TRANSITIONS]
    query = (
        select(requests.c.id)
        .where(requests.c.status.in_(live), requests.c.expires_at <= now)
        .order_by(requests.c.id)
    )
    return list(conn.execute(query).scalars())


def _checked(m: RowMapping | Mapping[str, Any]) -> RequestRecord:
    """The record of a stored row whose seal holds (else :class:`TamperError`)."""
    default_sealer().check("requests", m, what=f"request {m['id']}")
    return _record(m)


def _record(
    m: RowMapping | Mapping[str, Any],
    parsed: tuple[tuple[str, ...], tuple[str, ...], Mapping[str, Any]] | None = None,
) -> RequestRecord:
    """The record of stored columns ``m``; ``parsed``: its JSON columns, if decoded."""
    if parsed is None:
        parsed = (
            tuple(json.loads(m["approver_groups"])),
            tuple(json.loads(m["environments"])),
            json.loads(m["detail"]),
        )
    groups, environments, detail = parsed
    return RequestRecord(
        id=m["id"],
        status=Status(m["status"]),
        verdict=Verdict(m["verdict"]),
        kind=m["kind"],
        digest=m["digest"],
        required_approvals=int(m["required_approvals"]),
        approver_groups=groups,
        requester_human=m["requester_human"],
        requester_agent=m["requester_agent"],
        environments=environments,
        summary=m["summary"],
        task=m["task"],
        rationale=m["rationale"],
        detail=detail,
        break_glass=bool(m["break_glass"]),
        created_at=aware(m["created_at"]),
        expires_at=aware(m["expires_at"]),
        updated_at=aware(m["updated_at"]),
        status_reason=m["status_reason"],
        stored=dict(m),
    )

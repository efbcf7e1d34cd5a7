"""The circuit breaker: a frozen session holds every non-read action (issue 8).

Past ``watch.session_threshold`` destructive or held attempts within
``watch.rate_window`` seconds in one session, or ``watch.agent_threshold`` attempts
of one agent within ``watch.agent_window`` seconds, the session is frozen: every
further action that is not purely a read is held (``watch-session-frozen``) until a
human unfreezes it. Reads stay allowed, so the agent can still look around and
explain itself. A freeze is a row of ``watch_freezes`` with who froze it, when and
why; an unfreeze fills in who lifted it, when and why. Agents cannot unfreeze:
``unfreeze`` refuses any principal that is not a human, in code.

Every freeze and unfreeze is an audit entry in the same transaction
(``session-frozen``, ``session-unfrozen``); a freeze by the breaker also writes a
``watch-alert`` entry, which notifications pick up like the break-glass alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from interlock.audit.log import stage
from interlock.errors import ForbiddenError, InputError
from interlock.identity.clock import aware
from interlock.models import (
    Assessment,
    Category,
    Principal,
    PrincipalKind,
    Reason,
    ReasonSource,
    Verdict,
)
from interlock.store.watch_records import watch_freezes
from interlock.watch import history

FROZEN_RULE = "watch-session-frozen"

#: Who freezes a session when the breaker trips.
BREAKER = "interlock"


@dataclass(frozen=True, slots=True)
class Freeze:
    """One freeze of a session; ``unfrozen_at`` is ``None`` while it holds."""

    id: int
    session_id: str
    frozen_by: str
    frozen_at: datetime
    reason: str
    unfrozen_by: str | None = None
    unfrozen_at: datetime | None = None
    unfreeze_reason: str | None = None


def read_only(assessment: Assessment) -> bool:
    """Whether every finding only reads (nothing found is not read-only)."""
    return bool(assessment.findings) and all(
        f.category is Category.READ for f in assessment.findings
    )


def current(conn: Connection, session_id: str) -> Freeze | None:
    """The freeze holding ``session_id`` now, if any."""
    row = conn.execute(
        select(watch_freezes)
        .where(watch_freezes.c.session_id == session_id, watch_freezes.c.unfrozen_at.is_(None))
        .order_by(watch_freezes.c.id.desc())
        .limit(1)
    ).one_or_none()
    return _freeze(row) if row is not None else None


def freezes(conn: Connection, session_id: str) -> list[Freeze]:
    """Every freeze of ``session_id``, newest first."""
    query = (
        select(watch_freezes)
        .where(watch_freezes.c.session_id == session_id)
        .order_by(watch_freezes.c.id.desc())
    )
    return [_freeze(r) for r in conn.execute(query)]


def _freeze(row: object) -> Freeze:
    m = row._mapping  # type: ignore[attr-defined]
    return Freeze(
        m["id"],
        m["session_id"],
        m["frozen_by"],
        aware(m["frozen_at"]),
        m["reason"],
        m["unfrozen_by"],
        aware(m["unfrozen_at"]) if m["unfrozen_at"] is not None else None,
        m["unfreeze_reason"],
    )


def held(freeze: Freeze | history.SessionState) -> Reason:
    """The reason a frozen session's non-read action is held."""
    at: datetime | None = freeze.frozen_at
    by: str | None = freeze.frozen_by
    why = freeze.reason if isinstance(freeze, Freeze) else freeze.frozen_reason
    when = f"{at:%Y-%m-%dT%H:%M:%SZ}" if at is not None else "earlier"
    text = (
        f"session {freeze.session_id} is frozen since {when} by {by}: {why}; "
        "a human must unfreeze it"
    )
    return Reason(ReasonSource.WATCH, FROZEN_RULE, text, Verdict.HOLD)


def freeze(conn: Connection, session_id: str, *, by: str, reason: str, now: datetime) -> Freeze:
    """Freeze ``session_id`` (a no-op returning the freeze when already frozen)."""
    existing = current(conn, session_id)
    if existing is not None:
        return existing
    conn.execute(
        insert(watch_freezes).values(
            session_id=session_id, frozen_by=by, frozen_at=now, reason=reason
        )
    )
    history.set_frozen(conn, session_id, frozen=(now, by, reason), human=by)
    stage(conn, "session-frozen", by, {"session": session_id, "reason": reason})
    made = current(conn, session_id)
    assert made is not None, "inserted just above in this transaction"
    return made


def trip(
    conn: Connection,
    session_id: str,
    *,
    reason: str,
    agent: str | None,
    human: str,
    request_id: str | None,
    now: datetime,
) -> Freeze:
    """The breaker's freeze, with its alert."""
    made = freeze(conn, session_id, by=BREAKER, reason=reason, now=now)
    body = {
        "alert": "session-frozen",
        "session": session_id,
        "agent": agent,
        "human": human,
        "request": request_id,
        "reason": reason,
    }
    stage(conn, "watch-alert", BREAKER, body)
    return made


def unfreeze(
    conn: Connection, session_id: str, *, by: Principal, reason: str, now: datetime
) -> Freeze:
    """Lift the freeze of ``session_id``; only a human may, and it must be frozen."""
    if by.kind is not PrincipalKind.HUMAN:
        raise ForbiddenError(
            f"agent {by.name!r} may not unfreeze a session", hint="a human must unfreeze it"
        )
    existing = current(conn, session_id)
    if existing is None:
        raise InputError(f"session {session_id!r} is not frozen")
    conn.execute(
        update(watch_freezes)
        .where(watch_freezes.c.id == existing.id)
        .values(unfrozen_by=by.name, unfrozen_at=now, unfreeze_reason=reason)
    )
    history.set_frozen(conn, session_id, frozen=None, human=by.name)
    body = {"session": session_id, "reason": reason, "frozen_by": existing.frozen_by}
    stage(conn, "session-unfrozen", by.name, body)
    return Freeze(
        existing.id,
        session_id,
        existing.frozen_by,
        existing.frozen_at,
        existing.reason,
        by.name,
        now,
        reason,
    )

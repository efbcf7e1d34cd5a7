"""``/api/v1/sessions``: watched agent sessions, and freezing or unfreezing one (issue 8).

Thin routes over :class:`interlock.watch.sessions.SessionWatch`, the library the
``session`` verb and the request page call too. Every route needs a *human* token:
the library authenticates it in the same transaction as what it reads or changes
and refuses an agent's with ``ForbiddenError`` (403), so an agent can neither look
at sessions nor unfreeze its own. Freezes and unfreezes carry a reason and are
audited in their transaction (``watch/breaker.py``). The answers are documented
below as models, like the request routes' (``responses.py``), so the OpenAPI
document and schemathesis check what is sent.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from interlock.errors import InputError, NotFoundError
from interlock.server.auth import bearer_token
from interlock.server.gateway import Gateway, current_gateway
from interlock.server.responses import documented
from interlock.server.schemas import Prose
from interlock.watch.breaker import Freeze
from interlock.watch.history import Entry
from interlock.watch.sessions import SessionRow, SessionView, SessionWatch

router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"])

Token = Annotated[str, Depends(bearer_token)]
Gw = Annotated[Gateway, Depends(current_gateway)]
#: A session id as the watch stores it: at most 200 characters, no control characters.
SessionId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
Limit = Annotated[int, Query(ge=1, le=500, description="at most this many rows")]


class FreezeOut(BaseModel):
    """One freeze of a session; the ``unfrozen_*`` fields are null while it holds."""

    session: str
    frozen_by: str
    frozen_at: str
    reason: str
    unfrozen_by: str | None
    unfrozen_at: str | None
    unfreeze_reason: str | None


class SessionRowOut(BaseModel):
    """A session as the list shows it."""

    session: str
    agent: str | None
    human: str
    actions: int
    attempts: int
    last_at: str
    frozen: bool


class SessionListOut(BaseModel):
    """``GET /api/v1/sessions``: the most recently active sessions."""

    sessions: list[SessionRowOut]


class ActionOut(BaseModel):
    """One assessed action of a session, as the watch remembers it."""

    at: str
    request: str | None
    agent: str | None
    human: str
    summary: str
    action_class: str
    verdict: str
    attempt: bool
    targets: list[str]
    environments: list[str]


class SessionOut(BaseModel):
    """``GET /api/v1/sessions/{id}``: newest actions, a summary and every freeze."""

    session: str
    frozen: bool
    freeze: FreezeOut | None
    freezes: list[FreezeOut]
    shown: int
    attempts_shown: int
    agents: list[str]
    first_shown_at: str | None
    last_at: str | None
    actions: list[ActionOut]


class ReasonIn(BaseModel):
    """``POST .../freeze`` and ``.../unfreeze``: why (recorded and audited)."""

    reason: Prose = Field(min_length=1, description="why the session is frozen or unfrozen")

    def text(self) -> str:
        """The reason, stripped; blank is refused."""
        stripped = self.reason.strip()
        if not stripped:
            raise InputError("reason: say why", hint='send {"reason": "..."}')
        return stripped


def _watch(gw: Gateway) -> SessionWatch:
    return SessionWatch(gw.store, gw.config)


@router.get(
    "",
    summary="watched sessions, most recently active first (human tokens only)",
    response_model=None,
    responses=documented(SessionListOut),
)
def list_sessions(gw: Gw, token: Token, limit: Limit = 50) -> dict[str, Any]:
    """Each session with its action and attempt counts and whether it is frozen."""
    rows = _watch(gw).list(token, limit=limit)
    return {"sessions": [row_json(r) for r in rows]}


@router.get(
    "/{session_id}",
    summary="a session's newest actions and freezes (human tokens only)",
    response_model=None,
    responses=documented(SessionOut),
)
def show_session(session_id: SessionId, gw: Gw, token: Token, limit: Limit = 50) -> dict[str, Any]:
    """The session's history summary and freeze state; unknown sessions are 404."""
    view = _watch(gw).show(token, session_id, limit=limit)
    if not view.entries and not view.freezes:
        raise NotFoundError(f"no session {session_id!r} is watched", hint="GET /api/v1/sessions")
    return view_json(view)


@router.post(
    "/{session_id}/freeze",
    summary="freeze a session: its non-read actions are held (human tokens only)",
    response_model=None,
    responses=documented(FreezeOut),
)
def freeze(session_id: SessionId, body: ReasonIn, gw: Gw, token: Token) -> dict[str, Any]:
    """Freeze by hand (the freeze already holding it when it is frozen)."""
    reason = body.text()
    made = _watch(gw).freeze(token, session_id, reason=reason)
    return freeze_json(made)


@router.post(
    "/{session_id}/unfreeze",
    summary="lift a session's freeze (human tokens only; agents get 403)",
    response_model=None,
    responses=documented(FreezeOut),
)
def unfreeze(session_id: SessionId, body: ReasonIn, gw: Gw, token: Token) -> dict[str, Any]:
    """Unfreeze; a session that is not frozen is 400."""
    reason = body.text()
    lifted = _watch(gw).unfreeze(token, session_id, reason=reason)
    return freeze_json(lifted)


def freeze_json(f: Freeze) -> dict[str, Any]:
    """A freeze as the API shows it."""
    return {
        "session": f.session_id,
        "frozen_by": f.frozen_by,
        "frozen_at": f.frozen_at.isoformat(),
        "reason": f.reason,
        "unfrozen_by": f.unfrozen_by,
        "unfrozen_at": f.unfrozen_at.isoformat() if f.unfrozen_at else None,
        "unfreeze_reason": f.unfreeze_reason,
    }


def row_json(row: SessionRow) -> dict[str, Any]:
    """A session row of the list."""
    s = row.summary
    return {
        "session": s.session_id,
        "agent": s.agent,
        "human": s.human,
        "actions": s.actions,
        "attempts": s.attempts,
        "last_at": s.last_at.isoformat(),
        "frozen": row.frozen,
    }


def view_json(view: SessionView) -> dict[str, Any]:
    """A session's shown history (newest first), its summary and its freezes."""
    entries = view.entries
    frozen = view.frozen
    return {
        "session": view.session_id,
        "frozen": frozen is not None,
        "freeze": freeze_json(frozen) if frozen is not None else None,
        "freezes": [freeze_json(f) for f in view.freezes],
        "shown": len(entries),
        "attempts_shown": sum(1 for e in entries if e.counted),
        "agents": sorted({e.agent for e in entries if e.agent}),
        "first_shown_at": entries[-1].at.isoformat() if entries else None,
        "last_at": entries[0].at.isoformat() if entries else None,
        "actions": [_action_json(e) for e in entries],
    }


def _action_json(e: Entry) -> dict[str, Any]:
    return {
        "at": e.at.isoformat(),
        "request": e.request_id,
        "agent": e.agent,
        "human": e.human,
        "summary": e.summary,
        "action_class": e.action_class,
        "verdict": e.verdict.value,
        "attempt": e.counted,
        "targets": [t.key for t in e.targets],
        "environments": list(e.environments),
    }

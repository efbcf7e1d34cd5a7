"""The approver web pages: sign in, the queue, a request, a vote (issue 6).

Server-rendered HTML (Jinja2, autoescaped) that works without JavaScript: every
action is a plain form POST answered with a redirect (post/redirect/get). With
JavaScript, ``static/live.js`` listens to this module's server-sent event streams
(``/live`` for the queue, ``/requests/{id}/live`` for a request) and re-fetches the
page's live regions when something changed, so two approvers watching one request
see each other's votes within a second. Nothing is loaded from another site; a
strict Content-Security-Policy says so to the browser.

A request whose agent session the watch froze says so (who, why, when) and offers
an "Unfreeze session" form, CSRF-checked like the vote, that calls the same
``watch.sessions.SessionWatch`` as the API and the CLI (issue 8).

Sessions and CSRF are in ``session.py``; what a request page shows is computed in
``views.py`` and ``trail.py``. Votes go through the same
``ApprovalService.approve/deny`` as the API and the CLI (channel ``web``), with the
token kept in the sealed session cookie, so every rule of the quorum (never the
requester, never an agent, one human once) is enforced in one place, and the page
states plainly when the viewer may not vote. Agent tokens cannot sign in at all.
Routes are plain ``def`` so FastAPI runs their store work in its threadpool.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import func, select

from interlock.approvals import RequestRecord, Status
from interlock.errors import AuthError, InputError, InterlockError, NotFoundError
from interlock.identity import principals
from interlock.identity.access import Authenticated
from interlock.identity.clock import utcnow
from interlock.models import Principal, PrincipalKind
from interlock.server import session as sessions
from interlock.server.auth import authenticate_token
from interlock.server.gateway import Gateway, gateway_of
from interlock.server.session import Session, SessionSealer
from interlock.server.trail import request_trail
from interlock.server.views import findings_of, request_page, what_it_does
from interlock.store.records import principals as principals_table
from interlock.store.records import requests as requests_table
from interlock.store.records import votes as votes_table
from interlock.watch.sessions import SessionWatch

_HERE = Path(__file__).parent
_STATIC = {
    "style.css": ("text/css; charset=utf-8", _HERE / "static" / "style.css"),
    "live.js": ("text/javascript; charset=utf-8", _HERE / "static" / "live.js"),
}
#: Sent with every page: nothing from another origin, no framing, forms post here only.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
#: How long one event stream stays open; the browser reconnects by itself after.
STREAM_SECONDS = 120.0
_KEEPALIVE_SECONDS = 15.0

router = APIRouter(include_in_schema=False)
_templates = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class _Visit:
    """One page request's session: read from the cookie, minted when missing."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.sealer = _sealer(request)
        scope_server = request.scope.get("server") or (None, None)
        self.secure = sessions.cookie_is_secure(request.url.scheme, scope_server[0])
        self.cookie = sessions.cookie_name(self.secure)
        opened = self.sealer.open(request.cookies.get(self.cookie))
        self.fresh = opened is None
        self.session: Session = opened or sessions.anonymous()

    @property
    def csrf(self) -> str:
        """This session's form token."""
        return self.sealer.csrf_token(self.session)

    def csrf_ok(self, submitted: str | None) -> bool:
        """Whether a form came from a page of this session (never true for a new one)."""
        return not self.fresh and self.sealer.csrf_ok(self.session, submitted)

    def replace(self, session: Session) -> None:
        """Use ``session`` from now on (login, logout) and send it back."""
        self.session, self.fresh = session, True

    def finish(self, response: Response) -> Response:
        """Set the cookie when the session is new, and the page's security headers."""
        if self.fresh:
            response.set_cookie(
                self.cookie,
                self.sealer.seal(self.session),
                max_age=sessions.SESSION_SECONDS,
                path="/",
                secure=self.secure,
                httponly=True,
                samesite="strict",
            )
        response.headers.update(_HEADERS)
        return response


def _sealer(request: Request) -> SessionSealer:
    state = request.app.state
    sealer: SessionSealer | None = getattr(state, "session_sealer", None)
    if sealer is None:
        sealer = SessionSealer(gateway_of(request).settings.session_secret or None)
        state.session_sealer = sealer
    return sealer


def _render(visit: _Visit, name: str, status: int = 200, **context: Any) -> Response:
    base = {"viewer_name": None, "csrf": visit.csrf, "error": None, "flash": None}
    html = _templates.get_template(name).render({**base, **context})
    return visit.finish(HTMLResponse(html, status_code=status))


def _redirect(visit: _Visit, to: str) -> Response:
    return visit.finish(RedirectResponse(to, status_code=303))


def _error(visit: _Visit, exc: InterlockError, who: str | None = None) -> Response:
    title = "Not found" if isinstance(exc, NotFoundError) else "Refused"
    return _render(
        visit,
        "error.html",
        exc.http_status,
        title=title,
        message=exc.message,
        hint=exc.hint,
        viewer_name=who,
    )


def _human(gateway: Gateway, visit: _Visit) -> Authenticated | None:
    """The signed-in human, or ``None`` (no session, or its token no longer works)."""
    token = visit.session.token
    if token is None:
        return None
    try:
        who = authenticate_token(gateway, token)
    except AuthError:
        visit.replace(sessions.anonymous())
        return None
    if who.principal.kind is not PrincipalKind.HUMAN:
        visit.replace(sessions.anonymous())
        return None
    return who


def _to_login(visit: _Visit) -> Response:
    path = visit.request.url.path
    return _redirect(visit, "/login" if path == "/" else f"/login?next={path}")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//host`` or a scheme (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _plain_off_loopback(visit: _Visit) -> bool:
    return visit.request.url.scheme == "http" and visit.secure


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The pages' own stylesheet and script (a fixed list: no paths from the URL)."""
    found = _STATIC.get(name)
    if found is None:
        return Response("not found", status_code=404, media_type="text/plain")
    media, path = found
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(path.read_bytes(), media_type=media, headers=headers)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The sign-in form."""
    visit = _Visit(request)
    refuse = _plain_off_loopback(visit)
    return _render(visit, "login.html", next=_safe_next(next), refuse_plain=refuse)


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the token; a human's starts a session, an agent's is refused."""
    visit = _Visit(request)
    target = _safe_next(next)

    def again(message: str, status: int) -> Response:
        return _render(visit, "login.html", status, error=message, next=target, refuse_plain=False)

    if _plain_off_loopback(visit):
        return _render(visit, "login.html", 403, next=target, refuse_plain=True)
    if not visit.csrf_ok(csrf_token):
        visit.replace(sessions.anonymous())
        return again("The form expired or did not come from this site; try again.", 403)
    try:
        who = authenticate_token(gateway_of(request), token.strip())
    except AuthError:
        return again("That token is unknown, expired or revoked.", 401)
    if who.principal.kind is not PrincipalKind.HUMAN:
        name = who.principal.name
        return again(f"{name} is an agent: agent tokens cannot sign in, only people vote.", 403)
    visit.replace(sessions.signed_in(token.strip()))
    return _redirect(visit, target)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the session (CSRF-checked, so no other site can sign you out)."""
    visit = _Visit(request)
    if not visit.csrf_ok(csrf_token):
        return _render(
            visit,
            "error.html",
            403,
            title="Refused",
            hint=None,
            message="The form expired or did not come from this site; reload and try again.",
        )
    visit.replace(sessions.anonymous())
    return _redirect(visit, "/login")


@router.get("/")
def queue_page(request: Request) -> Response:
    """Pending requests, newest first, and the most recently decided."""
    visit, gateway = _Visit(request), gateway_of(request)
    who = _human(gateway, visit)
    if who is None:
        return _to_login(visit)
    since = _version(gateway, None)
    pending = gateway.approvals.list(status=Status.PENDING, limit=50)
    recent = [r for r in gateway.approvals.list(limit=30) if r.status is not Status.PENDING]
    tallies = _approval_counts(gateway, [r.id for r in pending])
    return _render(
        visit,
        "queue.html",
        viewer_name=who.principal.name,
        pending=[_queue_row(r, tallies.get(r.id, 0)) for r in pending],
        recent=recent[:10],
        protected=_protected(gateway),
        live_since=since,
    )


def _queue_row(record: RequestRecord, approvals: int) -> dict[str, Any]:
    findings = findings_of(record.detail.get("findings", ()))
    return {
        "id": record.id,
        "environments": record.environments,
        "risk": str(record.detail.get("risk", "unknown")),
        "approvals": approvals,
        "required": record.required_approvals,
        "does": what_it_does(findings, record.detail.get("blast_radius") or {}),
        "destructive": any(f.destructive for f in findings),
        "task": record.task,
        "agent": record.requester_agent,
        "requester": record.requester_human,
        "age": _ago(record.created_at),
    }


def _approval_counts(gateway: Gateway, ids: list[str]) -> dict[str, int]:
    if not ids:
        return {}
    query = (
        select(votes_table.c.request_id, func.count())
        .where(votes_table.c.request_id.in_(ids), votes_table.c.approve.is_(True))
        .group_by(votes_table.c.request_id)
    )
    with gateway.store.transaction() as conn:
        return {str(r[0]): int(r[1]) for r in conn.execute(query)}


def _protected(gateway: Gateway) -> set[str]:
    return {name for name, env in gateway.config.environments.items() if env.protected}


@router.get("/requests/{request_id}")
def request_view(
    request: Request, request_id: str, voted: str | None = None, unfrozen: str | None = None
) -> Response:
    """One request: what it does, what it destroys, who may vote, the audit trail."""
    visit, gateway = _Visit(request), gateway_of(request)
    who = _human(gateway, visit)
    if who is None:
        return _to_login(visit)
    flash = {"approve": "Your approval is recorded.", "deny": "Your denial is recorded."}
    said = "The session is unfrozen." if unfrozen else flash.get(voted or "")
    return _request_response(visit, gateway, who, request_id, flash=said)


def _request_response(
    visit: _Visit,
    gateway: Gateway,
    who: Authenticated,
    request_id: str,
    *,
    flash: str | None = None,
    vote_error: str | None = None,
    unfreeze_error: str | None = None,
    status: int = 200,
) -> Response:
    since = _version(gateway, request_id)
    try:
        view = gateway.show(request_id)
        session = _watch(gateway).of_request(visit.session.token or "", request_id)
    except InterlockError as exc:
        return _error(visit, exc, who.principal.name)
    with gateway.store.transaction() as conn:
        humans = _known_humans(gateway, conn)
        trail = request_trail(conn, request_id)
    page = request_page(view, who.principal, humans)
    return _render(
        visit,
        "request.html",
        status,
        viewer_name=who.principal.name,
        page=page,
        trail=trail,
        protected=_protected(gateway),
        expires_in=_until(page.expires_at),
        flash=flash,
        vote_error=vote_error,
        frozen=session.frozen if session is not None else None,
        unfreeze_error=unfreeze_error,
        live_since=since,
    )


def _known_humans(gateway: Gateway, conn: Any) -> list[Principal]:
    """Everyone who could be asked to vote: the configured people, else stored humans."""
    config = gateway.config
    if principals.config_lists_people(config):
        found = (principals.from_config(config, name) for name in config.people)
        return [p for p in found if p is not None]
    query = select(principals_table.c.name, principals_table.c.groups).where(
        principals_table.c.kind == PrincipalKind.HUMAN.value
    )
    return [
        Principal(str(row.name), PrincipalKind.HUMAN, groups=tuple(json.loads(row.groups)))
        for row in conn.execute(query)
    ]


@router.post("/requests/{request_id}/vote")
def cast_vote(
    request: Request,
    request_id: str,
    vote: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Approve or deny as the signed-in human; every refusal is shown on the page."""
    visit, gateway = _Visit(request), gateway_of(request)
    who = _human(gateway, visit)
    if who is None:
        return _to_login(visit)
    if not visit.csrf_ok(csrf_token):
        message = "The form expired or did not come from this site; reload and try again."
        return _request_response(visit, gateway, who, request_id, vote_error=message, status=403)
    if vote not in ("approve", "deny"):
        message = "Choose Approve or Deny."
        return _request_response(visit, gateway, who, request_id, vote_error=message, status=400)
    token, text = visit.session.token or "", comment.strip() or None
    try:
        if vote == "approve":
            gateway.approvals.approve(request_id, token, comment=text, channel="web")
        else:
            gateway.approvals.deny(request_id, token, comment=text or "", channel="web")
    except InterlockError as exc:
        return _request_response(
            visit, gateway, who, request_id, vote_error=exc.message, status=exc.http_status
        )
    gateway.changed(gateway.show(request_id).record)
    return _redirect(visit, f"/requests/{request_id}?voted={vote}")


def _watch(gateway: Gateway) -> SessionWatch:
    return SessionWatch(gateway.store, gateway.config)


@router.post("/requests/{request_id}/unfreeze")
def unfreeze_session(
    request: Request,
    request_id: str,
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Unfreeze the request's session as the signed-in human (issue 8), CSRF-checked."""
    visit, gateway = _Visit(request), gateway_of(request)
    who = _human(gateway, visit)
    if who is None:
        return _to_login(visit)

    def refused(message: str, status: int) -> Response:
        return _request_response(
            visit, gateway, who, request_id, unfreeze_error=message, status=status
        )

    if not visit.csrf_ok(csrf_token):
        return refused(
            "The form expired or did not come from this site; reload and try again.", 403
        )
    if not reason.strip() or "\x00" in reason:
        return refused("Say why you unfreeze the session, in plain text.", 400)
    token, watch = visit.session.token or "", _watch(gateway)
    try:
        found = watch.of_request(token, request_id)
        if found is None or found.frozen is None:
            raise InputError("this request's session is not frozen")
        watch.unfreeze(token, found.session_id, reason=reason.strip()[:2000])
    except InterlockError as exc:
        return refused(exc.message, exc.http_status)
    return _redirect(visit, f"/requests/{request_id}?unfrozen=1")


@router.get("/live")
async def queue_live(request: Request, since: str = "") -> Response:
    """Server-sent events: ``changed`` whenever any request changes."""
    return await _stream(request, None, since)


@router.get("/requests/{request_id}/live")
async def request_live(request: Request, request_id: str, since: str = "") -> Response:
    """Server-sent events: ``changed`` whenever this request changes."""
    return await _stream(request, request_id, since)


async def _stream(request: Request, request_id: str | None, since: str) -> Response:
    visit, gateway = _Visit(request), gateway_of(request)
    who = await run_in_threadpool(_human, gateway, visit)
    if who is None:
        return Response("sign in first", status_code=401, media_type="text/plain")
    # A reconnecting EventSource names the last version it saw; a first connection
    # names the version its page was rendered from. Either way nothing is missed.
    seen = request.headers.get("last-event-id") or since
    body = _events(request, gateway, request_id, seen[:64])
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)


async def _events(
    request: Request, gateway: Gateway, request_id: str | None, seen: str
) -> AsyncIterator[str]:
    """Wake on the bus, confirm against the store (other processes, the CLI) and say so.

    Each event's ``id`` is the version it reports, so the browser's ``Last-Event-ID``
    on reconnect tells the next stream where this one stopped.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STREAM_SECONDS
    cursor = gateway.bus.cursor()
    version = await run_in_threadpool(_version, gateway, request_id)
    yield f"retry: 2000\nid: {version}\n\n"
    if seen and seen != version:
        yield f"event: changed\nid: {version}\ndata: {version}\n\n"
    quiet_since = loop.time()
    while loop.time() < deadline and not await request.is_disconnected():
        changes = await gateway.bus.wait(cursor, gateway.settings.poll_seconds)
        if changes:
            cursor = changes[-1].seq
        now = await run_in_threadpool(_version, gateway, request_id)
        if now != version:
            version, quiet_since = now, loop.time()
            yield f"event: changed\nid: {version}\ndata: {version}\n\n"
        elif loop.time() - quiet_since > _KEEPALIVE_SECONDS:
            quiet_since = loop.time()
            yield ": keep-alive\n\n"


def _version(gateway: Gateway, request_id: str | None) -> str:
    """A short digest of :func:`_fingerprint`: equal exactly when nothing shown changed."""
    text = json.dumps(_fingerprint(gateway, request_id))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _fingerprint(gateway: Gateway, request_id: str | None) -> tuple[str, int, str]:
    """What changes when the page would: status (or pending count), votes, last update."""
    req, votes = requests_table.c, votes_table.c
    with gateway.store.transaction() as conn:
        if request_id is None:
            row = conn.execute(
                select(func.count(), func.max(req.updated_at)).where(
                    req.status == Status.PENDING.value
                )
            ).one()
            total = conn.execute(select(func.count()).select_from(votes_table)).scalar_one()
            newest = conn.execute(select(func.max(req.updated_at))).scalar_one()
            return (f"{row[0]} pending", int(total), f"{row[1]}|{newest}")
        status = conn.execute(select(req.status, req.updated_at).where(req.id == request_id))
        found = status.one_or_none()
        count = conn.execute(
            select(func.count()).where(votes.request_id == request_id)
        ).scalar_one()
    if found is None:
        return ("missing", 0, "")
    return (str(found[0]), int(count), str(found[1]))


def _until(moment: datetime) -> str:
    left = moment - utcnow()
    if left <= timedelta(0):
        return "now"
    return f"in {_span(left)}"


def _ago(moment: datetime) -> str:
    return f"{_span(utcnow() - moment)} ago"


def _span(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} days"

"""``/api/v1/requests``: submit, read, wait for, vote on, grant and finish requests.

Thin routes over ``interlock.approvals.ApprovalService`` (api.md). Blocking store
work runs in FastAPI's threadpool (plain ``def`` routes, ``run_in_threadpool`` in the
async waiters), except on the two hot paths: ballots and shell submissions are
written by the store's group-commit driver from the event loop, since a hop through
the threadpool cost the server as much CPU as a ballot's own statements. After each
committed change the route tells the gateway, which wakes waiters (``events``) and
queues webhooks (``interlock.notify``); neither can delay or undo the change.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from interlock.approvals import RequestView, Status, Submitted
from interlock.errors import GrantRefusedError
from interlock.identity.access import Authenticated
from interlock.models import Action, ActionKind
from interlock.server.auth import authenticate_token, bearer_token, caller
from interlock.server.gateway import Gateway, current_gateway, gateway_of
from interlock.server.payloads import fast_json, request_json, view_json
from interlock.server.rawbody import VALIDATION_ERROR, bearer_of, body_documented, json_body
from interlock.server.responses import (
    GrantUseOut,
    RequestListOut,
    RequestOut,
    RequestViewOut,
    VoteOut,
    documented,
)
from interlock.server.schemas import FinishIn, GrantIn, SubmitIn, VoteIn

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])

Token = Annotated[str, Depends(bearer_token)]
Caller = Annotated[Authenticated, Depends(caller)]
Gw = Annotated[Gateway, Depends(current_gateway)]
RequestId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]

#: Seconds between comment lines that keep an idle event stream open through proxies.
HEARTBEAT_SECONDS = 15.0

#: The longest shell command classified and decided on the event loop (``submit``),
#: which holds up every other request of the process meanwhile: the median command
#: classifies in about 15 us, one of 512 characters in about a millisecond (a 4 KiB
#: one in ten); Rego policies, where configured, add about a millisecond.
LOOP_CLASSIFIED_CHARS = 512

#: Statuses after which a request never changes again.
FINAL = frozenset({Status.DENIED, Status.EXPIRED, Status.CANCELLED, Status.EXECUTED, Status.FAILED})


@router.post(
    "",
    summary="submit an action for a decision",
    response_model=None,
    responses={**documented(RequestOut), **VALIDATION_ERROR},
    openapi_extra=body_documented(SubmitIn),
)
async def submit(request: Request) -> Response:
    """Classify, decide and record the action; the answer carries the decision.

    A shell command of up to :data:`LOOP_CLASSIFIED_CHARS` is classified on the event
    loop (microseconds) and written by the store's group-commit driver, so it costs
    no worker thread (``ApprovalService.submit_async``); anything larger, and plans
    and documents, are classified in a worker thread, where they cannot hold up
    other requests. The body (``SubmitIn``) and the token are read by the route
    itself (``rawbody``: FastAPI's resolution of them cost more than the decision).
    """
    token = bearer_of(request)
    body = await json_body(request, SubmitIn)
    gw = gateway_of(request)
    action = body.action()
    if action.kind is ActionKind.SHELL and len(action.payload) <= LOOP_CLASSIFIED_CHARS:
        done = await gw.approvals.submit_async(
            token,
            action,
            credential_scope=body.credential_scope,
            break_glass=body.break_glass,
            timed=gw.metrics.classification.observe,
        )
    else:
        done = await run_in_threadpool(decide_and_record, gw, token, action, body)
    gw.metrics.decisions.labels(done.decision.verdict.value).inc()
    gw.submitted(done.record)
    return fast_json(request_json(done.record, gw.settings))


def decide_and_record(gw: Gateway, token: str, action: Action, body: SubmitIn) -> Submitted:
    """``ApprovalService.submit``, with classification timed for ``/metrics``."""
    return gw.approvals.submit(
        token,
        action,
        credential_scope=body.credential_scope,
        break_glass=body.break_glass,
        timed=gw.metrics.classification.observe,
    )


@router.get(
    "",
    summary="list requests, newest first",
    response_model=None,
    responses=documented(RequestListOut),
)
def list_requests(
    gw: Gw,
    _: Caller,
    status: Annotated[Status | None, Query(description="only requests in this state")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """The newest requests (expiring what is due first)."""
    records = gw.approvals.list(status=status, limit=limit)
    return {"requests": [request_json(r, gw.settings) for r in records]}


@router.get(
    "/{request_id}",
    summary="a request with its ballots and grant",
    response_model=None,
    responses=documented(RequestViewOut),
)
def show(request_id: RequestId, gw: Gw, _: Caller) -> Response:
    """Everything about one request."""
    return fast_json(view_json(gw.show(request_id), gw.settings))


@router.get(
    "/{request_id}/wait",
    summary="long poll until the status changes",
    response_model=None,
    responses=documented(RequestViewOut),
)
async def wait(
    request_id: RequestId,
    gw: Gw,
    token: Token,
    timeout: Annotated[float, Query(ge=0, le=60, description="seconds")] = 30.0,
    status: Annotated[str, Query(max_length=32)] = "pending",
) -> dict[str, Any]:
    """The request as soon as its status is not ``status``, or after ``timeout``."""
    await run_in_threadpool(authenticate_token, gw, token)
    deadline = time.monotonic() + min(timeout, gw.settings.max_wait_seconds)
    cursor = gw.bus.cursor()
    view = await run_in_threadpool(gw.show, request_id)
    while view.record.status.value == status:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        changes = await gw.bus.wait(cursor, min(left, gw.settings.poll_seconds))
        cursor = changes[-1].seq if changes else cursor
        view = await run_in_threadpool(gw.show, request_id)
    return view_json(view, gw.settings)


@router.get(
    "/{request_id}/events",
    summary="server-sent events: the request each time it changes",
    response_class=StreamingResponse,
)
async def events(
    request_id: RequestId, request: Request, gw: Gw, token: Token
) -> StreamingResponse:
    """``event: status`` with the request JSON, now and after each change."""
    await run_in_threadpool(authenticate_token, gw, token)
    first = await run_in_threadpool(gw.show, request_id)
    stream = _stream(gw, request, request_id, first)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


async def _stream(
    gw: Gateway, request: Request, request_id: str, view: RequestView
) -> AsyncIterator[str]:
    last = _fingerprint(view)
    yield _sse(view_json(view, gw.settings))
    quiet = 0.0
    while view.record.status not in FINAL and not await request.is_disconnected():
        cursor = gw.bus.cursor()
        changes = await gw.bus.wait(cursor, gw.settings.poll_seconds)
        view = await run_in_threadpool(gw.show, request_id)
        if _fingerprint(view) != last:
            last, quiet = _fingerprint(view), 0.0
            yield _sse(view_json(view, gw.settings))
        elif not changes:
            quiet += gw.settings.poll_seconds
            if quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                yield ": keep-alive\n\n"
        await asyncio.sleep(0)


def _fingerprint(view: RequestView) -> tuple[str, int, str | None]:
    used = view.grant_used_at.isoformat() if view.grant_used_at else None
    return view.record.status.value, len(view.ballots), used


def _sse(obj: dict[str, Any]) -> str:
    return f"event: status\ndata: {json.dumps(obj, separators=(',', ':'))}\n\n"


@router.post(
    "/{request_id}/votes",
    summary="approve or deny (human tokens only)",
    response_model=None,
    responses=documented(VoteOut),
    openapi_extra=body_documented(VoteIn),
)
async def vote(request_id: RequestId, request: Request) -> Response:
    """Cast a ballot; agents, the requester and second votes are refused and audited.

    On the event loop: the ballot is written by the store's group-commit driver, so a
    vote costs no worker thread (``ApprovalService.vote_async``). The body
    (``VoteIn``) and the token are read by the route itself, as for submissions.
    """
    token = bearer_of(request)
    body = await json_body(request, VoteIn)
    gw = gateway_of(request)
    approve = body.vote == "approve"
    comment = body.comment if approve else body.comment or ""
    outcome = await gw.approvals.vote_async(
        request_id, token, approve=approve, comment=comment, channel="api"
    )
    gw.voted(outcome.record)
    return fast_json(
        {"status": outcome.status, "approvals": outcome.approvals, "required": outcome.required}
    )


@router.post(
    "/{request_id}/grant",
    summary="use the single-use grant for a digest",
    response_model=None,
    responses=documented(GrantUseOut),
)
def grant(request_id: RequestId, body: GrantIn, token: Token, gw: Gw) -> dict[str, Any]:
    """``ok`` once for the approved digest, by its requester; refusals say why."""
    try:
        used = gw.approvals.use_grant(request_id, token, body.digest)
    except GrantRefusedError as refused:
        return {"ok": False, "reason": refused.message, "grant": None}
    gw.bus.publish(request_id, Status.APPROVED.value)
    return {"ok": True, "reason": used.reason, "grant": used.grant_id}


@router.post(
    "/{request_id}/finish",
    summary="record how the granted execution ended",
    response_model=None,
    responses=documented(RequestOut),
)
def finish(request_id: RequestId, body: FinishIn, token: Token, gw: Gw) -> dict[str, Any]:
    """``executed`` or ``failed``, with the exit status and output digest."""
    record = gw.approvals.finish(request_id, token, ok=body.ok, note=body.note())
    gw.changed(record)
    return request_json(record, gw.settings)

"""Rendering errors as JSON: one handler for the whole error tree (api.md).

Every error body is ``{"error": {"type", "message", "hint"}}`` with the status of
the ``InterlockError`` subclass raised (``http_status`` in ``interlock.errors``).
FastAPI's own errors take the same shape: malformed input is 400 ``InputError``
naming each bad field, an unknown route 404 ``NotFoundError``. Anything unexpected is
logged and answered 500 with no detail. :class:`BodyLimit` refuses bodies over the
limit with 413 before any route runs, so nothing is half-written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interlock.errors import InterlockError, PayloadTooLargeError

log = logging.getLogger(__name__)

_TYPES_BY_STATUS = {
    400: "InputError",
    401: "AuthenticationError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    413: "PayloadTooLargeError",
}


def error_body(kind: str, message: str, hint: str | None = None) -> dict[str, Any]:
    """The JSON body of an error."""
    return {"error": {"type": kind, "message": message, "hint": hint}}


def render(exc: InterlockError) -> JSONResponse:
    """``exc`` as its HTTP response."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    body = error_body(type(exc).__name__, exc.message, exc.hint)
    return JSONResponse(body, status_code=exc.http_status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def interlock_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, InterlockError)
        if exc.http_status >= 500:
            log.error("%s: %s", type(exc).__name__, exc.message)
        return render(exc)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        message = describe(exc.errors())
        return JSONResponse(error_body("InputError", message), status_code=400)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        kind = _TYPES_BY_STATUS.get(exc.status_code, "HTTPError")
        return JSONResponse(
            error_body(kind, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        body = error_body("InterlockError", "internal error; nothing was decided")
        return JSONResponse(body, status_code=500)

    app.add_exception_handler(InterlockError, interlock_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def describe(errors: Sequence[Any]) -> str:
    """FastAPI's validation errors as one precise sentence per field."""
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid input"


class BodyLimit:
    """ASGI middleware: bodies over ``limit`` bytes get 413 before any route runs.

    A declared ``Content-Length`` over the limit is refused unread; otherwise the body
    is read (counting, never more than the limit) and replayed to the app.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    async def _refuse(self, send: Send) -> None:
        exc = PayloadTooLargeError(
            f"the request body is larger than {self.limit} bytes",
            hint="raise the server's --max-body limit, or send a smaller plan",
        )
        body = json.dumps(error_body(type(exc).__name__, exc.message, exc.hint)).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed

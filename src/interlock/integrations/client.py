"""The standard-library client of the gateway HTTP API (``/api/v1``, bearer tokens).

Shared by the agent hooks, ``interlock exec`` and the MCP server, so it uses
``urllib.request`` alone: the hooks run as a new process per tool call and cannot
afford a third-party HTTP stack. Every failure is an ``InterlockError``: an error the
server rendered (``{"error": {"type", "message", "hint"}}``) becomes the class of that
name in ``interlock.errors`` when there is one; a server that cannot be reached, or
that answers something that is not the API, is a ``GatewayError``. Callers treat
both as "not allowed" (DESIGN.md floor rule 3). Field names follow the API contract.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from interlock import errors
from interlock.errors import InterlockError

#: Largest answer read from the gateway; a request view is a few kilobytes.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024


class GatewayError(InterlockError):
    """The gateway could not be reached or did not answer as the API says."""

    exit_code = 8
    http_status = 502


class GatewayClient:
    """Calls of the gateway API with one base URL, token and timeout."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def health(self) -> dict[str, Any]:
        """``GET /api/v1/health``."""
        return self.call("GET", "/api/v1/health")

    def submit(self, kind: str, **fields: Any) -> dict[str, Any]:
        """``POST /api/v1/requests``; ``plan`` bytes are sent as ``plan_b64``."""
        body: dict[str, Any] = {"kind": kind}
        for key, value in fields.items():
            if key == "plan" and isinstance(value, bytes):
                body["plan_b64"] = base64.b64encode(value).decode("ascii")
            elif value is not None:
                body[key] = value
        return self.call("POST", "/api/v1/requests", body)

    def get(self, request_id: str) -> dict[str, Any]:
        """``GET /api/v1/requests/{id}``."""
        return self.call("GET", f"/api/v1/requests/{_id(request_id)}")

    def wait(
        self, request_id: str, *, status: str = "pending", timeout: float = 30
    ) -> dict[str, Any]:
        """Long poll until the request leaves ``status`` or ``timeout`` (<= 60 s) passes."""
        query = urllib.parse.urlencode({"timeout": f"{min(timeout, 60):g}", "status": status})
        path = f"/api/v1/requests/{_id(request_id)}/wait?{query}"
        return self.call("GET", path, timeout=min(timeout, 60) + self.timeout)

    def list(self, *, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """``GET /api/v1/requests``: the newest requests, optionally of one status."""
        params = {"limit": str(limit)} | ({"status": status} if status else {})
        found = self.call("GET", "/api/v1/requests?" + urllib.parse.urlencode(params))
        rows = found.get("requests")
        if not isinstance(rows, list):
            raise GatewayError("the gateway's request list has no 'requests'")
        return rows

    def vote(self, request_id: str, vote: str, comment: str = "") -> dict[str, Any]:
        """``POST /api/v1/requests/{id}/votes`` (human tokens only)."""
        body = {"vote": vote, "comment": comment}
        return self.call("POST", f"/api/v1/requests/{_id(request_id)}/votes", body)

    def use_grant(self, request_id: str, digest: str) -> dict[str, Any]:
        """``POST /api/v1/requests/{id}/grant``: consume the single-use grant."""
        return self.call("POST", f"/api/v1/requests/{_id(request_id)}/grant", {"digest": digest})

    def finish(
        self, request_id: str, *, ok: bool, exit_status: int, output_sha256: str, excerpt: str
    ) -> dict[str, Any]:
        """``POST /api/v1/requests/{id}/finish``: how the granted run ended."""
        body = {
            "ok": ok,
            "exit_status": exit_status,
            "output_sha256": output_sha256,
            "excerpt": excerpt,
        }
        return self.call("POST", f"/api/v1/requests/{_id(request_id)}/finish", body)

    def call(
        self, method: str, path: str, body: Any = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """One JSON call; an error answer raises the error class it names."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as resp:  # noqa: S310
                return _decode(resp.read(MAX_RESPONSE_BYTES + 1))
        except urllib.error.HTTPError as exc:
            raise _rendered(exc) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise GatewayError(
                f"interlock gateway {self.url} unreachable: {_why(exc)}",
                hint="is `interlock serve` running and INTERLOCK_URL right?",
            ) from None


def _id(request_id: str) -> str:
    return urllib.parse.quote(request_id, safe="")


def _decode(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_RESPONSE_BYTES:
        raise GatewayError("the gateway's answer is too large")
    try:
        value = json.loads(raw)
    except ValueError:
        raise GatewayError("the gateway answered something that is not JSON") from None
    if not isinstance(value, dict):
        raise GatewayError("the gateway answered JSON that is not an object")
    return value


def _rendered(exc: urllib.error.HTTPError) -> InterlockError:
    """The interlock error an HTTP error answer names, or a ``GatewayError``."""
    try:
        body = exc.read(MAX_RESPONSE_BYTES)
    except OSError:
        body = b""
    return error_from(exc.code, body)


def error_from(status: int, body: bytes) -> InterlockError:
    """The error an API error body (``{"error": {"type", "message", "hint"}}``) names."""
    try:
        detail = json.loads(body)["error"]
        name, message = str(detail["type"]), str(detail["message"])
        hint = detail.get("hint")
    except (ValueError, KeyError, TypeError):
        return GatewayError(f"the gateway answered HTTP {status} without an error body")
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, InterlockError):
        return cls(message, hint=hint if isinstance(hint, str) else None)
    return GatewayError(f"{name}: {message} (HTTP {status})")


def _why(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason if reason is not None else exc) or type(exc).__name__

"""A lean API client for the scale suites, and the ledger of what the servers acknowledged.

:class:`Api` is one keep-alive connection to one server process; every call names
the token it acts with. It never raises on an HTTP status: the suites
judge answers themselves, and a transport error (a server killed mid-request) is
:data:`LOST` instead of an exception, because "we do not know whether it happened"
is exactly the outcome the crash suite must cope with.

:class:`Ledger` is the client side of the invariants (``invariants.py``): every
request whose submission was answered, every ballot answered 200, every grant use
answered ``ok``. An answered change must be in the database; the database may also
hold changes whose answer was lost, but only complete ones.
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tests.scale.cluster import REQUESTER

#: A call whose answer never arrived (connection refused, reset, or timed out).
LOST = None


def hold_body(n: int) -> dict[str, str]:
    """A production-destructive command: held for two distinct approvers."""
    return {
        "kind": "shell",
        "command": f"kubectl delete namespace payments-{n}",
        "env": "production",
        "cwd": "/srv/payments",
        "task": "retire the old payments namespaces",
        "rationale": f"namespace payments-{n} is unused",
    }


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: its status and body."""

    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class Api:
    """Calls to one server process over one keep-alive connection (``http.client``).

    The standard library client costs nothing to create, which matters when a test
    opens a few hundred of them on two cores (an ``httpx.Client`` builds a TLS context).
    """

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)

    def close(self) -> None:
        self.conn.close()

    def _call(self, method: str, path: str, token: str, body: Any = None) -> Reply | None:
        headers = {"Authorization": f"Bearer {token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            answer = self.conn.getresponse()
            return Reply(answer.status, answer.read().decode())
        except (OSError, http.client.HTTPException):
            self.conn.close()  # the next call reconnects
            return LOST

    def submit(self, token: str, n: int) -> Reply | None:
        """Submit held command number ``n``."""
        return self._call("POST", "/api/v1/requests", token, hold_body(n))

    def vote(self, token: str, request_id: str, approve: bool) -> Reply | None:
        """Approve, or deny with a comment."""
        body = {"vote": "approve"} if approve else {"vote": "deny", "comment": "not now"}
        return self._call("POST", f"/api/v1/requests/{request_id}/votes", token, body)

    def grant(self, token: str, request_id: str, digest: str) -> Reply | None:
        """Use the request's grant for ``digest``."""
        body = {"digest": digest}
        return self._call("POST", f"/api/v1/requests/{request_id}/grant", token, body)

    def show(self, token: str, request_id: str) -> Reply | None:
        return self._call("GET", f"/api/v1/requests/{request_id}", token)


@dataclass
class Ledger:
    """What the servers acknowledged, collected from any number of client threads."""

    #: request id -> digest, for every submission answered 200.
    submitted: dict[str, str] = field(default_factory=dict)
    #: (request id, voter) -> approve, for every ballot answered 200.
    votes: dict[tuple[str, str], bool] = field(default_factory=dict)
    #: request id -> how many grant uses were answered ``ok: true``.
    grants_ok: dict[str, int] = field(default_factory=dict)
    #: calls whose answer was lost (the server died or never answered).
    lost: int = 0
    #: answers that were neither a success nor an expected refusal, for the report.
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submission(self, answer: Reply | None) -> dict[str, Any] | None:
        """Record a submission's answer; the request if it was accepted and held."""
        if answer is None or answer.status_code >= 500:
            self._lose(answer)
            return None
        body: dict[str, Any] = answer.json()
        if answer.status_code != 200 or body["status"] != "pending":
            self._odd(f"submit: {answer.status_code} {answer.text[:300]}")
            return None
        with self.lock:
            self.submitted[body["id"]] = body["digest"]
        return body

    def ballot(
        self, request_id: str, voter: str, approve: bool, answer: Reply | None
    ) -> dict[str, Any] | None:
        """Record a ballot's answer; its body when counted (200), None when refused or lost."""
        if answer is None or answer.status_code >= 500:
            self._lose(answer)
            return None
        if answer.status_code == 409:
            return None
        if answer.status_code != 200:
            self._odd(f"vote: {answer.status_code} {answer.text[:300]}")
            return None
        body: dict[str, Any] = answer.json()
        with self.lock:
            if (request_id, voter) in self.votes:
                self.unexpected.append(f"vote: a second 200 for {voter} on {request_id}")
            self.votes[(request_id, voter)] = approve
        return body

    def grant_use(self, request_id: str, answer: Reply | None) -> bool | None:
        """Record a grant use's answer: True (ran), False (refused) or None (lost)."""
        if answer is None or answer.status_code >= 500:
            self._lose(answer)
            return None
        if answer.status_code != 200:
            self._odd(f"grant: {answer.status_code} {answer.text[:300]}")
            return None
        ok = bool(answer.json()["ok"])
        if ok:
            with self.lock:
                self.grants_ok[request_id] = self.grants_ok.get(request_id, 0) + 1
        return ok

    def _lose(self, answer: Reply | None) -> None:
        with self.lock:
            self.lost += 1
            if answer is not None and answer.status_code != 503:
                self.unexpected.append(f"{answer.status_code} {answer.text[:300]}")

    def _odd(self, what: str) -> None:
        with self.lock:
            self.unexpected.append(what)


def requester_token(tokens: dict[str, str]) -> str:
    """The token grant uses are made with: the requesting human's own."""
    return tokens[REQUESTER]

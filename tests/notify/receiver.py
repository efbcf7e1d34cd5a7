"""A webhook receiver on loopback: a real ``http.server`` in a thread.

It verifies the Standard Webhooks signature of every delivery it gets (with
``interlock.notify.verify``) and records each with whether it verified; the first
``fail_first`` deliveries are answered 500 to make the sender retry.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from interlock.errors import AuthenticationError
from interlock.notify import verify


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str
    fail_first: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.accepted()) >= count, timeout)
            return list(self.deliveries)

    def accepted(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.answered == 204]


@contextmanager
def receiver(secret: str, fail_first: int = 0) -> Iterator[Receiver]:
    state = Receiver(secret, fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                verify(state.secret, headers, body)
                verified = True
            except AuthenticationError:
                verified = False
            with state.arrived:
                status = 500 if len(state.deliveries) < state.fail_first else 204
                if not verified:
                    status = 401
                state.deliveries.append(Delivery(headers, body, verified, status))
                state.arrived.notify_all()
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

"""Live updates: who is waiting for a request to change, and telling them it did.

Routes publish a :class:`Change` *after* the transaction that made it has committed
(publishing earlier could wake a reader before the change is visible). Waiters — the
long poll, the server-sent event streams, the approver pages — ``await
bus.wait(after, timeout)`` for changes newer than the sequence number they hold.

Two implementations share the :class:`EventBus` interface:

* :class:`LocalBus`: in process; enough for one server process, and always correct
  because waiters also re-read the store every ``poll_seconds`` (a vote cast by the
  CLI or another process is seen within that).
* :class:`PostgresBus`: for several server processes on one PostgreSQL database;
  ``publish`` queues the change for ``NOTIFY interlock_requests`` (sent after commit,
  on a connection of its own) and a listener thread (``LISTEN``) hands every
  process's changes to its own :class:`LocalBus`. A sender thread sends whatever has
  queued as one notification, a line per change: under load a notification per
  change costs PostgreSQL a transaction each and wakes every process's listener for
  each, while the changes arrive in bursts (a group commit's batch).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from interlock.errors import StoreError

log = logging.getLogger(__name__)

#: How many recent changes a bus remembers for waiters that fall behind.
RECENT = 1024

CHANNEL = "interlock_requests"

#: The most payload one notification carries (PostgreSQL refuses 8000 bytes or more).
NOTIFY_PAYLOAD_BYTES = 7000


@dataclass(frozen=True, slots=True)
class Change:
    """Request ``request_id`` now has ``status``; ``seq`` orders changes in this process."""

    seq: int
    request_id: str
    status: str


class EventBus(Protocol):
    """What routes and pages need from live updates."""

    def publish(self, request_id: str, status: str) -> None:
        """Announce a committed change (from any thread)."""

    def cursor(self) -> int:
        """The sequence number of the newest change; wait for changes after it."""

    async def wait(self, after: int, timeout: float) -> list[Change]:
        """Changes newer than ``after``, waiting up to ``timeout`` seconds for one."""

    def close(self) -> None:
        """Stop any background work."""


class LocalBus:
    """An in-process bus: a bounded history plus asyncio events to wake waiters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = 0
        self._recent: deque[Change] = deque(maxlen=RECENT)
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def publish(self, request_id: str, status: str) -> None:
        """Record the change and wake every waiter, on its own event loop."""
        with self._lock:
            self._seq += 1
            self._recent.append(Change(self._seq, request_id, status))
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(event.set)

    def cursor(self) -> int:
        """The newest sequence number."""
        with self._lock:
            return self._seq

    def since(self, after: int) -> list[Change]:
        """Remembered changes newer than ``after``, oldest first."""
        with self._lock:
            return [c for c in self._recent if c.seq > after]

    async def wait(self, after: int, timeout: float) -> list[Change]:
        """Changes after ``after``; an empty list when ``timeout`` passed first."""
        found = self.since(after)
        if found or timeout <= 0:
            return found
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(entry)
        try:
            found = self.since(after)
            if not found:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(entry[1].wait(), timeout)
                found = self.since(after)
        finally:
            with self._lock:
                self._waiters.discard(entry)
        return found

    def close(self) -> None:
        """Nothing runs in the background."""


class PostgresBus:
    """A :class:`LocalBus` fed by PostgreSQL ``LISTEN``, published with ``NOTIFY``."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.local = LocalBus()
        self._url = _libpq_url(url)
        self._stop = threading.Event()
        try:
            self._send = psycopg.connect(self._url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect for NOTIFY: {exc}") from exc
        self._outbox: list[str] = []
        self._queued = threading.Condition()
        self._sender = threading.Thread(target=self._sending, name="interlock-notify", daemon=True)
        self._sender.start()
        self._listener = threading.Thread(target=self._listen, name="interlock-listen", daemon=True)
        self._ready = threading.Event()
        self._listener.start()
        self._ready.wait(5.0)

    def publish(self, request_id: str, status: str) -> None:
        """``NOTIFY`` every process (this one included, through its listener), soon.

        Queued for the sender thread, so a route answers without waiting for the
        notification; the caller has committed the change already.
        """
        with self._queued:
            self._outbox.append(f"{request_id} {status}")
            self._queued.notify()

    def _sending(self) -> None:
        """Send what has queued, one notification for all of it, until closed and drained."""
        while True:
            with self._queued:
                while not self._outbox and not self._stop.is_set():
                    self._queued.wait()
                lines, self._outbox = self._outbox, []
            if not lines:
                return
            for payload in payloads(lines):
                self._notify(payload)

    def _notify(self, payload: str) -> None:
        import psycopg

        try:
            self._send.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        except psycopg.Error as exc:
            log.warning("NOTIFY failed (%s); publishing locally only", exc)
            for request_id, status in changes(payload):
                self.local.publish(request_id, status)

    def cursor(self) -> int:
        """The local bus's newest sequence number."""
        return self.local.cursor()

    async def wait(self, after: int, timeout: float) -> list[Change]:
        """As :meth:`LocalBus.wait`."""
        return await self.local.wait(after, timeout)

    def close(self) -> None:
        """Send what is queued, stop listening and close both connections."""
        with self._queued:
            self._stop.set()
            self._queued.notify()
        self._sender.join(5.0)
        self._listener.join(3.0)
        self._send.close()

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            for request_id, status in changes(note.payload):
                                self.local.publish(request_id, status)
            except psycopg.Error as exc:
                log.warning("LISTEN connection lost (%s); reconnecting", exc)
                self._ready.set()
                self._stop.wait(1.0)


def payloads(lines: list[str]) -> list[str]:
    """``lines`` joined into as few notification payloads as their size allows."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        length = len(line.encode()) + 1
        if current and size + length > NOTIFY_PAYLOAD_BYTES:
            out.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += length
    if current:
        out.append("\n".join(current))
    return out


def changes(payload: str) -> list[tuple[str, str]]:
    """The (request id, status) pairs of one notification, a line each."""
    found = []
    for line in payload.splitlines():
        request_id, _, status = line.partition(" ")
        if request_id and status:
            found.append((request_id, status))
    return found


def _libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as libpq reads it."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def make_bus(dialect: str, url: str | None) -> EventBus:
    """The bus for a store: PostgreSQL's when there is a URL for it, else local."""
    if dialect == "postgresql" and url:
        return PostgresBus(url)
    return LocalBus()

"""Delivering events to webhooks in the background, with retries and backoff.

:class:`Notifier.emit` only queues: the decision that caused the event has already
committed and is never delayed by a receiver. One daemon thread delivers each event
to every webhook that wants its type, POSTing the JSON body with the Standard
Webhooks headers (``signing.sign``). A non-2xx answer or a network error is retried
after ``backoff * 2**attempt`` seconds (capped, with jitter), up to ``attempts``
times, with the same ``webhook-id`` so receivers can de-duplicate. Undelivered
events are counted and logged, then dropped; the queue is in memory (see the package
docstring).
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import random
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from interlock.config import WebhookConfig
from interlock.errors import ConfigError
from interlock.notify import messages
from interlock.notify.signing import secret_bytes, sign

log = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 6
DEFAULT_BACKOFF = 0.5
MAX_BACKOFF = 60.0
TIMEOUT_SECONDS = 10.0


@dataclass(order=True)
class _Delivery:
    due: float
    seq: int
    hook: WebhookConfig = field(compare=False)
    msg_id: str = field(compare=False)
    body: bytes = field(compare=False)
    attempt: int = field(default=0, compare=False)


@dataclass
class Stats:
    """What the notifier has done so far (for tests and ``/metrics``)."""

    delivered: int = 0
    retried: int = 0
    dropped: int = 0


class Notifier:
    """Queues events and delivers them to the configured webhooks from a thread."""

    def __init__(
        self,
        hooks: Sequence[WebhookConfig],
        *,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff: float = DEFAULT_BACKOFF,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        for hook in hooks:
            _check(hook)
        self.hooks = tuple(hooks)
        self.attempts = attempts
        self.backoff = backoff
        self.stats = Stats()
        self._timeout = timeout
        self._heap: list[_Delivery] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._busy = 0
        self._thread: threading.Thread | None = None

    def emit(self, event_type: str, data: Mapping[str, Any]) -> str | None:
        """Queue ``event_type`` for every webhook that wants it; return its id."""
        wanted = [h for h in self.hooks if not h.events or event_type in h.events]
        if not wanted or self._closed:
            return None
        msg_id = "msg_" + secrets.token_hex(12)
        body = json.dumps(messages.body(event_type, data), ensure_ascii=False).encode()
        with self._cond:
            for hook in wanted:
                heapq.heappush(
                    self._heap, _Delivery(time.monotonic(), next(self._seq), hook, msg_id, body)
                )
            self._start()
            self._cond.notify_all()
        return msg_id

    def flush(self, timeout: float) -> bool:
        """Wait until nothing is queued or in flight; whether that happened in time."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Stop after delivering what is due within ``timeout``; drop the rest."""
        self.flush(timeout)
        with self._cond:
            self._closed = True
            self.stats.dropped += len(self._heap)
            self._heap.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="interlock-webhooks", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout, follow_redirects=False) as client:
            while True:
                item = self._next()
                if item is None:
                    return
                ok = self._deliver(client, item)
                with self._cond:
                    self._busy -= 1
                    self._settle(item, ok)
                    self._cond.notify_all()

    def _next(self) -> _Delivery | None:
        with self._cond:
            while not self._closed:
                if self._heap and self._heap[0].due <= time.monotonic():
                    self._busy += 1
                    return heapq.heappop(self._heap)
                wait = self._heap[0].due - time.monotonic() if self._heap else None
                self._cond.wait(wait)
            return None

    def _deliver(self, client: httpx.Client, item: _Delivery) -> bool:
        headers = sign(item.hook.secret, item.msg_id, int(time.time()), item.body)
        headers["content-type"] = "application/json"
        try:
            answer = client.post(item.hook.url, content=item.body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("webhook %s: %s", item.hook.url, exc)
            return False
        if 200 <= answer.status_code < 300:
            return True
        log.warning("webhook %s answered %d", item.hook.url, answer.status_code)
        return False

    def _settle(self, item: _Delivery, ok: bool) -> None:
        if ok:
            self.stats.delivered += 1
            return
        item.attempt += 1
        if item.attempt >= self.attempts or self._closed:
            self.stats.dropped += 1
            log.error("webhook %s: giving up on %s", item.hook.url, item.msg_id)
            return
        self.stats.retried += 1
        delay = min(MAX_BACKOFF, self.backoff * 2 ** (item.attempt - 1))
        item.due = time.monotonic() + delay * (0.5 + random.random() / 2)  # noqa: S311
        heapq.heappush(self._heap, item)


def _check(hook: WebhookConfig) -> None:
    parts = urlsplit(hook.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"notify.webhooks: {hook.url!r} is not an http(s) URL")
    secret_bytes(hook.secret)
    unknown = [e for e in hook.events if e not in messages.EVENT_TYPES]
    if unknown:
        raise ConfigError(
            f"notify.webhooks: unknown event types {', '.join(unknown)}",
            hint="known: " + ", ".join(messages.EVENT_TYPES),
        )

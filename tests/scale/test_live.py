"""Live updates across processes: a waiter on one gateway hears of a vote cast on another.

Both gateways are forked by the zygote with ``poll_seconds=60``: the store re-read
that backs up the event bus would take a minute, so a waiter that wakes within
seconds was woken by PostgreSQL ``NOTIFY`` (``interlock.server.events.PostgresBus``).

The notification must follow the commit of the change it announces, never travel
inside the transition's transaction (issue 9). A test ``LISTEN``s on the channel
itself and, for every notification, asks ``pg_stat_activity`` what the sending
backend last ran: the bus's own autocommit connection shows ``pg_notify``, a
transition transaction would show its ``COMMIT``. At that moment the change is
already visible from any other connection: the status named, or a later one; for an
approval its grant and its ``request-approved`` audit entry.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from tests.scale.client import Api
from tests.scale.cluster import AGENT, World, free_port
from tests.scale.zygote import Child, Zygote, kill

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

#: The fallback re-read interval of the gateways under test (far beyond any wait here).
POLL_SECONDS = 60.0
#: How soon a waiter must hear of a change made on another process.
WAKE_WITHIN_S = 10.0

#: Statuses a request can be in after ``status``, itself included.
LATER = {
    "pending": {"pending", "approved", "denied", "expired", "cancelled", "executed", "failed"},
    "approved": {"approved", "executed", "failed", "expired"},
    "denied": {"denied"},
}


@contextmanager
def gateways(world: World, count: int) -> Iterator[list[Child]]:
    """``count`` healthy forked gateways with the slow fallback, killed afterwards."""
    zygote = Zygote(world)
    children: list[Child] = []
    try:
        children = [zygote.spawn(free_port(), poll_seconds=POLL_SECONDS) for _ in range(count)]
        for child in children:
            child.wait_healthy()
        yield children
    finally:
        for child in children:
            kill(child.pid)
        zygote.close()


def submit(api: Api, world: World, n: int) -> str:
    answer = api.submit(world.tokens[AGENT], n)
    assert answer is not None
    assert answer.status_code == 200, answer.text
    request_id: str = answer.json()["id"]
    return request_id


def approve(api: Api, world: World, request_id: str, voter: str) -> dict[str, Any]:
    answer = api.vote(world.tokens[voter], request_id, True)
    assert answer is not None
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_long_poll_on_a_wakes_for_votes_on_b(world: World) -> None:
    with gateways(world, 2) as (a, b):
        api_b = Api(b.url)
        request_id = submit(api_b, world, 1)
        result: dict[str, Any] = {}

        def wait_on_a() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=60)
            path = f"/api/v1/requests/{request_id}/wait?timeout=30&status=pending"
            conn.request("GET", path, headers={"Authorization": f"Bearer {world.tokens[AGENT]}"})
            answer = conn.getresponse()
            result.update(status=answer.status, body=json.loads(answer.read()))
            result["at"] = time.monotonic()
            conn.close()

        waiter = threading.Thread(target=wait_on_a)
        waiter.start()
        time.sleep(1.0)  # the waiter is parked on A's bus by now
        assert waiter.is_alive(), "the long poll returned before anything changed"
        assert approve(api_b, world, request_id, world.approvers[0])["status"] == "pending"
        decided = approve(api_b, world, request_id, world.approvers[1])
        voted_at = time.monotonic()
        assert decided["status"] == "approved"
        waiter.join(40)
        api_b.close()

    assert result["status"] == 200
    assert result["at"] - voted_at < WAKE_WITHIN_S
    body = result["body"]
    assert body["status"] == "approved"
    assert [x["voter"] for x in body["ballots"]] == world.approvers[:2]
    assert body["grant"] is not None


def test_event_stream_on_a_shows_each_vote_on_b(world: World) -> None:
    with gateways(world, 2) as (a, b):
        api_b = Api(b.url)
        request_id = submit(api_b, world, 2)
        conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=POLL_SECONDS / 2)
        headers = {"Authorization": f"Bearer {world.tokens[AGENT]}"}
        conn.request("GET", f"/api/v1/requests/{request_id}/events", headers=headers)
        stream = conn.getresponse()
        assert stream.status == 200
        first = next_event(stream)
        assert (first["status"], len(first["ballots"])) == ("pending", 0)
        seen = []
        for voter in world.approvers[:2]:
            approve(api_b, world, request_id, voter)
            began = time.monotonic()
            event = next_event(stream)
            seen.append((event["status"], len(event["ballots"]), time.monotonic() - began))
        conn.close()
        api_b.close()

    assert [(s, n) for s, n, _ in seen] == [("pending", 1), ("approved", 2)]
    assert all(took < WAKE_WITHIN_S for _, _, took in seen), seen


def next_event(stream: http.client.HTTPResponse) -> dict[str, Any]:
    """The data of the next ``event: status`` of a server-sent event stream."""
    data = None
    while True:
        line = stream.readline().decode()
        assert line, "the event stream ended"
        if line.startswith("data: "):
            data = json.loads(line[len("data: ") :])
        elif line == "\n" and data is not None:
            return data  # type: ignore[no-any-return]


def test_notify_follows_the_commit(world: World) -> None:
    listener = psycopg.connect(world.url, autocommit=True)
    listener.execute("LISTEN interlock_requests")
    checks: list[str] = []
    found: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        with psycopg.connect(world.url, autocommit=True) as probe:
            while not stop.is_set():
                for note in listener.notifies(timeout=0.2, stop_after=1):
                    for line in note.payload.splitlines():  # changes sent together
                        checks.append(line)
                        found.extend(judge(probe, note.pid, line))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with gateways(world, 2) as (a, b):
            apis = [Api(a.url), Api(b.url)]
            for n in range(10):
                request_id = submit(apis[n % 2], world, n)
                for i, voter in enumerate(world.approvers[n : n + 2]):
                    approve(apis[(n + i + 1) % 2], world, request_id, voter)
            for api in apis:
                api.close()
            time.sleep(1.0)  # the last notifications arrive
    finally:
        stop.set()
        watcher.join(10)
        listener.close()
    assert len(checks) >= 30, checks  # a submission and two ballots for each of 10 requests
    assert found == []


def judge(probe: psycopg.Connection[Any], pid: int, payload: str) -> list[str]:
    """What is wrong with one notification, judged the moment it arrives."""
    request_id, _, status = payload.partition(" ")
    wrong = []
    row = probe.execute(
        "SELECT state, query FROM pg_stat_activity WHERE pid = %s", (pid,)
    ).fetchone()
    if row is None or "pg_notify" not in row[1] or row[0] == "idle in transaction":
        wrong.append(f"{payload}: sent by a backend that last ran {row}")
    stored = probe.execute("SELECT status FROM requests WHERE id = %s", (request_id,)).fetchone()
    if stored is None or stored[0] not in LATER.get(status, {status}):
        wrong.append(f"{payload}: the database shows {stored} when told")
    if status == "approved":
        grant = probe.execute("SELECT 1 FROM grants WHERE request_id = %s", (request_id,))
        entry = probe.execute(
            "SELECT 1 FROM audit_entries WHERE entry LIKE %s AND entry LIKE %s",
            (b'%"kind":"request-approved"%', f'%"request":"{request_id}"%'.encode()),
        )
        if grant.fetchone() is None or entry.fetchone() is None:
            wrong.append(f"{payload}: grant or audit entry not visible when told")
    return wrong


def test_judge_flags_a_notify_sent_inside_a_transaction(world: World) -> None:
    """The check above can fail: a NOTIFY sent in a transition's transaction is seen."""
    listener = psycopg.connect(world.url, autocommit=True)
    listener.execute("LISTEN interlock_requests")
    sender = psycopg.connect(world.url)
    with sender.transaction():
        sender.execute("UPDATE audit_head SET size = size")
        sender.execute("SELECT pg_notify('interlock_requests', 'req-nothing approved')")
    notes = list(listener.notifies(timeout=5, stop_after=1))
    with psycopg.connect(world.url, autocommit=True) as probe:
        wrong = judge(probe, notes[0].pid, notes[0].payload)
    sender.close()
    listener.close()
    assert len(wrong) == 3, wrong
    assert "sent by a backend that last ran ('idle', 'COMMIT')" in wrong[0]

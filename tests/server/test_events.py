"""The event bus: changes reach waiters; on PostgreSQL through NOTIFY, sent in bursts."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest

from interlock.server.events import (
    CHANNEL,
    NOTIFY_PAYLOAD_BYTES,
    LocalBus,
    PostgresBus,
    changes,
    payloads,
)


def test_payloads_join_lines_and_split_before_the_limit() -> None:
    lines = [f"req-{i:010d} approved" for i in range(1000)]
    sent = payloads(lines)
    assert len(sent) > 1
    assert all(len(p.encode()) <= NOTIFY_PAYLOAD_BYTES for p in sent)
    wanted = [(f"req-{i:010d}", "approved") for i in range(1000)]
    assert [c for p in sent for c in changes(p)] == wanted


def test_changes_skip_lines_that_are_not_a_change() -> None:
    assert changes("req-1 pending\n\nnonsense\nreq-2 denied") == [
        ("req-1", "pending"),
        ("req-2", "denied"),
    ]


def test_local_bus_wakes_a_waiter() -> None:
    bus = LocalBus()

    async def scenario() -> list[str]:
        start = bus.cursor()
        waiting = asyncio.create_task(bus.wait(start, 5.0))
        await asyncio.sleep(0.01)
        bus.publish("req-1", "approved")
        return [c.request_id for c in await waiting]

    assert asyncio.run(scenario()) == ["req-1"]


@pytest.mark.postgres
def test_postgres_bus_delivers_every_change_in_order(postgres_database: str) -> None:
    """A burst of changes reaches another listener and the bus itself, none lost."""
    outside = psycopg.connect(postgres_database, autocommit=True)
    outside.execute(f"LISTEN {CHANNEL}")
    bus = PostgresBus(postgres_database)
    try:
        wanted = [(f"req-{i:04d}", "approved" if i % 2 else "pending") for i in range(300)]
        for request_id, status in wanted:
            bus.publish(request_id, status)
        heard: list[tuple[str, str]] = []
        deadline = time.monotonic() + 10
        while len(heard) < len(wanted) and time.monotonic() < deadline:
            for note in outside.notifies(timeout=0.5, stop_after=1):
                heard.extend(changes(note.payload))
        assert heard == wanted
        deadline = time.monotonic() + 10
        while len(bus.local.since(0)) < len(wanted) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [(c.request_id, c.status) for c in bus.local.since(0)] == wanted
    finally:
        bus.close()
        outside.close()


@pytest.mark.postgres
def test_postgres_bus_sends_what_is_queued_before_it_closes(postgres_database: str) -> None:
    outside = psycopg.connect(postgres_database, autocommit=True)
    outside.execute(f"LISTEN {CHANNEL}")
    bus = PostgresBus(postgres_database)
    for i in range(50):
        bus.publish(f"req-{i}", "denied")
    bus.close()
    heard: list[tuple[str, str]] = []
    for note in outside.notifies(timeout=2, stop_after=50):
        heard.extend(changes(note.payload))
        if len(heard) >= 50:
            break
    outside.close()
    assert heard == [(f"req-{i}", "denied") for i in range(50)]

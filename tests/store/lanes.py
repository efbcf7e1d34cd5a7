"""Holding a store's one write lane, so that what is queued meanwhile forms one batch."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from interlock.store import Store


@contextmanager
def one_lane_held(store: Store) -> Iterator[None]:
    """While the block runs, a thread leading its own batch holds the store's only
    write lane; work queued meanwhile (``submit_grouped``, other threads) waits and is
    written as one batch once the block ends."""
    store._group._lanes = 1
    release = threading.Event()
    blocker = threading.Thread(
        target=store.run_grouped, args=(lambda conn: release.wait(30) and "held",)
    )
    blocker.start()
    deadline = time.monotonic() + 30
    while not store._group._leading:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    try:
        yield
    finally:
        release.set()
        blocker.join(60)

"""Request and grant ids: random, distinct, and never shared with a forked child."""

from __future__ import annotations

import os

from interlock.approvals.requests import new_id


def test_ids_have_their_prefix_and_length_and_do_not_repeat() -> None:
    ids = {new_id("req-", 5) for _ in range(5000)}  # more than one 4 KiB buffer
    assert len(ids) == 5000
    assert all(i.startswith("req-") and len(i) == 4 + 10 for i in ids)
    assert all(int(i[4:], 16) >= 0 for i in ids)


def test_a_forked_child_draws_other_bytes_than_its_parent() -> None:
    new_id("req-", 5)  # the parent's buffer is filled before the fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next ids and leave at once
        try:
            os.write(write, " ".join(new_id("", 8) for _ in range(4)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split())
    os.waitpid(pid, 0)
    parent = {new_id("", 8) for _ in range(4)}
    assert len(child) == 4
    assert not child & parent

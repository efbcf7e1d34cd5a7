"""Audit log benchmarks: durable appends, full verification, inclusion proofs.

Every rate is printed beside the raw ``hashlib`` SHA-256 rate over the same bytes, so
the figure can be judged against what this machine's hashing allows:

* durable appends/s with group commit (1,000 entries a transaction) on SQLite (WAL,
  ``synchronous=FULL``: each commit is fsynced) and on PostgreSQL (a scratch database
  on the test server, dropped afterwards; skipped when none is reachable);
* full verification of a log of ``VERIFY_SIZE`` entries from SQLite: end to end
  (batched fetch + leaf hashes + tree + checks) and the compute part alone;
* inclusion-proof verification (RFC 9162 §2.1.3.2) of random proofs in that tree.
"""

from __future__ import annotations

import hashlib
import os
import random
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from interlock.audit import log
from interlock.audit.log import Event, append, append_many
from interlock.audit.merkle import MerkleTree, verify_inclusion
from interlock.audit.offline_verify import LogVerifier
from interlock.audit.verify import verify_log
from interlock.store import Store, open_store

APPEND_BATCH = 1000
APPEND_SECONDS = 4.0
VERIFY_SIZE = 200_000
PROOFS = 20_000
POSTGRES_URL = os.environ.get("INTERLOCK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


def run() -> list[str]:
    """Run every audit benchmark; return the printable lines."""
    os.environ["INTERLOCK_AUDIT_KEY"] = "/nonexistent/interlock-bench.key"  # no signing
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        with open_store(url) as store:
            lines += _appends("SQLite", store)
        lines += _postgres_appends()
        with open_store(f"sqlite:///{Path(tmp) / 'verify.db'}") as store:
            _fill(store, VERIFY_SIZE)
            lines += _verification(store)
            lines += _inclusion(store)
    return lines


def _events(n: int) -> list[Event]:
    return [
        Event("vote-cast", "bob", {"request": f"r-{i}", "channel": "web", "identity": "bob@x"})
        for i in range(n)
    ]


def _appends(name: str, store: Store) -> list[str]:
    batch = _events(APPEND_BATCH)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < APPEND_SECONDS:
        with store.transaction() as conn:
            append_many(conn, batch, checkpointer="off")
        done += APPEND_BATCH
    group = done / (time.perf_counter() - started)
    single, started = 0, time.perf_counter()
    while time.perf_counter() - started < 1.0:
        with store.transaction() as conn:
            append(conn, "vote-cast", "bob", {"n": single}, checkpointer="off")
        single += 1
    one = single / (time.perf_counter() - started)
    return [
        f"{name} durable appends, group commit of {APPEND_BATCH}: {group:,.0f}/s "
        f"(goal >= 20,000/s on SQLite)",
        f"{name} durable appends, one per transaction: {one:,.0f}/s",
    ]


def _postgres_appends() -> list[str]:
    try:
        with _scratch_postgres() as url, open_store(url) as store:
            return _appends("PostgreSQL", store)
    except Exception as exc:  # a missing server is reported, not fatal
        return [f"PostgreSQL appends: skipped ({type(exc).__name__}: {str(exc)[:80]})"]


@contextmanager
def _scratch_postgres() -> Iterator[str]:
    import psycopg

    base = POSTGRES_URL.rstrip("/")
    admin_url = base if base.count("/") > 2 else f"{base}/postgres"
    name = f"interlock_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fill(store: Store, size: int) -> None:
    batch = _events(10_000)
    for _ in range(size // len(batch)):
        with store.transaction() as conn:
            append_many(conn, batch, checkpointer="off")


def _rate(n: int, fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return n / (time.perf_counter() - started)


def _verification(store: Store) -> list[str]:
    with store.transaction() as conn:
        batches = list(log.iter_rows(conn, batch=1 << 16))
        size = sum(len(b[0]) for b in batches)
        end_to_end = _rate(size, lambda: verify_log(conn, []))
    entries = [e for b in batches for e in b[1]]
    sha = hashlib.sha256

    def compute() -> None:
        verifier = LogVerifier([])
        for indices, chunk, stored in batches:
            verifier.feed(indices, chunk, stored)
        verifier.finish()

    compute_only = _rate(size, compute)
    raw = _rate(len(entries), lambda: [sha(e).digest() for e in entries])
    mean = sum(map(len, entries)) / len(entries)
    return [
        f"full verification, {size:,} entries of ~{mean:.0f} B from SQLite: "
        f"{end_to_end:,.0f} entries/s end to end, {compute_only:,.0f}/s compute only "
        f"(goal >= 500,000/s)",
        f"  raw hashlib SHA-256 of the same entry bytes: {raw:,.0f}/s "
        f"(a verifier hashes each entry once and ~1 interior node per entry)",
    ]


def _inclusion(store: Store) -> list[str]:
    with store.transaction() as conn:
        size = log.head(conn).size
        leaves = log.leaf_hashes(conn, size)
    tree = MerkleTree(leaves)
    root = tree.root()
    rng = random.Random(6962)
    cases = [(i, tree.inclusion_proof(i)) for i in (rng.randrange(size) for _ in range(PROOFS))]

    def verify_all() -> None:
        for index, proof in cases:
            if not verify_inclusion(index, size, leaves[index], proof, root):
                raise AssertionError(f"proof of {index} failed")

    rate = _rate(len(cases), verify_all)
    inputs = [b"\x01" + leaves[i] + p for i, proof in cases for p in proof]
    sha = hashlib.sha256
    raw = _rate(len(cases), lambda: [sha(b).digest() for b in inputs])
    depth = len(inputs) / len(cases)
    return [
        f"inclusion-proof verification, tree of {size:,}: {rate:,.0f} proofs/s (goal >= 100,000/s)",
        f"  raw hashlib SHA-256 of the same {depth:.1f} x 65 B per proof: {raw:,.0f} proofs/s",
    ]

"""Audit log benchmarks: durable appends, full verification, inclusion proofs.

Every verification rate is printed beside the raw ``hashlib`` SHA-256 rate of the same
hashing work, so the figure can be judged against what this machine allows:

* durable appends/s with group commit (1,000 entries a transaction) on SQLite (WAL,
  ``synchronous=FULL``: each commit is fsynced) and on PostgreSQL (a scratch database
  on the test server, dropped afterwards; skipped when none is reachable);
* full verification of a log of ``VERIFY_SIZE`` entries from SQLite, end to end
  (``verify_log``, what ``interlock audit verify`` runs: worker processes on every
  core, see ``interlock.audit.shards``), the same with one process, its two parts
  (reading the rows; checks, hashing and tree), then the raw hashing of the same entries
  and tree nodes on one core and split over ``WORKERS`` processes;
* offline verification of that log's export file (``verify_export``, what
  ``interlock audit verify --from-export`` and the standalone ``offline_verify.py``
  run), on every core and on one;
* inclusion-proof verification (RFC 9162 §2.1.3.2) of random proofs in that tree, one
  at a time and as one batch over every core, beside the raw rate of the same hash
  calls with their inputs prebuilt.

Rates are the best of ``REPEAT`` runs, by the wall clock and by CPU time (this process
and its worker processes): on a shared machine the CPU-time rate is what the code
costs, the wall rate what load left of it.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import random
import resource
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.databases import throwaway_postgres
from interlock.audit import log, merkle, shards, verify
from interlock.audit import offline_verify as offline
from interlock.audit.export import export_log
from interlock.audit.log import Event, append, append_many
from interlock.audit.merkle import MerkleTree, verify_inclusion, verify_inclusions
from interlock.audit.offline_verify import LogVerifier
from interlock.audit.verify import verify_log
from interlock.store import Store, open_store

APPEND_BATCH = 1000
APPEND_SECONDS = 4.0
VERIFY_SIZE = 200_000
PROOFS = 20_000
#: Timed runs per figure; the best is kept (the machine is shared).
REPEAT = 3
#: Processes for the parallel raw-hashing ceiling.
WORKERS = 2


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
            lines += _offline(store, Path(tmp) / "export.jsonl")
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
        with throwaway_postgres() as url, open_store(url) as store:
            return _appends("PostgreSQL", store)
    except Exception as exc:  # a missing server is reported, not fatal
        return [f"PostgreSQL appends: skipped ({type(exc).__name__}: {str(exc)[:80]})"]


def _fill(store: Store, size: int) -> None:
    batch = _events(10_000)
    for _ in range(size // len(batch)):
        with store.transaction() as conn:
            append_many(conn, batch, checkpointer="off")


def _rate(n: int, fn: Callable[[], object], repeat: int = REPEAT) -> Rate:
    """``n`` / the best time of ``repeat`` runs, by the wall clock and by CPU time.

    CPU time counts this process and its (finished) worker processes: verification
    forks workers, and their time is part of what it costs.
    """
    wall = cpu = float("inf")
    for _ in range(repeat):
        w, c = time.perf_counter(), _cpu_seconds()
        fn()
        wall = min(wall, time.perf_counter() - w)
        cpu = min(cpu, _cpu_seconds() - c)
    return Rate(n / wall, n / max(cpu, 1e-9))


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def _workers(count: int) -> Iterator[None]:
    """Verify with ``count`` worker processes (1: sequentially) inside the block."""
    saved = shards.WORKERS, offline.WORKERS
    shards.WORKERS = offline.WORKERS = count
    try:
        yield
    finally:
        shards.WORKERS, offline.WORKERS = saved


@dataclass(frozen=True)
class Rate:
    """A rate by the wall clock, and by this process's CPU time (what load cannot take)."""

    wall: float
    cpu: float

    def text(self, unit: str = "") -> str:
        """``"W unit/s (CPU-time rate C/s)"``."""
        return f"{self.wall:,.0f}{unit}/s (CPU-time rate {self.cpu:,.0f}/s)"

    def __str__(self) -> str:
        return self.text()


def _verification(store: Store) -> list[str]:
    with store.read_transaction() as conn:
        # End to end first, from a process holding no copy of the log (as the CLI):
        # forked workers then share little memory with the parent.
        size = log.head(conn).size
        end_to_end = _rate(size, lambda: verify_log(conn, []))
        with _workers(1):
            one = _rate(size, lambda: verify_log(conn, []))
        batches = list(verify.read_log(conn))
        gc.disable()
        try:
            read = _rate(size, lambda: sum(1 for _ in verify.read_log(conn)))
        finally:
            gc.enable()
    entries = [e for b in batches for e in b[1]]

    def compute() -> None:
        verifier = LogVerifier([])
        for indices, chunk, stored in batches:
            verifier.feed(indices, chunk, stored)
        verifier.finish()

    gc.disable()  # as verify_log does during its scan, so that the parts add up
    try:
        compute_only = _rate(size, compute)
        raw = _rate(size, lambda: _raw_tree(entries, 0, len(entries)))
    finally:
        gc.enable()
    mean = sum(map(len, entries)) / len(entries)
    workers = offline.worker_count(shards.WORKERS)
    return [
        f"full verification (audit verify), {size:,} entries of ~{mean:.0f} B from SQLite, "
        f"end to end on {workers} worker processes: {end_to_end} (goal >= 500,000/s)",
        f"  the same in one process (sequential): {one}",
        f"  one process's parts: reading the rows {read}; checks + hashing + tree "
        f"(LogVerifier) {compute_only}",
        f"  raw hashlib SHA-256 of the same work (each entry once, one 65 B node per entry), "
        f"no reading, no checks: {raw} on one core; end to end is "
        f"{end_to_end.cpu / raw.cpu:.0%} of it by CPU time",
        f"  the same raw work split over {WORKERS} processes: {_parallel_raw(entries)}",
    ]


def _offline(store: Store, path: Path) -> list[str]:
    """The export of the verification log, verified as the offline verifier does."""
    with store.read_transaction() as conn, path.open("w", encoding="utf-8") as out:
        size = export_log(conn, out, [])

    def check() -> None:
        with path.open("rb") as f:
            offline.verify_export(f)

    end_to_end = _rate(size, check)
    with _workers(1):
        one = _rate(size, check)
    workers = offline.worker_count(offline.WORKERS)
    megabytes = path.stat().st_size / 1e6
    return [
        f"offline verification (verify --from-export, offline_verify.py), {size:,} entries "
        f"in {megabytes:.0f} MB of JSON lines, end to end on {workers} worker processes: "
        f"{end_to_end}",
        f"  the same in one process (sequential): {one}",
    ]


def _raw_tree(entries: Sequence[bytes], start: int, end: int) -> bytes:
    """Leaf hashes and tree of ``entries[start:end]`` in the tightest CPython form."""
    sha = hashlib.sha256
    level = [sha(b"\x00" + e).digest() for e in entries[start:end]]
    while len(level) > 1:
        pairs = iter(level)
        upper = [sha(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
        level = [*upper, level[-1]] if len(level) % 2 else upper
    return level[0]


def _parallel_raw(entries: Sequence[bytes]) -> str:
    """Wall rate of the raw work on ``WORKERS`` forked processes (contiguous halves)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return "skipped (no fork on this platform)"
    global _SHARED  # noqa: PLW0603 - inherited by the forked workers, never pickled
    _SHARED = entries
    ctx = multiprocessing.get_context("fork")
    step = -(-len(entries) // WORKERS)
    best = float("inf")
    for _ in range(REPEAT):
        started = time.perf_counter()
        with ctx.Pool(WORKERS) as pool:
            pool.starmap(
                _raw_part, [(i, min(i + step, len(entries))) for i in range(0, len(entries), step)]
            )
        best = min(best, time.perf_counter() - started)
    _SHARED = []
    return f"{len(entries) / best:,.0f}/s wall (os.cpu_count() = {os.cpu_count()})"


_SHARED: Sequence[bytes] = []


def _raw_part(start: int, end: int) -> bytes:
    return _raw_tree(_SHARED, start, end)


def _inclusion(store: Store) -> list[str]:
    with store.read_transaction() as conn:
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
    checks = [(index, size, leaves[index], proof, root) for index, proof in cases]

    def verify_batch() -> None:
        if not all(verify_inclusions(checks)):
            raise AssertionError("a proof in the batch failed")

    batch = _rate(len(cases), verify_batch)
    workers = offline.worker_count(merkle.WORKERS) if len(checks) >= merkle.PARALLEL_MIN else 1
    inputs = [b"\x01" + leaves[i] + p for i, proof in cases for p in proof]
    sha = hashlib.sha256
    with merkle.gc_paused():  # as the batch does, so the ceiling is the hashing alone
        raw = _rate(len(cases), lambda: [sha(b).digest() for b in inputs])
    depth = len(inputs) / len(cases)
    return [
        f"inclusion-proof verification, tree of {size:,}, one proof at a time "
        f"(verify_inclusion, one core): {rate.text(' proofs')} (goal >= 100,000/s)",
        f"  the same {len(cases):,} proofs as one batch (verify_inclusions, "
        f"{f'{workers} worker processes' if workers > 1 else 'in this process'}): "
        f"{batch.text(' proofs')}",
        f"  raw hashlib SHA-256 of the same {depth:.1f} x 65 B per proof, inputs prebuilt: "
        f"{raw.text(' proofs')} (the one-core ceiling; verification reaches "
        f"{rate.cpu / raw.cpu:.0%} of it by CPU time)",
    ]

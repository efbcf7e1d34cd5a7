"""Load on loopback: 1, then 3 ``interlock serve`` processes on one throwaway PostgreSQL.

For each server count a fresh database and world (``tests/scale/cluster.py``: 50
approvers, an agent, production needing two of them) get three timed phases, driven
by ``CLIENT_PROCESSES`` forked client processes of ``CLIENT_THREADS`` threads, each
thread one keep-alive connection per server (``benchmarks/wire.py``: lean, so the
clients do not starve the servers on two cores), calls spread over the servers round
robin:

* **submit**: the agent submits production-destructive commands, each held for two
  approvals (classify, decide, record, audit);
* **vote**: two distinct approvers approve every submitted request; each accepted
  ballot is one *approval transition* (lock the request, check the voter, store the
  ballot, recount, audit; every second one approves and issues the grant);
* **grant**: every client process uses every approved request's grant at once, so
  each grant is raced ``CLIENT_PROCESSES`` ways; more than one ``ok`` for a request is
  a *double execution* and fails the run.

The three servers run with one write lane each (``INTERLOCK_WRITE_LANES=1``), as
docs/operations.md recommends for several processes on one database; one server keeps
the default.

Printed: calls/s, p50 and p99 latency per phase and server count, the 3:1 ratio, the
goal (>= 500 approval transitions/s) and the double executions (must be 0). The
database is then checked (``tests/scale/invariants.py``) and any violation fails the
run. Each phase lasts at most ``INTERLOCK_LOAD_SECONDS`` (default 5), which keeps
``make bench`` bounded; set it higher for a soak (``INTERLOCK_BENCH_ONLY=load
INTERLOCK_LOAD_SECONDS=600 make bench``).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.scale.client import hold_body
from tests.scale.cluster import AGENT, REQUESTER, World, cluster, make_world
from tests.scale.invariants import problems

from benchmarks import machine
from benchmarks.databases import DatabaseUnavailableError, throwaway_postgres
from benchmarks.machine import CpuUse
from benchmarks.wire import Connection
from interlock.store.database import LANES_VARIABLE

SECONDS = float(os.environ.get("INTERLOCK_LOAD_SECONDS") or 5)
WARMUP_S = 1.0
CLIENT_PROCESSES = 2
#: 50 callers at once, one per approver of the world. With 12, one server's batches
#: stayed small and a third of the two cores idle (throughput was bounded by the
#: callers' own round trips, Little's law), which measured the client, not the gateway;
#: with 32, three servers' ballots still waited on the callers (a tenth of the cores
#: idle, smaller batches costing more CPU each: 3.8-4.9 ms of the machine per ballot
#: against 3.4-3.8 ms with 50).
CLIENT_THREADS = 25
SERVER_COUNTS = (1, 3)
#: Write lanes per process when several share the database, as docs/operations.md
#: recommends: their batches already contend for the log's head.
MULTI_PROCESS_LANES = "1"
GOAL_TRANSITIONS = 500.0

#: One call: phase, request id or number, principal, digest, server index.
Item = tuple[str, str, str, str, int]


@dataclass
class Phase:
    """What one client process measured in one phase."""

    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    ids: list[tuple[str, str]] = field(default_factory=list)  # submit: (id, digest)
    grants_ok: Counter[str] = field(default_factory=Counter)
    cpu: CpuUse | None = None  # the whole machine's, over the phase (``_run``)

    def merge(self, other: Phase) -> None:
        self.latencies += other.latencies
        self.ok += other.ok
        self.refused += other.refused
        self.errors += other.errors
        self.started = min(self.started or other.started, other.started)
        self.finished = max(self.finished, other.finished)
        self.ids += other.ids
        self.grants_ok.update(other.grants_ok)


@dataclass(frozen=True)
class Job:
    """A client process's share of a phase."""

    urls: tuple[str, ...]
    tokens: dict[str, str]
    items: tuple[Item, ...]
    seconds: float
    endless_submit: bool = False
    offset: int = 0


def run() -> list[str]:
    """Both server counts; the summary lines; raises on a double execution or violation."""
    figures: dict[int, dict[str, float]] = {}
    lines: list[str] = []
    for count in SERVER_COUNTS:
        try:
            with (
                throwaway_postgres() as url,
                tempfile.TemporaryDirectory() as tmp,
                _lanes(MULTI_PROCESS_LANES if count > 1 else None),
            ):
                world = make_world(url, Path(tmp) / "world")
                with cluster(world, count) as running:
                    found = _measure(world, tuple(running.urls))
                wrong = problems(world.url)
        except DatabaseUnavailableError as exc:
            return [f"postgresql: skipped ({exc})"]
        figures[count] = found.rates
        lines += found.lines
        if wrong:
            raise RuntimeError(f"{count} server(s): database invariants violated: {wrong[:5]}")
    lines += _summary(figures)
    return lines


@dataclass
class Measured:
    lines: list[str]
    rates: dict[str, float]


@contextmanager
def _lanes(lanes: str | None) -> Iterator[None]:
    """``INTERLOCK_WRITE_LANES`` for the servers started inside (``None``: the default)."""
    saved = os.environ.get(LANES_VARIABLE)
    if lanes is not None:
        os.environ[LANES_VARIABLE] = lanes
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(LANES_VARIABLE, None)
        else:
            os.environ[LANES_VARIABLE] = saved


def _measure(world: World, urls: tuple[str, ...]) -> Measured:
    label = f"{len(urls)} server(s)"
    # connections, pools, caches; not counted
    warm = _submit(world, urls, WARMUP_S, offset=10**6)
    _warm_voters(world, urls, warm.ids)
    submitted = _submit(world, urls, SECONDS, offset=0)
    requests = submitted.ids
    voted = _vote(world, urls, requests)
    approved = _approved(voted)
    granted = _grant(world, urls, [(rid, d) for rid, d in requests if rid in approved])
    doubles = sum(1 for n in granted.grants_ok.values() if n > 1)
    if doubles:
        raise RuntimeError(f"{label}: {doubles} grants were used more than once")
    rates = {
        "submit": _rate(submitted),
        "vote": _rate(voted),
        "grant": _rate(granted),
        "quorum": len(approved) / max(voted.finished - voted.started, 1e-9),
    }
    lines = [
        f"{label}: submit  {_figures(submitted)}",
        f"{label}: vote    {_figures(voted)}  ({rates['quorum']:.0f} quorums/s)",
        f"{label}: grant   {_figures(granted)}  double executions: {doubles}",
    ]
    errors = submitted.errors + voted.errors + granted.errors
    if errors:
        raise RuntimeError(f"{label}: {len(errors)} failed calls, first: {errors[0]}")
    return Measured(lines, rates)


def _summary(figures: dict[int, dict[str, float]]) -> list[str]:
    one, three = figures[1], figures[3]
    ratio = ", ".join(f"{k} {three[k] / one[k]:.2f}" for k in ("submit", "vote", "grant"))
    best = max(one["vote"], three["vote"])
    verdict = "met" if best >= GOAL_TRANSITIONS else "NOT met"
    return [
        f"3:1 throughput ratio: {ratio} (2 cores shared by servers, clients and PostgreSQL;"
        f" {LANES_VARIABLE}={MULTI_PROCESS_LANES} per process with 3)",
        f"goal >= {GOAL_TRANSITIONS:.0f} approval transitions/s: {verdict} (best {best:.0f}/s)",
        "double executions: 0 (must be 0)",
    ]


def _rate(phase: Phase) -> float:
    return phase.ok / max(phase.finished - phase.started, 1e-9)


def _figures(phase: Phase) -> str:
    if not phase.latencies:
        return "no calls"
    ordered = sorted(phase.latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    cpu = f"\n      {phase.cpu.describe(phase.ok + phase.refused)}" if phase.cpu else ""
    return (
        f"{_rate(phase):7.0f}/s  p50 {statistics.median(ordered) * 1000:6.1f} ms"
        f"  p99 {p99 * 1000:6.1f} ms  ({phase.ok} ok, {phase.refused} refused){cpu}"
    )


def _submit(world: World, urls: tuple[str, ...], seconds: float, offset: int) -> Phase:
    jobs = [
        Job(urls, world.tokens, (), seconds, endless_submit=True, offset=offset + p * 10**5)
        for p in range(CLIENT_PROCESSES)
    ]
    return _run(jobs)


def _vote(world: World, urls: tuple[str, ...], requests: list[tuple[str, str]]) -> Phase:
    """Two distinct approvers per request, through two servers; the second ballot on a
    request goes out a few requests after the first, as approvers arrive one by one."""
    approvers, n, lag = world.approvers, len(requests), CLIENT_PROCESSES * CLIENT_THREADS
    ordered: list[Item] = []
    for i in range(n + lag):
        if i < n:
            ordered.append(("vote", requests[i][0], approvers[i % 50], "", i % len(urls)))
        if 0 <= i - lag < n:
            j = i - lag
            server = (j + 1) % len(urls)
            ordered.append(("vote", requests[j][0], approvers[(j + 1) % 50], "", server))
    return _run(_split(world, urls, ordered))


def _warm_voters(world: World, urls: tuple[str, ...], warm: list[tuple[str, str]]) -> None:
    """Every approver votes once through every server on the warm-up's requests, not
    counted: a gateway that has run a while has seen its approvers' tokens (each
    process remembers a configured approver's for five minutes), so the measured
    ballots are those of a running gateway, not 150 first logins in a 5 s window.
    Ballots on a request already decided are refused, which is as good for this."""
    if not warm:
        return
    count = len(world.approvers)
    items: list[Item] = [
        ("vote", warm[i % len(warm)][0], world.approvers[i % count], "", i // count)
        for i in range(count * len(urls))
    ]
    _run(_split(world, urls, items))


def _approved(voted: Phase) -> set[str]:
    return {rid for rid, status in voted.ids if status == "approved"}


def _grant(world: World, urls: tuple[str, ...], approved: list[tuple[str, str]]) -> Phase:
    """Every client process uses every grant, each through another server."""
    jobs = []
    for p in range(CLIENT_PROCESSES):
        items = tuple(
            ("grant", rid, REQUESTER, digest, (i + p) % len(urls))
            for i, (rid, digest) in enumerate(approved)
        )
        jobs.append(Job(urls, world.tokens, items, SECONDS))
    return _run(jobs)


def _split(world: World, urls: tuple[str, ...], items: list[Item]) -> list[Job]:
    return [
        Job(urls, world.tokens, tuple(items[p::CLIENT_PROCESSES]), SECONDS)
        for p in range(CLIENT_PROCESSES)
    ]


def _run(jobs: list[Job]) -> Phase:
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(len(jobs)) as pool:
        before = machine.sample()
        results = pool.map(_client, jobs)
        after = machine.sample()
    total = Phase()
    for result in results:
        total.merge(result)
    total.cpu = machine.used(before, after)
    return total


def _client(job: Job) -> Phase:
    """One client process: threads drain the job's items (or submit until time is up)."""
    result = Phase()
    items: deque[Item] = deque(job.items)
    lock = threading.Lock()
    counter = iter(range(job.offset, job.offset + 10**5))
    deadline = time.monotonic() + job.seconds

    def take() -> Item | None:
        with lock:
            if time.monotonic() >= deadline:
                return None
            if job.endless_submit:
                n = next(counter)
                return ("submit", str(n), AGENT, "", n % len(job.urls))
            return items.popleft() if items else None

    def thread() -> None:
        conns = [_connect(url) for url in job.urls]
        while (item := take()) is not None:
            began = time.monotonic()
            status, body = _call(conns[item[4]], item, job.tokens)
            took = time.monotonic() - began
            with lock:
                _record(result, item, status, body, took)
        for conn in conns:
            conn.close()

    result.started = time.monotonic()
    threads = [threading.Thread(target=thread) for _ in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.finished = time.monotonic()
    return result


def _connect(url: str) -> Connection:
    parts = urlsplit(url)
    return Connection(parts.hostname or "", parts.port or 80)


#: Request headers by token, made once per client process.
_HEADERS: dict[str, bytes] = {}
_VOTE = json.dumps({"vote": "approve"}).encode()


def _call(conn: Connection, item: Item, tokens: dict[str, str]) -> tuple[int, dict[str, object]]:
    kind, key, who, digest, _ = item
    if kind == "submit":
        path, body = "/api/v1/requests", json.dumps(hold_body(int(key))).encode()
    elif kind == "vote":
        path, body = f"/api/v1/requests/{key}/votes", _VOTE
    else:
        path, body = f"/api/v1/requests/{key}/grant", json.dumps({"digest": digest}).encode()
    headers = _HEADERS.get(who)
    if headers is None:
        headers = _HEADERS[who] = (
            f"Authorization: Bearer {tokens[who]}\r\nContent-Type: application/json\r\n".encode()
        )
    try:
        status, answer = conn.post(path, headers, body)
        return status, json.loads(answer or b"{}")
    except (OSError, ValueError) as exc:
        return 0, {"error": repr(exc)}


def _record(result: Phase, item: Item, status: int, body: dict[str, object], took: float) -> None:
    kind, key = item[0], item[1]
    if status != 200:
        if status == 409 and kind == "vote":
            result.refused += 1
        else:
            result.errors.append(f"{kind} {key}: {status} {str(body)[:200]}")
        return
    result.latencies.append(took)
    if kind == "submit":
        result.ok += 1
        result.ids.append((str(body["id"]), str(body["digest"])))
    elif kind == "vote":
        result.ok += 1
        result.ids.append((key, str(body["status"])))
    elif body.get("ok") is True:
        result.ok += 1
        result.grants_ok[key] += 1
    else:
        result.refused += 1


if __name__ == "__main__":
    for text in run():
        print(text)

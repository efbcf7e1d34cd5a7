"""Approval transitions per second on SQLite and on PostgreSQL.

Each request is pre-classified (a production database delete, held for two humans by
the floor), so the figures are the approvals path alone: authenticate the token,
lock the request, check the voter, store the ballot, recount, and audit, each in one
committed transaction. A *transition* here is one committed ``approve`` or
``grant use``; a *lifecycle* is record + two approvals + grant use. The run is
bounded by ``REQUESTS`` per dialect and by ``BUDGET_S`` of wall time.

PostgreSQL is the server at ``INTERLOCK_BENCH_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432``); a throwaway database is created and
dropped. Without a server that line says so and the SQLite figures still print.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from benchmarks.databases import DatabaseUnavailableError, throwaway_postgres
from interlock.approvals.service import ApprovalService
from interlock.config import default_config
from interlock.identity.service import TokenService, wanted_agent, wanted_human
from interlock.models import (
    Action,
    ActionKind,
    Assessment,
    Category,
    Finding,
    Risk,
    Scope,
    Target,
)
from interlock.policy.floor import floor_decision
from interlock.store import open_store

#: Requests per dialect (each: one record, two approvals, one grant use).
REQUESTS = 150
#: Stop early once a dialect has run this long (seconds).
BUDGET_S = 20.0


def run() -> list[str]:
    """Figures for SQLite, then PostgreSQL (or why it was skipped)."""
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        lines.append(_measure("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}"))
    try:
        with throwaway_postgres() as url:
            lines.append(_measure("postgresql", url))
    except DatabaseUnavailableError as exc:
        lines.append(f"postgresql: skipped ({exc})")
    return lines


def _measure(name: str, url: str) -> str:
    store = open_store(url)
    try:
        config = default_config()
        tokens = TokenService(store, config)
        kiro = _token(tokens, "alice", agent="kiro")
        bob, carol = _token(tokens, "bob"), _token(tokens, "carol")
        service = ApprovalService(store, config)
        timings: list[float] = []
        started = time.perf_counter()
        done = 0
        for i in range(REQUESTS):
            action, assessment = _held(f"aws rds delete-db-instance --db-instance-identifier db{i}")
            record = service.record_decided(
                kiro, action, assessment, floor_decision(assessment, config)
            ).record
            timings.append(_timed(partial(service.approve, record.id, bob)))
            timings.append(_timed(partial(service.approve, record.id, carol)))
            timings.append(_timed(partial(service.use_grant, record.id, kiro, record.digest)))
            done += 1
            if time.perf_counter() - started > BUDGET_S:
                break
        elapsed = time.perf_counter() - started
    finally:
        store.close()
    return _line(name, timings, done, elapsed)


def _line(name: str, timings: list[float], lifecycles: int, elapsed: float) -> str:
    median = statistics.median(timings) * 1000
    p99 = sorted(timings)[int(len(timings) * 0.99) - 1] * 1000
    rate = len(timings) / sum(timings)
    return (
        f"{name}: {rate:,.0f} transitions/s (approve, grant use; median {median:.2f} ms, "
        f"p99 {p99:.2f} ms); {lifecycles / elapsed:,.0f} full lifecycles/s "
        f"(record + 2 approvals + grant use, {lifecycles} run)"
    )


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _token(service: TokenService, human: str, agent: str | None = None) -> str:
    service.issue(wanted_human(human), expires_in=None)
    if agent is None:
        return service.issue(wanted_human(human), expires_in=None).token
    return service.issue(wanted_agent(agent, human), expires_in=None).token


def _held(command: str) -> tuple[Action, Assessment]:
    action = Action(ActionKind.SHELL, command, Target(environment="production"))
    finding = Finding(
        "aws-rds-delete-db-instance",
        Category.DELETE,
        Scope.REMOTE,
        command.rsplit(" ", 1)[-1],
        command,
        "deletes a database instance",
        Risk.CRITICAL,
        "production",
        stateful=True,
    )
    return action, Assessment(action, (finding,), ("production",), risk=Risk.CRITICAL)


if __name__ == "__main__":
    for text in run():
        print(text)

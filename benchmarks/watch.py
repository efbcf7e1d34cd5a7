"""What the session watch adds to a decision, with 10,000 entries in the session's history.

Issue 8's target: the watch adds at most 20 % to per-decision latency at 10,000
history entries. A *decision* here is the gate's whole path for one agent action,
``ApprovalService.submit``: authenticate, classify, decide, record the request with
its audit entry (and grant when allowed). It is measured twice over the same store
and the same commands: with the watch (``interlock.watch.observe`` in the recording
transaction) and with ``observe`` swapped for a pass-through. Each command runs both
ways back to back, in alternating order, so that load on a shared machine falls on
both alike; the figures are medians, in wall-clock time and in this process's CPU
time (the steadier of the two when other work competes for the cores; on PostgreSQL
it leaves out the server's side).

The watched session first gets ``HISTORY`` entries (a realistic mix: reads, writes,
creates and deletes of named targets spread over the last hours, none counted in the
breaker's window) and keeps exactly that many: ``history_limit`` equals it, so every
watched submission also prunes one row. The commands measured include creates, which
make the watch search the session for an earlier delete of the same target.

SQLite in a temporary file, then PostgreSQL at ``INTERLOCK_BENCH_POSTGRES_URL`` when
reachable (its line says why not otherwise).
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

import interlock.watch
from benchmarks.databases import DatabaseUnavailableError, throwaway_postgres
from interlock.approvals.service import ApprovalService
from interlock.config import Config, default_config
from interlock.identity.service import TokenService, wanted_agent, wanted_human
from interlock.models import Action, ActionKind
from interlock.store import Store, open_store
from interlock.store.watch_records import watch_actions, watch_sessions, watch_targets
from interlock.watch.gate import Watched

HISTORY = 10_000
#: Rounds per dialect, each submitting every command once with and once without.
ROUNDS = 8
#: Stop early once a dialect has run this long (seconds).
BUDGET_S = 40.0
SESSION = "bench-session"

COMMANDS = (
    "git status",
    "ls -la src",
    "cat README.md",
    "aws rds describe-db-instances --profile staging",
    "kubectl get pods -n web --context staging",
    "kubectl apply -f deploy.yaml --context staging",
    "aws rds create-db-instance --db-instance-identifier reports --profile staging",
    "helm install web ./chart -n shop --kube-context staging",
    "terraform plan -out plan.bin",
    "git commit -m 'fix rounding'",
)


def run() -> list[str]:
    """The overhead on SQLite, then on PostgreSQL (or why it was skipped)."""
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
        base = default_config()
        config = dataclasses.replace(
            base, watch=dataclasses.replace(base.watch, history_limit=HISTORY)
        )
        tokens = TokenService(store, config)
        tokens.issue(wanted_human("alice"), expires_in=None)
        kiro = tokens.issue(wanted_agent("kiro", "alice"), expires_in=None).token
        _fill(store, HISTORY)
        service = ApprovalService(store, config)
        watched, plain = _rounds(service, kiro)
    finally:
        store.close()
    return _line(name, watched, plain, config)


def _rounds(service: ApprovalService, token: str) -> tuple[_Samples, _Samples]:
    """Each command twice in a row, with and without the watch, in alternating order."""
    watched, plain = _Samples(), _Samples()
    real = interlock.watch.observe
    started = time.perf_counter()
    for round_no in range(ROUNDS):
        for i, command in enumerate(COMMANDS):
            order = (True, False) if (round_no + i) % 2 == 0 else (False, True)
            for with_watch in order:
                if not with_watch:
                    interlock.watch.observe = _pass_through
                try:
                    wall, cpu = _submit(service, token, command)
                finally:
                    interlock.watch.observe = real
                (watched if with_watch else plain).add(wall, cpu)
        if time.perf_counter() - started > BUDGET_S:
            break
    return watched, plain


@dataclasses.dataclass
class _Samples:
    """Wall-clock and process CPU seconds per submission."""

    wall: list[float] = dataclasses.field(default_factory=list)
    cpu: list[float] = dataclasses.field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)


def _pass_through(*args: object, **_: object) -> Watched:
    """``observe`` without the watch: the caller's assessment and decision unchanged."""
    assessment, decision = args[3], args[4]
    return Watched(assessment, decision, SESSION)  # type: ignore[arg-type]


def _submit(service: ApprovalService, token: str, command: str) -> tuple[float, float]:
    action = Action(ActionKind.SHELL, command, task="tidy the build", session_id=SESSION)
    wall, cpu = time.perf_counter(), time.process_time()
    service.submit(token, action)
    return time.perf_counter() - wall, time.process_time() - cpu


def _fill(store: Store, count: int) -> None:
    """``count`` history rows in the session, spread over the last six hours."""
    now = datetime.now(UTC)
    rows = [_row(i, now - timedelta(seconds=120 + (count - i) * 2)) for i in range(count)]
    session = {"session_id": SESSION, "agent": "kiro", "human": "alice", "kept": count}
    with store.transaction() as conn:
        conn.execute(
            insert(watch_sessions).values(
                **session, first_at=rows[0]["at"], last_at=now, actions=count, attempts=0
            )
        )
        conn.execute(insert(watch_actions), rows)
        ids = conn.execute(select(watch_actions.c.id, watch_actions.c.targets, watch_actions.c.at))
        targets = [
            {"action_id": i, "session_id": SESSION, "family": f, "name": n, "op": o, "at": at}
            for i, text, at in ids
            for f, n, o, _, _ in json.loads(text)
        ]
        conn.execute(insert(watch_targets), targets)


def _row(i: int, at: datetime) -> dict[str, object]:
    kind = i % 10
    targets: list[list[object]] = []
    if kind == 7:
        targets = [["aws:rds:db-instance", f"db{i}", "create", "staging", False]]
    elif kind == 8:
        targets = [["k8s:deployment/web", f"api{i}", "delete", "staging", False]]
    elif kind == 9:
        targets = [["aws:rds:db-instance", f"old{i}", "delete", "staging", True]]
    return {
        "session_id": SESSION,
        "agent": "kiro",
        "human": "alice",
        "at": at,
        "request_id": f"req-{i:010x}",
        "summary": f"command {i}",
        "action_class": "destroy@staging" if kind >= 8 else "read@-",
        "targets": json.dumps(targets),
        "categories": json.dumps(["delete"] if kind >= 8 else ["read"]),
        "environments": json.dumps(["staging"] if targets else []),
        "verdict": "hold" if kind == 9 else "allow",
        "counted": kind >= 8,
        "evidence": f"command {i}",
    }


def _line(name: str, watched: _Samples, plain: _Samples, config: Config) -> str:
    wall_with, wall_without = _ms(watched.wall), _ms(plain.wall)
    cpu_with, cpu_without = _ms(watched.cpu), _ms(plain.cpu)
    wall = (wall_with - wall_without) / wall_without * 100
    cpu = (cpu_with - cpu_without) / cpu_without * 100
    verdict = "ok" if wall <= 20 else "OVER the 20 % target"
    return (
        f"{name}: submit with watch {wall_with:.2f} ms vs without {wall_without:.2f} ms "
        f"wall (+{wall:.1f} %, {verdict}); this process's CPU {cpu_with:.2f} vs "
        f"{cpu_without:.2f} ms (+{cpu:.1f} %); medians of {len(watched.wall)} each, "
        f"{config.watch.history_limit:,} history entries"
    )


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


if __name__ == "__main__":
    for text in run():
        print(text)

"""The bounded, persisted history of a session's assessed actions (issue 8).

Every action the gate assesses is remembered with its session (hook ``session_id``,
MCP or API session), the agent and its human, the time, the request id its decision
was recorded under, a one-line summary, the normalised targets (``targets.py``), the
finding categories, the environments, the verdict and whether it was a destructive
or held *attempt* (what the rates count). Rows live in ``watch_actions``
(``store/watch_records.py``), their targets in ``watch_targets``; each session
keeps at most ``watch.history_limit`` rows, the oldest pruned in small batches as new
ones arrive (the session row counts them), so a runaway agent cannot grow the store
without bound.

Every decision costs two statements here: the session row's ``UPDATE ... RETURNING``
(``touch``: counter, freeze state, and on PostgreSQL the row lock that serialises the
session) and the insert of the action. The other reads are narrow, indexed, and made
only when they can matter: earlier deletes and refusals of the action's targets (one
query on ``watch_targets``) only when it deletes or creates a named target, attempt
counts only for an attempt, and whether an agent has done a class of action before
only when this process has not already seen it do so.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import (
    Connection,
    delete,
    func,
    select,
    update,
)

from interlock.identity.clock import aware
from interlock.models import Verdict
from interlock.store.database import after_commit, moment, read_moment, run_sql
from interlock.store.watch_records import watch_actions, watch_sessions, watch_targets
from interlock.watch.targets import ANY, Op, TargetRef

_COLUMN_ORDER = (
    watch_actions.c.session_id,
    watch_actions.c.agent,
    watch_actions.c.human,
    watch_actions.c.at,
    watch_actions.c.request_id,
    watch_actions.c.summary,
    watch_actions.c.action_class,
    watch_actions.c.targets,
    watch_actions.c.categories,
    watch_actions.c.environments,
    watch_actions.c.verdict,
    watch_actions.c.counted,
    watch_actions.c.evidence,
    watch_actions.c.id,
)

#: Longest summary and evidence kept per row (the request keeps the full text).
MAX_TEXT = 2000

#: Rows pruned at once beyond the limit when a session passes it (at most a tenth).
PRUNE_BATCH = 64


@dataclass(frozen=True, slots=True)
class SessionState:
    """A session's row as a decision reads it: kept rows and the current freeze."""

    session_id: str
    kept: int
    frozen_at: datetime | None
    frozen_by: str | None
    frozen_reason: str | None


def touch(
    conn: Connection, session_id: str, *, agent: str | None, human: str, now: datetime
) -> SessionState:
    """Count one more action of ``session_id`` and return its state (creating the row)."""
    state = _bump(conn, session_id, now)
    if state is None:
        row = {"session_id": session_id, "agent": agent, "human": human, "first_at": now}
        conn.execute(_insert_ignoring_conflict(conn, {**row, "last_at": now}))
        state = _bump(conn, session_id, now)
    if state is None:  # pragma: no cover - the row was inserted just above
        raise RuntimeError(f"session row {session_id!r} vanished")
    return state


#: The two statements of every decision, as driver SQL: they are the watch's whole
#: fixed cost, and the SQL expression layer would cost more than the database does.
_TOUCH_SQL = (
    "UPDATE watch_sessions SET kept = kept + 1, actions = actions + 1, last_at = ? "
    "WHERE session_id = ? RETURNING kept, frozen_at, frozen_by, frozen_reason"
)
#: An action without targets: nothing reads its id, so the insert may wait for the
#: next statement's round trip (``run_sql(..., later=True)``).
_INSERT_SQL = (
    "INSERT INTO watch_actions (session_id, agent, human, at, request_id, summary, "
    "action_class, targets, categories, environments, verdict, counted, evidence) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
#: An action with targets, whose rows point at its id.
_INSERT_ID_SQL = _INSERT_SQL + " RETURNING id"


_DONE_SQL = "SELECT 1 FROM watch_actions WHERE agent = ? AND action_class = ? LIMIT 1"
_INSERT_TARGETS_SQL = (
    "INSERT INTO watch_targets (action_id, session_id, family, name, op, at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_ACTION_COLUMNS = (
    "a.session_id, a.agent, a.human, a.at, a.request_id, a.summary, a.action_class, "
    "a.targets, a.categories, a.environments, a.verdict, a.counted, a.evidence, a.id"
)


def _bump(conn: Connection, session_id: str, now: datetime) -> SessionState | None:
    rows = run_sql(conn, _TOUCH_SQL, (moment(conn, now), session_id))
    if not rows:
        return None
    row = rows[0]
    kept, frozen_at, frozen_by, frozen_reason = row
    return SessionState(session_id, int(kept), read_moment(frozen_at), frozen_by, frozen_reason)


def _insert_ignoring_conflict(conn: Connection, values: dict[str, object]) -> Any:
    """An insert of a new session row that a concurrent first insert may beat."""
    values = {**values, "kept": 0, "actions": 0, "attempts": 0}
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(watch_sessions).values(**values).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(watch_sessions).values(**values).on_conflict_do_nothing()


def set_frozen(
    conn: Connection,
    session_id: str,
    *,
    frozen: tuple[datetime, str, str] | None,
    human: str,
) -> None:
    """Mirror a freeze (``(at, by, reason)``) or an unfreeze (``None``) on the session row."""
    at, by, reason = frozen if frozen is not None else (None, None, None)
    values = {"frozen_at": at, "frozen_by": by, "frozen_reason": reason}
    done = conn.execute(
        update(watch_sessions).where(watch_sessions.c.session_id == session_id).values(**values)
    )
    if done.rowcount == 0 and frozen is not None:
        row = {"session_id": session_id, "agent": None, "human": human, "first_at": frozen[0]}
        conn.execute(_insert_ignoring_conflict(conn, {**row, "last_at": frozen[0], **values}))


def count_attempt(conn: Connection, session_id: str) -> None:
    """Add one to the session's total of destructive or held attempts."""
    c = watch_sessions.c
    conn.execute(
        update(watch_sessions).where(c.session_id == session_id).values(attempts=c.attempts + 1)
    )


@dataclass(frozen=True, slots=True)
class Entry:
    """One assessed action of a session, as the watch remembers it."""

    session_id: str
    agent: str | None
    human: str
    at: datetime
    request_id: str | None
    summary: str
    action_class: str
    targets: tuple[TargetRef, ...]
    categories: tuple[str, ...]
    environments: tuple[str, ...]
    verdict: Verdict
    counted: bool
    evidence: str = ""
    id: int | None = None


def record(conn: Connection, entry: Entry, *, state: SessionState, limit: int) -> None:
    """Insert ``entry`` and its targets; prune the session's oldest rows past ``limit``."""
    values = _columns(entry)
    values["at"] = moment(conn, entry.at)
    if not entry.targets:  # most actions (reads): one held insert
        run_sql(conn, _INSERT_SQL, tuple(values.values()), later=True)
    else:
        action_id = run_sql(conn, _INSERT_ID_SQL, tuple(values.values()))[0][0]
        at = values["at"]
        rows = [
            (action_id, entry.session_id, t.family[:200], t.name[:300], t.op.value, at)
            for t in entry.targets
        ]
        run_sql(conn, _INSERT_TARGETS_SQL, rows)
    if state.kept > max(1, limit):
        _prune(conn, entry.session_id, max(1, limit))


def _prune(conn: Connection, session_id: str, limit: int) -> None:
    """Keep the newest ``limit`` rows less a small batch, so pruning is occasional."""
    keep = limit - min(PRUNE_BATCH, limit // 10)
    last = conn.execute(
        select(watch_actions.c.id)
        .where(watch_actions.c.session_id == session_id)
        .order_by(watch_actions.c.id.desc())
        .limit(1)
        .offset(keep)
    ).scalar_one_or_none()
    if last is not None:
        conn.execute(
            delete(watch_targets).where(
                watch_targets.c.session_id == session_id, watch_targets.c.action_id <= last
            )
        )
        conn.execute(
            delete(watch_actions).where(
                watch_actions.c.session_id == session_id, watch_actions.c.id <= last
            )
        )
    kept = conn.execute(
        select(func.count()).where(watch_actions.c.session_id == session_id)
    ).scalar_one()
    conn.execute(
        update(watch_sessions)
        .where(watch_sessions.c.session_id == session_id)
        .values(kept=int(kept))
    )


def _columns(entry: Entry) -> dict[str, object]:
    return {
        "session_id": entry.session_id,
        "agent": entry.agent,
        "human": entry.human,
        "at": entry.at,
        "request_id": entry.request_id,
        "summary": entry.summary[:MAX_TEXT],
        "action_class": entry.action_class,
        "targets": json.dumps([_ref_plain(t) for t in entry.targets]),
        "categories": json.dumps(sorted(set(entry.categories))),
        "environments": json.dumps(sorted(set(entry.environments))),
        "verdict": entry.verdict.value,
        "counted": entry.counted,
        "evidence": entry.evidence[:MAX_TEXT],
    }


def _ref_plain(ref: TargetRef) -> list[object]:
    return [ref.family, ref.name, ref.op.value, ref.environment, ref.stateful]


def _ref_of(item: Sequence[object]) -> TargetRef:
    family, name, op, env, stateful = item
    return TargetRef(str(family), str(name), Op(str(op)), _opt(env), bool(stateful))


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _entry(row: object) -> Entry:
    m = row._mapping  # type: ignore[attr-defined]
    return _entry_of(tuple(m[c.name] for c in _COLUMN_ORDER))


def _entry_of(values: tuple[Any, ...]) -> Entry:
    """An entry from the columns in ``_ACTION_COLUMNS`` order (either dialect's types)."""
    session, agent, human, at, request, summary, klass, targets, cats, envs = values[:10]
    verdict, counted, evidence, action_id = values[10:]
    when = read_moment(at)
    if when is None:
        raise TypeError("a watched action without a time")
    return Entry(
        session_id=session,
        agent=agent,
        human=human,
        at=when,
        request_id=request,
        summary=summary,
        action_class=klass,
        targets=tuple(_ref_of(t) for t in json.loads(targets)),
        categories=tuple(json.loads(cats)),
        environments=tuple(json.loads(envs)),
        verdict=Verdict(verdict),
        counted=bool(counted),
        evidence=evidence,
        id=int(action_id),
    )


@dataclass(frozen=True, slots=True)
class Related:
    """An earlier action aimed at one of the current targets, and whether it was refused."""

    entry: Entry
    refused: bool


def related(
    conn: Connection, session_id: str, since: datetime, wanted: Sequence[TargetRef]
) -> list[Related]:
    """The session's actions since ``since`` that deleted, or were refused, one of
    ``wanted`` (same family and name, a wildcard of the family, or the same name by
    another tool), newest first; one query, answered from the target indexes.

    *Refused* means denied by the gate or, later, by a human vote. The caller compares
    targets exactly (environments too). Driver SQL, like ``touch``: it runs on every
    decision that names a target.
    """
    if not wanted:
        return []
    names = sorted({w.name for w in wanted if w.name != ANY})
    families = sorted({w.family for w in wanted})
    wildcards = sorted({w.family for w in wanted if w.name == ANY})
    # each arm names the session so that SQLite answers the OR from the indexes
    same = f"t.family IN ({_marks(families)}) AND t.name IN ({_marks([*names, ANY])})"
    arms = [f"(t.session_id = ? AND {same})"]
    params: list[object] = [session_id, *families, *names, ANY]
    if names:
        arms.append(f"(t.session_id = ? AND t.name IN ({_marks(names)}))")
        params += [session_id, *names]
    if wildcards:
        arms.append(f"(t.session_id = ? AND t.family IN ({_marks(wildcards)}))")
        params += [session_id, *wildcards]
    refused = "(a.verdict = 'deny' OR r.status = 'denied')"
    # only constant fragments and ``?`` placeholders are joined here; values are bound
    sql = (
        f"SELECT {_ACTION_COLUMNS}, {refused} AS refused FROM watch_targets t "  # noqa: S608
        "JOIN watch_actions a ON a.id = t.action_id "
        "LEFT OUTER JOIN requests r ON r.id = a.request_id "
        f"WHERE ({' OR '.join(arms)}) AND t.at >= ? AND (t.op = 'delete' OR {refused}) "
        "ORDER BY a.id DESC"
    )
    params.append(moment(conn, since))
    out: dict[int, Related] = {}
    for row in run_sql(conn, sql, tuple(params)):
        entry = _entry_of(row[:-1])
        if entry.id not in out:
            out[entry.id or 0] = Related(entry, bool(row[-1]))
    return list(out.values())


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def count_session(conn: Connection, session_id: str, since: datetime) -> int:
    """Destructive or held attempts of ``session_id`` since ``since``."""
    query = select(func.count()).where(
        watch_actions.c.session_id == session_id,
        watch_actions.c.at >= since,
        watch_actions.c.counted.is_(True),
    )
    return int(conn.execute(query).scalar_one())


def count_agent(conn: Connection, agent: str, since: datetime) -> int:
    """Destructive or held attempts of ``agent`` in any session since ``since``."""
    query = select(func.count()).where(
        watch_actions.c.agent == agent,
        watch_actions.c.at >= since,
        watch_actions.c.counted.is_(True),
    )
    return int(conn.execute(query).scalar_one())


_seen: dict[tuple[str, str], set[str]] = {}
_seen_lock = threading.Lock()


def has_done(conn: Connection, agent: str, action_class: str) -> bool:
    """Whether ``agent`` was ever seen doing ``action_class`` (within kept history).

    A class once seen stays seen, so this process remembers positive answers per
    database and asks the store only about classes it has not seen the agent do. An
    answer is remembered only once ``conn``'s transaction has committed: the row that
    gave it may be one this transaction (or an earlier submission of its group commit)
    wrote, which a rollback would take back.
    """
    key = (conn.engine.url.render_as_string(hide_password=True), agent)
    with _seen_lock:
        if action_class in _seen.get(key, ()):
            return True
    done = bool(run_sql(conn, _DONE_SQL, (agent, action_class)))
    if done:
        after_commit(conn, f"watch.seen {agent} {action_class}", partial(_saw, key, action_class))
    return done


def _saw(key: tuple[str, str], action_class: str) -> None:
    with _seen_lock:
        _seen.setdefault(key, set()).add(action_class)


def recent(conn: Connection, session_id: str, *, limit: int = 50) -> list[Entry]:
    """The newest ``limit`` actions of a session, newest first (``session show``)."""
    query = (
        select(watch_actions)
        .where(watch_actions.c.session_id == session_id)
        .order_by(watch_actions.c.id.desc())
        .limit(limit)
    )
    return [_entry(r) for r in conn.execute(query)]


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One session as ``session list`` shows it."""

    session_id: str
    agent: str | None
    human: str
    actions: int
    attempts: int
    last_at: datetime


def sessions(conn: Connection, *, limit: int = 50) -> list[SessionSummary]:
    """Sessions by most recent activity, with their action and attempt counts."""
    c = watch_sessions.c
    query = select(c.session_id, c.agent, c.human, c.actions, c.attempts, c.last_at)
    rows = conn.execute(query.order_by(c.last_at.desc()).limit(limit))
    return [SessionSummary(s, a, h, int(n), int(k), aware(last)) for s, a, h, n, k, last in rows]

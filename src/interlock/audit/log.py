"""Appending to the audit log, inside the caller's transaction; reading it back.

``stage(conn, kind, actor, body)`` records one entry in the transaction the caller
already holds, so the state change and its audit entry commit together or not at all:
the entry is validated and encoded at once, and written with every other entry the
transaction staged just before it commits (``Store``'s before-commit step). That is
what state changes use: one head lock, one insert and one head update per transaction,
and the head row, which every writer in every process queues on, is held only for the
last moments of the transaction. ``append`` writes at once and returns the index (after
first writing anything staged, so entries keep the order they were made in);
``append_many`` does the same for a batch (group commit: one lock, one insert, one
head update, one fsync at the caller's commit).

Each entry is the canonical JSON (``canonical.py``) of::

    {"actor": ACTOR|null, "body": BODY, "index": I, "kind": KIND, "time": "...Z"}

after ``redact.py`` has removed secrets from ``body``; those bytes are the RFC 6962
leaf data (see ``merkle.py``). The index is inside the entry, so a row moved to
another position is named by the verifier. ``kind`` is a stable kebab-case event id
(``request-created``, ``vote-cast`` ...).

Total order without gaps: an append first locks the single ``audit_head`` row
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the store's ``BEGIN IMMEDIATE``
already excludes other writers), takes the next indices from its ``size``, updates the
stored Merkle frontier and writes the new size. Concurrent appenders in any number of
processes therefore queue on that row, and a rolled-back transaction leaves no hole.

Signed checkpoints are written in the same transaction when due (see
``checkpoint.py``); without a signing key configured, none are written.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from interlock.audit.canonical import canonical_json
from interlock.audit.checkpoint import Checkpointer, default_checkpointer
from interlock.audit.merkle import Frontier, leaf_hash
from interlock.audit.redact import redact, redact_text
from interlock.errors import AuditError
from interlock.store.database import before_commit, run_sql, tx_state
from interlock.store.schema import HEAD_ID, audit_entries, audit_head

#: What an event kind looks like: stable, kebab-case, dotted namespaces allowed.
KIND_RE = re.compile(r"[a-z][a-z0-9]*(?:[-.][a-z0-9]+)*\Z")

#: Bulk insert of entry rows (constant text, no input).
_INSERT_SQL = "INSERT INTO audit_entries (idx, entry, leaf_hash) VALUES (?, ?, ?)"

#: The hot statements as driver SQL (``run_sql``): every append runs them, and the
#: statement layer costs more than the database does. SQLite has no ``FOR UPDATE``:
#: its ``BEGIN IMMEDIATE`` already excludes other writers.
_HEAD_COLUMNS = (
    "SELECT audit_head.id, audit_head.size, audit_head.frontier, audit_head.checkpoint_size, "
    "audit_head.checkpoint_at FROM audit_head WHERE audit_head.id = ?"
)
_LOCK_HEAD_SQL = {"sqlite": _HEAD_COLUMNS, "postgresql": _HEAD_COLUMNS + " FOR UPDATE"}
_UPDATE_HEAD_SQL = "UPDATE audit_head SET size = ?, frontier = ? WHERE id = ?"

#: PostgreSQL: the entries and the head's new size and frontier in ONE statement (the
#: rows as three arrays). Every write transaction ends with this, and there each
#: statement costs the database, the driver and the interpreter lock more than its
#: rows do; an insert of several rows was also a statement per row. The two parts
#: touch different tables, and a failure of either fails the whole statement.
_APPEND_PG_SQL = (
    "WITH appended AS (INSERT INTO audit_entries (idx, entry, leaf_hash) "
    "SELECT * FROM unnest(?::bigint[], ?::bytea[], ?::bytea[])) "
    "UPDATE audit_head SET size = ?, frontier = ? WHERE id = ?"
)

#: ``Connection.info`` key (kept with the pooled DB-API connection, so per database):
#: the largest log size this connection has seen committed (``known_size``).
_KNOWN_SIZE = "audit.known_size"

#: The transaction-state key of entries staged for the commit.
_STAGED = "audit.staged"

#: ``"default"``: sign with the configured key (if any); ``"off"``: write no checkpoint.
CheckpointMode = Literal["default", "off"]


@dataclass(frozen=True, slots=True)
class Event:
    """One thing to record: its kind, who did it, and what happened."""

    kind: str
    actor: str | None
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Head:
    """The log's current size and root, as the head row records them."""

    size: int
    root: bytes
    checkpoint_size: int
    checkpoint_at: float


def stage(conn: Connection, kind: str, actor: str | None, body: Mapping[str, Any]) -> None:
    """Record one entry to be appended when ``conn``'s transaction commits."""
    prepared = _prepare(Event(kind, actor, body))
    tx_state(conn).setdefault(_STAGED, []).append(prepared)
    before_commit(conn, _STAGED, _flush_staged)


def _flush_staged(conn: Connection) -> None:
    staged: list[tuple[bytes, bytes]] = tx_state(conn).pop(_STAGED, [])
    if staged:
        _write(conn, staged, "default")


def append(
    conn: Connection,
    kind: str,
    actor: str | None,
    body: Mapping[str, Any],
    *,
    checkpointer: Checkpointer | CheckpointMode = "default",
) -> int:
    """Append one entry in ``conn``'s transaction; return its index."""
    return append_many(conn, [Event(kind, actor, body)], checkpointer=checkpointer)[0]


def append_many(
    conn: Connection,
    events: Iterable[Event],
    *,
    checkpointer: Checkpointer | CheckpointMode = "default",
) -> list[int]:
    """Append several entries under one lock of the head; return their indices."""
    prepared = [_prepare(event) for event in events]
    if not prepared:
        return []
    staged: list[tuple[bytes, bytes]] = tx_state(conn).pop(_STAGED, [])
    indices = _write(conn, staged + prepared, checkpointer)
    return indices[len(staged) :]


def _write(
    conn: Connection,
    prepared: list[tuple[bytes, bytes]],
    checkpointer: Checkpointer | CheckpointMode,
) -> list[int]:
    now = time.time()
    stamp = _timestamp(now)
    head = lock_head(conn)
    frontier = Frontier.from_bytes(head.size, head.frontier)
    rows: list[tuple[int, bytes, bytes]] = []
    tail = f',"time":"{stamp}"}}'.encode()
    for head_part, kind_part in prepared:
        index = frontier.size
        entry = b"".join((head_part, b',"index":', str(index).encode(), kind_part, tail))
        digest = leaf_hash(entry)
        frontier.append(digest)
        rows.append((index, entry, digest))
    if conn.dialect.name == "postgresql":
        indices, entries, digests = (list(column) for column in zip(*rows, strict=True))
        values = (indices, entries, digests, frontier.size, frontier.to_bytes(), HEAD_ID)
        run_sql(conn, _APPEND_PG_SQL, values)
    else:
        run_sql(conn, _INSERT_SQL, rows)
        run_sql(conn, _UPDATE_HEAD_SQL, (frontier.size, frontier.to_bytes(), HEAD_ID))
    signer = default_checkpointer() if checkpointer == "default" else checkpointer
    if isinstance(signer, Checkpointer) and signer.due(
        frontier.size, head.checkpoint_size, head.checkpoint_at, now
    ):
        signer.write(conn, frontier.size, frontier.root(), now)
    return list(range(head.size, frontier.size))


def _prepare(event: Event) -> tuple[bytes, bytes]:
    """Validate, redact and encode an event's fixed parts, outside the head lock.

    The entry is assembled from canonical pieces in sorted key order (actor, body,
    index, kind, time), which is exactly ``canonical_json`` of the whole entry (a test
    holds the two equal): the kind is a plain id and the time plain ASCII.
    """
    if not isinstance(event.kind, str) or not KIND_RE.match(event.kind):
        raise AuditError(f"audit event kind {event.kind!r} is not a kebab-case id")
    if event.actor is not None and not isinstance(event.actor, str):
        raise AuditError("audit actor must be a string or None")
    if not isinstance(event.body, Mapping):
        raise AuditError("audit body must be a mapping")
    actor = canonical_json(redact_text(event.actor) if event.actor else event.actor)
    body = canonical_json(redact(event.body))
    return b'{"actor":' + actor + b',"body":' + body, f',"kind":"{event.kind}"'.encode()


def _timestamp(now: float) -> str:
    """``now`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (isoformat: a tenth of strftime's cost)."""
    moment = datetime.fromtimestamp(now, UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


class HeadRow(NamedTuple):
    """The head row as stored: size, frontier bytes, last checkpoint's size and time."""

    size: int
    frontier: bytes
    checkpoint_size: int
    checkpoint_at: float


def lock_head(conn: Connection) -> HeadRow:
    """Lock the head row until commit (what serialises appends); return it."""
    rows = run_sql(conn, _LOCK_HEAD_SQL[conn.dialect.name], (HEAD_ID,))
    if len(rows) != 1:
        raise AuditError("the audit head row is missing: the store is damaged")
    _, size, frontier, checkpoint_size, checkpoint_at = rows[0]
    known = conn.info.get(_KNOWN_SIZE)
    if known is None or known < size:
        conn.info[_KNOWN_SIZE] = int(size)
    return HeadRow(int(size), bytes(frontier), int(checkpoint_size), float(checkpoint_at))


def known_size(conn: Connection) -> int | None:
    """A size the log has had, or more, as this connection last saw it committed.

    The log only grows, so this is a lower bound of its size now, read without a
    statement: what ``grants`` records as where a grant's use could first appear (a
    smaller bound only makes that search start earlier). Taken from the head as a
    write read it under its lock, never from a size a transaction was about to commit
    (it could still roll back). ``None``: this connection has not written yet.
    """
    known = conn.info.get(_KNOWN_SIZE)
    return None if known is None else int(known)


def head(conn: Connection) -> Head:
    """The head as stored (not verified: ``verify`` recomputes it)."""
    row = conn.execute(select(audit_head).where(audit_head.c.id == HEAD_ID)).one_or_none()
    if row is None:
        raise AuditError("the audit head row is missing: the store is damaged")
    root = Frontier.from_bytes(row.size, row.frontier).root()
    return Head(row.size, root, row.checkpoint_size, row.checkpoint_at)


def entry_count(conn: Connection) -> int:
    """How many entry rows there are (equal to the head size in an intact log)."""
    return int(conn.execute(select(func.count()).select_from(audit_entries)).scalar_one())


#: The verifier's hot-path query, per driver parameter style (constant text, no input).
_ROWS_SQL = {
    "qmark": "SELECT idx, entry, leaf_hash FROM audit_entries WHERE idx >= ? ORDER BY idx LIMIT ?",
    "format": "SELECT idx, entry, leaf_hash FROM audit_entries "
    "WHERE idx >= %s ORDER BY idx LIMIT %s",
}

Columns = tuple[tuple[int, ...], tuple[bytes, ...], tuple[bytes, ...]]


def iter_rows(conn: Connection, start: int = 0, batch: int = 50_000) -> Iterator[Columns]:
    """``(indices, entries, leaf_hashes)`` column batches in index order.

    The query goes straight to the driver (the verifier's hot path). Values of an
    unexpected type (a tampered row may hold text where bytes belong, or a non-number
    index) are coerced without judgement: the verifier decides what they mean.
    """
    style = "qmark" if conn.dialect.paramstyle == "qmark" else "format"
    cursor = start
    raw = conn.connection.cursor()  # the DBAPI cursor, in this connection's transaction
    try:
        while True:
            raw.execute(_ROWS_SQL[style], (cursor, batch))
            rows = raw.fetchall()
            if not rows:
                return
            indices, entries, hashes = columns(rows)
            yield indices, entries, hashes
            if indices[-1] < cursor:  # a non-numeric index sorts last: nothing follows it
                return
            cursor = indices[-1] + 1
    finally:
        raw.close()


def columns(rows: Sequence[tuple[object, object, object]]) -> Columns:
    """``(indices, entries, leaf_hashes)`` of rows, values coerced without judgement.

    A tampered row may hold text where bytes belong (SQLite keeps any type): text is
    encoded, anything else becomes empty bytes, a non-number index -1, and the verifier
    decides what they mean.
    """
    indices, entries, hashes = zip(*rows, strict=True)
    if not set(map(type, indices)) <= {int}:
        indices = tuple(map(_as_int, indices))
    if not (set(map(type, entries)) | set(map(type, hashes))) <= {bytes}:
        entries, hashes = tuple(map(_as_bytes, entries)), tuple(map(_as_bytes, hashes))
    return indices, entries, hashes


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return b""


def _as_int(value: object) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return -1


def read_entry(conn: Connection, index: int) -> bytes:
    """The stored bytes of entry ``index``."""
    value = conn.execute(
        select(audit_entries.c.entry).where(audit_entries.c.idx == index)
    ).scalar_one_or_none()
    if value is None:
        raise AuditError(f"no audit entry {index}")
    return bytes(value)


def leaf_hashes(conn: Connection, size: int) -> list[bytes]:
    """The stored leaf hashes of the first ``size`` entries, checked to be dense."""
    stmt = (
        select(audit_entries.c.idx, audit_entries.c.leaf_hash)
        .where(audit_entries.c.idx < size)
        .order_by(audit_entries.c.idx)
    )
    rows = conn.execute(stmt).all()
    if len(rows) != size or (rows and rows[-1][0] != size - 1):
        raise AuditError(f"the log does not hold {size} dense entries")
    return [bytes(h) for _, h in rows]

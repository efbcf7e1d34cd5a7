"""Grants: single-use permission to execute one approved digest (DESIGN.md floor rule 5).

A quorum issues exactly one grant per request (``grants.request_id`` is unique). Using
it is one conditional ``UPDATE ... WHERE used_at IS NULL AND digest = :d AND
expires_at > :now``: the database decides the race, so of any number of concurrent
users exactly one sees a row count of one. Every other attempt is refused with the
precise reason (no grant, another digest, used already, expired), found by reading
the row after the update matched nothing. The grant row is read (locked) first and its
seal checked, so a ``used_at`` cleared directly in the database is refused, not reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select, update

from interlock.approvals.requests import RequestRecord, Status, new_id
from interlock.approvals.seal import sealer_for
from interlock.audit.log import known_size, stage
from interlock.errors import TamperError
from interlock.identity.clock import aware
from interlock.store.database import moment, run_sql, select_rows, tx_state
from interlock.store.records import grants
from interlock.store.schema import HEAD_ID, audit_entries


@dataclass(frozen=True, slots=True)
class GrantUse:
    """The answer to a grant use: ``ok`` with the grant id, or the reason it was refused."""

    ok: bool
    reason: str
    grant_id: str | None = None


#: Built once (building a statement costs more than running it).
#: An earlier use of a grant in the log, from where it was issued (entries are bytes:
#: SQLite matches them with ``instr``, PostgreSQL with ``LIKE`` on ``bytea``).
_USED_SQLITE = select(audit_entries.c.idx).where(
    audit_entries.c.idx >= bindparam("since"),
    func.instr(audit_entries.c.entry, bindparam("grant")) > 0,
    func.instr(audit_entries.c.entry, bindparam("kind")) > 0,
)
_USED_LIKE = select(audit_entries.c.idx).where(
    audit_entries.c.idx >= bindparam("since"), audit_entries.c.entry.like(bindparam("pattern"))
)
_CONSUME = (
    update(grants)
    .where(
        grants.c.request_id == bindparam("b_request"),
        grants.c.digest == bindparam("b_digest"),
        grants.c.used_at.is_(None),
        grants.c.expires_at > bindparam("b_now"),
    )
    .values(used_at=bindparam("b_now"), used_by=bindparam("b_by"), seal=bindparam("b_seal"))
)


#: The insert of a new grant as driver SQL (``run_sql``): every allowed submission runs it.
_INSERT_SQL = (
    "INSERT INTO grants (id, request_id, digest, issued_at, expires_at, used_at, used_by, "
    "issued_size, seal) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?)"
)
_LOG_SIZE_SQL = "SELECT size FROM audit_head WHERE id = ?"
#: The transaction-state key of the log's size as this transaction first read it.
_LOG_SIZE_KEY = "grants.log_size"


def issue(conn: Connection, record: RequestRecord, *, now: datetime, actor: str | None) -> str:
    """Issue the grant of an approved request; it expires with the request."""
    grant_id = new_id("grt-", 6)
    row = {
        "id": grant_id,
        "request_id": record.id,
        "digest": record.digest,
        "issued_at": now,
        "expires_at": record.expires_at,
        "used_at": None,
        "used_by": None,
        "issued_size": _log_size(conn),
    }
    seal = sealer_for(conn).seal("grants", row)
    issued, expires = moment(conn, now), moment(conn, record.expires_at)
    values = (grant_id, record.id, record.digest, issued, expires, row["issued_size"], seal)
    run_sql(conn, _INSERT_SQL, values, later=True)  # nothing reads its answer
    body = {"request": record.id, "grant": grant_id, "digest": record.digest}
    stage(conn, "grant-issued", actor, {**body, "expires_at": record.expires_at.isoformat()})
    return grant_id


def _log_size(conn: Connection) -> int:
    """The log's size when this transaction first asked: where a use of the grant could
    first appear (``issued_size``).

    Any size the log had before the grant existed will do, and a smaller one only
    makes the search for an earlier use start earlier: the entries a transaction
    stages are written only as it commits. So it is asked once per transaction (a
    group commit's batch asks once for all its grants), and taken from the last head
    this connection locked (``known_size``) when there is one, which costs no
    statement; only a connection that has not written yet reads the head.
    """
    state = tx_state(conn)
    size = state.get(_LOG_SIZE_KEY)
    if size is None:
        size = known_size(conn)  # this connection's last committed head: no statement
    if size is None:
        size = int(run_sql(conn, _LOG_SIZE_SQL, (HEAD_ID,))[0][0])
    state[_LOG_SIZE_KEY] = size
    return int(size)


def consume(
    conn: Connection, record: RequestRecord, digest: str, *, now: datetime, by: str
) -> GrantUse:
    """Use the grant of ``record`` for ``digest`` once; refusals say why, nothing changes."""
    wanted = digest.strip().lower()
    if record.status is not Status.APPROVED:
        return GrantUse(False, f"request {record.id} is {record.status.value}, not approved")
    # every grant use runs this: driver SQL (``select_rows``)
    rows = select_rows(conn, grants, "request_id = ?", (record.id,), lock=True)
    if not rows:
        return GrantUse(False, f"request {record.id} has no grant")
    row = rows[0]
    sealer = sealer_for(conn)
    sealer.check("grants", row, what=f"the grant of {record.id}")
    if row["used_at"] is None:
        _never_used_before(conn, row["id"], row["issued_size"], record.id)
    seal = sealer.seal("grants", {**row, "used_at": now, "used_by": by})
    result = conn.execute(
        _CONSUME,
        {"b_request": record.id, "b_digest": wanted, "b_now": now, "b_by": by, "b_seal": seal},
    )
    if result.rowcount == 1:
        return GrantUse(True, "granted: this digest may run once", row["id"])
    return GrantUse(False, _why_not(conn, record, wanted, now))


def _never_used_before(conn: Connection, grant_id: str, since: int | None, request_id: str) -> None:
    """Refuse a grant whose use the log already holds (a row reset to an older seal)."""
    grant = f'"grant":"{grant_id}"'.encode()
    kind = b'"kind":"grant-used"'
    if conn.dialect.name == "sqlite":
        found = conn.execute(_USED_SQLITE, {"since": since or 0, "grant": grant, "kind": kind})
    else:
        found = conn.execute(
            _USED_LIKE, {"since": since or 0, "pattern": b"%" + grant + b"%" + kind + b"%"}
        )
    index = found.scalar()
    if index is not None:
        raise TamperError(
            f"the grant of {request_id} was used already (audit entry {index}), yet its row"
            " says unused: it was reset outside interlock",
            hint="run 'interlock audit verify' and restore the store from a backup",
        )


def _why_not(conn: Connection, record: RequestRecord, digest: str, now: datetime) -> str:
    row = conn.execute(select(grants).where(grants.c.request_id == record.id)).one_or_none()
    if row is None:
        return f"request {record.id} has no grant"
    if row.digest != digest:
        return (
            f"digest {digest[:16]}… is not the approved digest {row.digest[:16]}…; "
            "a changed action is a new request"
        )
    if row.used_at is not None:
        return f"the grant of {record.id} was used already at {aware(row.used_at).isoformat()}"
    if aware(row.expires_at) <= now:
        return f"the grant of {record.id} expired at {aware(row.expires_at).isoformat()}"
    return f"the grant of {record.id} could not be used"


def used(conn: Connection, request_id: str) -> bool:
    """Whether the grant of ``request_id`` has been used."""
    query = select(grants.c.used_at).where(grants.c.request_id == request_id)
    return conn.execute(query).scalar_one_or_none() is not None

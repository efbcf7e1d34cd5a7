"""Ballots on a request: cast one, recount the quorum, move the request on.

A ballot is accepted only on a pending request, locked for the transition, from a
voter ``quorum.check_voter`` admits. After storing it the quorum is recounted from
every stored ballot: one eligible denial denies the request; enough distinct eligible
approvals approve it and issue its grant, all in the caller's transaction. The audit
entry of each ballot names the human, their kind, the token and the channel used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from interlock.approvals import grants
from interlock.approvals.quorum import Ballot, Tally, check_voter, reached, tally
from interlock.approvals.requests import RequestRecord, Status, transition
from interlock.approvals.seal import SEALED, sealer_for
from interlock.audit.log import stage
from interlock.errors import InputError, VoteRefusedError
from interlock.identity.clock import aware
from interlock.models import Principal, PrincipalKind
from interlock.store.database import moment, row_reader, run_sql, select_rows
from interlock.store.records import requests, tokens, votes


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    """Where a request stands after a ballot: its status and the distinct approvals."""

    request_id: str
    status: str
    approvals: int
    required: int
    approvers: tuple[str, ...]
    #: The request as this ballot left it (for notifications, without re-reading it).
    record: RequestRecord = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Cast:
    """One ballot as cast: who, through which token and channel, for or against, why."""

    voter: Principal
    token_id: str | None
    channel: str
    approve: bool
    comment: str | None


def cast(conn: Connection, record: RequestRecord, ballot: Cast, *, now: datetime) -> VoteOutcome:
    """Store ``ballot`` on the locked ``record`` and apply the quorum; refusals raise.

    The ballots already cast are read here, after the request's lock is held: on
    PostgreSQL a statement that waited for the lock still reads other tables as they
    were when it began, so ballots read together with the lock could miss the one
    whose transaction held it.
    """
    need = record.requirement()
    if ballot.voter.kind is not PrincipalKind.HUMAN:
        check_voter(ballot.voter, need, ())
    if record.status is not Status.PENDING:
        raise VoteRefusedError(f"request {record.id} is {record.status.value}; votes are closed")
    if not ballot.approve and not (ballot.comment or "").strip():
        raise InputError("a denial needs a comment saying why")
    before = stored(conn, record.id)
    check_voter(ballot.voter, need, (b.voter for b in before))
    _insert(conn, record.id, ballot, now)
    stage(conn, "vote-cast", ballot.voter.name, _audit_body(record, ballot))
    mine = Ballot(ballot.voter.name, ballot.voter.kind, ballot.voter.groups, ballot.approve)
    result = tally([*before, mine], need)
    record = _settle(conn, record, result, now=now, actor=ballot.voter.name)
    return VoteOutcome(
        record.id,
        record.status.value,
        len(result.approvals),
        need.required,
        result.approvals,
        record,
    )


def _settle(
    conn: Connection, record: RequestRecord, result: Tally, *, now: datetime, actor: str
) -> RequestRecord:
    if result.denials:
        who = ", ".join(result.denials)
        return transition(
            conn, record, Status.DENIED, now=now, actor=actor, reason=f"denied by {who}"
        )
    if reached(result, record.requirement()):
        reason = f"approved by {', '.join(result.approvals)}"
        record = transition(conn, record, Status.APPROVED, now=now, actor=actor, reason=reason)
        grants.issue(conn, record, now=now, actor=actor)
    return record


def _insert(conn: Connection, request_id: str, ballot: Cast, now: datetime) -> None:
    row = {
        "request_id": request_id,
        "voter": ballot.voter.name,
        "voter_kind": ballot.voter.kind.value,
        "voter_groups": json.dumps(sorted(ballot.voter.groups)),
        "token_id": ballot.token_id,
        "channel": ballot.channel,
        "approve": ballot.approve,
        "comment": ballot.comment,
        "cast_at": now,
    }
    row["seal"] = sealer_for(conn).seal("votes", row)
    bound = [moment(conn, now) if c == "cast_at" else row[c] for c in _INSERTED]
    run_sql(conn, _INSERT_SQL, tuple(bound), later=True)  # nothing reads its answer


#: Every column a ballot is written with; the insert as driver SQL (``run_sql``):
#: every vote runs it.
_INSERTED = (*SEALED["votes"], "seal")
_INSERT_SQL = (
    f"INSERT INTO votes ({', '.join(_INSERTED)}) "  # noqa: S608 - constant column names
    f"VALUES ({', '.join('?' for _ in _INSERTED)})"
)


def _audit_body(record: RequestRecord, ballot: Cast) -> dict[str, object]:
    return {
        "request": record.id,
        "digest": record.digest,
        "vote": "approve" if ballot.approve else "deny",
        "voter": ballot.voter.name,
        "voter_kind": ballot.voter.kind.value,
        "token_id": ballot.token_id,
        "channel": ballot.channel,
        "comment": ballot.comment,
    }


def stored(conn: Connection, request_id: str) -> list[Ballot]:
    """Every ballot on ``request_id`` in the order cast, each checked against its seal."""
    sealer = sealer_for(conn)
    ballots = []
    # every ballot runs this: driver SQL (``select_rows``)
    for r in select_rows(conn, votes, "request_id = ?", (request_id,), order_by="id"):
        sealer.check("votes", r, what=f"the ballot of {r['voter']} on {request_id}")
        ballots.append(
            Ballot(
                voter=r["voter"],
                kind=PrincipalKind(r["voter_kind"]),
                groups=tuple(json.loads(r["voter_groups"])),
                approve=bool(r["approve"]),
            )
        )
    return ballots


@dataclass(frozen=True, slots=True)
class VoteRow:
    """A ballot for display: who, how, when, with what comment."""

    voter: str
    approve: bool
    channel: str
    token_id: str | None
    comment: str | None
    cast_at: datetime


def listed(conn: Connection, request_id: str) -> list[VoteRow]:
    """Ballots of ``request_id`` for ``requests show``."""
    query = select(votes).where(votes.c.request_id == request_id).order_by(votes.c.id)
    return [
        VoteRow(r.voter, bool(r.approve), r.channel, r.token_id, r.comment, aware(r.cast_at))
        for r in conn.execute(query)
    ]


@dataclass(frozen=True, slots=True)
class ForBallot:
    """The request row (locked) and the voter's token row, read in one statement
    (``None``: no such request, no such token)."""

    request: dict[str, Any] | None
    token: dict[str, Any] | None


#: ``for_ballot``'s statement, by dialect.
_FOR_BALLOT: dict[str, str] = {}


def for_ballot(conn: Connection, request_id: str, token_hash: str) -> ForBallot:
    """Lock ``request_id`` and read, in the same statement, the token stored under
    ``token_hash``: what ``recheck`` and ``requests.lock`` read one after the other.

    Every ballot runs this, and on PostgreSQL each statement costs the database, the
    driver and the interpreter lock more than its rows do. The token is read as it was
    when the statement began, before any wait for the lock, exactly as the separate
    ``recheck`` before the lock read it. The ballots are *not* read here (``cast``).
    """
    dialect = conn.dialect.name
    sql = _FOR_BALLOT.get(dialect)
    if sql is None:
        columns = ", ".join(f"{alias}.{c.name}" for alias, table in _JOINED for c in table.columns)
        sql = (
            f"SELECT {columns} FROM requests r "  # noqa: S608 - constant column names
            "LEFT JOIN tokens t ON t.token_hash = ? WHERE r.id = ?"
        )
        if dialect == "postgresql":
            sql += " FOR UPDATE OF r"
        _FOR_BALLOT[dialect] = sql
    rows = run_sql(conn, sql, (token_hash, request_id))
    if not rows:
        return ForBallot(None, None)
    (row,) = rows  # ids and token hashes are unique
    cut = len(requests.columns)
    token = row_reader(tokens)(row[cut:]) if row[cut] is not None else None
    return ForBallot(row_reader(requests)(row[:cut]), token)


#: The tables ``for_ballot`` reads, by alias, in column order.
_JOINED = (("r", requests), ("t", tokens))

"""What must hold in the database after any mix of races and crashes, read with raw SQL.

The checks read the tables and every audit entry straight from PostgreSQL (``psycopg``,
no interlock code), so a bug in the library's own readers cannot hide a bug in its
writers. :func:`problems` returns one line per violation (an empty list is a pass):

* audit order: indices exactly ``0..n-1`` and the head's size ``n``;
* quorum: no request holds two ballots of one voter; an approved request holds exactly
  ``required`` approvals and no denial (more would be a ballot counted after the vote
  closed), a denied one exactly one denial and fewer approvals, a pending one neither;
  a grant exists exactly for approved requests;
* no half-applied change: every ballot has exactly one ``vote-cast`` entry naming its
  voter and vote, and every entry a ballot; every request one ``request-created``; each
  approval or denial one ``request-approved`` / ``request-denied``; each grant one
  ``grant-issued``; each used grant exactly one ``grant-used``, and no other;
* acknowledged means durable: every submission, ballot and grant use a client saw
  succeed (the :class:`~tests.scale.client.Ledger`) is in the tables and the log;
* no double execution: no grant use answered ``ok`` twice.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg

from tests.scale.client import Ledger


@dataclass
class Snapshot:
    """The rows the invariants are about, read in one transaction."""

    requests: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> status, required
    ballots: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    grants: dict[str, tuple[str, bool]] = field(default_factory=dict)  # request -> id, used
    entries: list[dict[str, Any]] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)
    head_size: int = -1


def snapshot(url: str) -> Snapshot:
    """Requests, ballots, grants and the whole audit log at one moment."""
    snap = Snapshot()
    with psycopg.connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for rid, status, required in conn.execute(
            "SELECT id, status, required_approvals FROM requests"
        ):
            snap.requests[rid] = (status, required)
            snap.ballots[rid] = []
        for rid, voter, approve in conn.execute(
            "SELECT request_id, voter, approve FROM votes ORDER BY id"
        ):
            snap.ballots.setdefault(rid, []).append((voter, bool(approve)))
        for gid, rid, used_at in conn.execute("SELECT id, request_id, used_at FROM grants"):
            snap.grants[rid] = (gid, used_at is not None)
        for idx, entry in conn.execute("SELECT idx, entry FROM audit_entries ORDER BY idx"):
            snap.indices.append(idx)
            snap.entries.append(json.loads(bytes(entry)))
        row = conn.execute("SELECT size FROM audit_head").fetchone()
        snap.head_size = row[0] if row else -1
    return snap


def problems(url: str, ledger: Ledger | None = None) -> list[str]:
    """Every violated invariant in the database at ``url`` (and against ``ledger``)."""
    snap = snapshot(url)
    found = _audit_order(snap) + _quorums(snap) + _audit_matches(snap)
    if ledger is not None:
        found += _acknowledged(snap, ledger)
    return found


def _audit_order(snap: Snapshot) -> list[str]:
    n = len(snap.indices)
    found = []
    if snap.indices != list(range(n)):
        missing = sorted(set(range(max(snap.indices, default=-1) + 1)) - set(snap.indices))
        found.append(f"audit indices are not 0..{n - 1}: missing {missing[:10]}")
    if snap.head_size != n:
        found.append(f"audit head says {snap.head_size} entries, the table holds {n}")
    found += [
        f"audit entry at row {i} says index {e.get('index')}"
        for i, e in zip(snap.indices, snap.entries, strict=True)
        if e.get("index") != i
    ][:10]
    return found


def _quorums(snap: Snapshot) -> list[str]:
    found = []
    for rid, (status, required) in snap.requests.items():
        ballots = snap.ballots.get(rid, [])
        voters = [v for v, _ in ballots]
        approvals = sum(1 for _, a in ballots if a)
        denials = len(ballots) - approvals
        if len(voters) != len(set(voters)):
            found.append(f"{rid}: a voter counted twice: {sorted(voters)}")
        if status in ("approved", "executed", "failed"):
            ok = approvals == required and denials == 0
        elif status == "denied":
            ok = denials == 1 and approvals < required and not ballots[-1][1]
        elif status == "pending":
            ok = denials == 0 and approvals < required
        else:
            ok = False
        if not ok:
            found.append(f"{rid}: {status} with {approvals} approvals, {denials} denials")
        granted = status in ("approved", "executed", "failed")
        if granted != (rid in snap.grants):
            found.append(f"{rid}: {status} but grant row {'missing' if granted else 'present'}")
    return found


def _audit_matches(snap: Snapshot) -> list[str]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in snap.entries:
        by_kind[entry["kind"]].append(entry["body"])
    found = []
    cast = Counter((b["request"], b["voter"], b["vote"] == "approve") for b in by_kind["vote-cast"])
    stored = Counter((rid, v, a) for rid, bs in snap.ballots.items() for v, a in bs)
    if cast != stored:
        found.append(f"vote-cast entries differ from ballots: {_diff(cast, stored)}")
    found += _once_each(by_kind["request-created"], set(snap.requests), "request-created")
    for status in ("approved", "denied"):
        have = {rid for rid, (s, _) in snap.requests.items() if _reached(s, status)}
        found += _once_each(by_kind[f"request-{status}"], have, f"request-{status}")
    found += _once_each(by_kind["grant-issued"], set(snap.grants), "grant-issued")
    used = {rid for rid, (_, u) in snap.grants.items() if u}
    found += _once_each(by_kind["grant-used"], used, "grant-used")
    issued = {b["request"]: b["grant"] for b in by_kind["grant-issued"]}
    found += [
        f"{rid}: grant {gid} audited as {issued.get(rid)}"
        for rid, (gid, _) in snap.grants.items()
        if issued.get(rid) != gid
    ]
    return found


def _reached(status: str, wanted: str) -> bool:
    """Whether a request now ``status`` went through ``wanted`` on the way."""
    if wanted == "approved":
        return status in ("approved", "executed", "failed")
    return status == wanted


def _once_each(bodies: list[dict[str, Any]], expected: set[str], kind: str) -> list[str]:
    seen = Counter(b["request"] for b in bodies)
    if seen == Counter(expected):
        return []
    return [f"{kind} entries differ from the tables: {_diff(seen, Counter(expected))}"]


def _diff(audited: Counter[Any], stored: Counter[Any]) -> str:
    extra = list((audited - stored).items())[:5]
    missing = list((stored - audited).items())[:5]
    return f"only in the log {extra}, only in the tables {missing}"


def _acknowledged(snap: Snapshot, ledger: Ledger) -> list[str]:
    found = [
        f"{rid}: submission answered but not stored"
        for rid in ledger.submitted
        if rid not in snap.requests
    ]
    stored = {(rid, v): a for rid, bs in snap.ballots.items() for v, a in bs}
    found += [
        f"{rid}: {voter}'s ballot was answered 200 but is not stored as cast"
        for (rid, voter), approve in ledger.votes.items()
        if stored.get((rid, voter)) != approve
    ]
    for rid, count in ledger.grants_ok.items():
        if count > 1:
            found.append(f"{rid}: grant use answered ok {count} times (double execution)")
        if not snap.grants.get(rid, ("", False))[1]:
            found.append(f"{rid}: grant use answered ok but the grant is not marked used")
    return found

"""Cross-check the approvals tables against their seals and against the audit log.

``interlock audit verify`` proves the log itself; this proves that the live tables a
decision is taken from say what the log says. Two independent checks, because an
intruder with write access to the database may have edited either:

* **seals** (``seal.py``): every request, ballot and grant row must carry its own
  seal. Only done when this process holds the seal key; verifying never creates one.
* **the log**: replaying the log's ``request-*``, ``vote-cast`` and ``grant-*``
  entries gives each request's status, its ballots and whether its grant was issued
  and used. A row restored to an earlier, correctly sealed state (a used grant made
  unused again) passes its seal but disagrees with the log here.

Each problem is one line naming the table, the row and what disagrees.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from interlock.approvals.seal import Sealer, default_sealer, seal_key_path
from interlock.audit import log
from interlock.errors import TamperError
from interlock.store.records import grants, requests, votes

#: Entry kinds that change what this module compares (a cheap filter before parsing).
_MARKERS = (b'"kind":"request-', b'"kind":"vote-cast"', b'"kind":"grant-')


@dataclass
class _Expected:
    """What the log says about one request."""

    status: str | None = None
    ballots: dict[str, str] = field(default_factory=dict)
    grant: str | None = None
    used: bool = False


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """What was compared and every disagreement found."""

    requests: int
    ballots: int
    grants: int
    sealed: bool
    problems: tuple[str, ...]


def check_tables(conn: Connection, *, sealer: Sealer | None = None) -> IntegrityReport:
    """Compare every request, ballot and grant with its seal and with the audit log.

    ``sealer`` defaults to the configured seal key if its file exists (seals are then
    checked) and to none otherwise (only the log comparison runs).
    """
    if sealer is None and Path(seal_key_path()).exists():
        sealer = default_sealer()
    expected = _replay(conn)
    problems: list[str] = []
    request_rows = list(conn.execute(select(requests).order_by(requests.c.id)))
    for r in request_rows:
        m = r._mapping
        problems += _sealed(sealer, "requests", m, f"request {r.id}")
        want = expected.get(r.id)
        if want is None or want.status is None:
            problems.append(f"request {r.id}: no request-created entry in the audit log")
        elif want.status != r.status:
            said = f"status is {r.status}, the audit log says {want.status}"
            problems.append(f"request {r.id}: {said}")
    vote_rows = list(conn.execute(select(votes).order_by(votes.c.id)))
    seen: set[tuple[str, str]] = set()
    for v in vote_rows:
        m = v._mapping
        what = f"ballot of {v.voter} on {v.request_id}"
        problems += _sealed(sealer, "votes", m, what)
        logged = expected.get(v.request_id, _Expected()).ballots.get(v.voter)
        cast = "approve" if v.approve else "deny"
        if logged is None:
            problems.append(f"{what}: no vote-cast entry in the audit log")
        elif logged != cast:
            problems.append(f"{what}: the row says {cast}, the audit log says {logged}")
        seen.add((v.request_id, v.voter))
    for request_id, want in sorted(expected.items()):
        for voter in sorted(set(want.ballots) - {v for r, v in seen if r == request_id}):
            problems.append(f"ballot of {voter} on {request_id}: logged but missing from votes")
    grant_rows = list(conn.execute(select(grants).order_by(grants.c.request_id)))
    granted = set()
    for g in grant_rows:
        m = g._mapping
        problems += _sealed(sealer, "grants", m, f"grant {g.id}")
        want = expected.get(g.request_id, _Expected())
        granted.add(g.request_id)
        if want.grant != g.id:
            problems.append(f"grant {g.id} of {g.request_id}: no grant-issued entry for it")
        elif want.used != (g.used_at is not None):
            said = "used" if want.used else "unused"
            problems.append(f"grant {g.id} of {g.request_id}: the audit log says it is {said}")
    for request_id, want in sorted(expected.items()):
        if want.grant is not None and request_id not in granted:
            problems.append(f"grant {want.grant} of {request_id}: logged but missing from grants")
    return IntegrityReport(
        len(request_rows), len(vote_rows), len(grant_rows), sealer is not None, tuple(problems)
    )


def _sealed(sealer: Sealer | None, table: str, row: Mapping[Any, Any], what: str) -> list[str]:
    if sealer is None:
        return []
    try:
        sealer.check(table, row, what=what)
    except TamperError as exc:
        return [exc.message]
    return []


def _replay(conn: Connection) -> dict[str, _Expected]:
    """Each request's state as the log's entries, in order, leave it."""
    expected: dict[str, _Expected] = {}
    for entry in _relevant(conn):
        kind, body = entry.get("kind"), entry.get("body")
        if not isinstance(body, dict) or not isinstance(body.get("request"), str):
            continue
        state = expected.setdefault(body["request"], _Expected())
        if kind == "request-created":
            state.status = str(body.get("status"))
        elif isinstance(kind, str) and kind.startswith("request-") and "to" in body:
            state.status = str(body["to"])
        elif kind == "vote-cast":
            state.ballots[str(body.get("voter"))] = str(body.get("vote"))
        elif kind == "grant-issued":
            state.grant = str(body.get("grant"))
        elif kind == "grant-used":
            state.used = True
    return expected


def _relevant(conn: Connection) -> Iterable[dict[str, object]]:
    for _, entries, _ in log.iter_rows(conn):
        for raw in entries:
            if any(marker in raw for marker in _MARKERS):
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    continue  # a damaged entry: the log verification names it
                if isinstance(parsed, dict):
                    yield parsed

"""A request's audit trail, each entry with its RFC 6962 inclusion proof.

The request page shows every audit entry that names the request (``request-created``,
``vote-cast``, ``vote-refused``, ``request-approved``, ``grant-used`` ...), and for
each the proof that it is leaf ``index`` of the Merkle tree whose root a signed
checkpoint commits to (RFC 6962 §2.1.1; the checkpoint is a C2SP signed note, see
``interlock.audit.checkpoint``). The tree is built once per page from the stored leaf
hashes and every proof is checked with ``merkle.verify_inclusion`` before it is
shown: a proof that does not verify is shown as failing, never as fine.

Entries are found by the request id inside their canonical JSON body, then parsed
and matched exactly. That is a scan of the log's entries; it is fine for the
thousands of entries a team produces in months and is the first thing to index
when a log grows past that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, LargeBinary, func, literal, select

from interlock.audit import log
from interlock.audit.merkle import MerkleTree, leaf_hash, verify_inclusion
from interlock.audit.proofs import latest_checkpoint
from interlock.store.schema import audit_entries

#: Most entries one request's trail shows (a request has a handful in practice).
MAX_TRAIL = 200


@dataclass(frozen=True, slots=True)
class TrailEntry:
    """One audit entry of the request, with its inclusion proof."""

    index: int
    kind: str
    actor: str | None
    time: str
    body: str
    leaf_hash: str
    path: tuple[str, ...]
    verified: bool


@dataclass(frozen=True, slots=True)
class Trail:
    """The request's entries and the tree (size, root, checkpoint) they are proven in."""

    entries: tuple[TrailEntry, ...]
    size: int
    root: str
    checkpoint: str | None

    @property
    def all_verified(self) -> bool:
        """Whether every entry's inclusion proof checks against ``root``."""
        return all(e.verified for e in self.entries)


def request_trail(conn: Connection, request_id: str) -> Trail:
    """Every audit entry naming ``request_id``, proven against the latest checkpoint."""
    found = _entries_of(conn, request_id)
    if not found:
        return Trail((), 0, "", None)
    last = max(index for index, _ in found)
    checkpoint = latest_checkpoint(conn, last + 1)
    size = checkpoint[0] if checkpoint else log.head(conn).size
    tree = MerkleTree(log.leaf_hashes(conn, size))
    root = tree.root()
    entries = tuple(_proven(tree, root, size, index, raw) for index, raw in found)
    return Trail(entries, size, root.hex(), checkpoint[1] if checkpoint else None)


def _entries_of(conn: Connection, request_id: str) -> list[tuple[int, bytes]]:
    needle = f'"request":{json.dumps(request_id)}'.encode()
    entry = audit_entries.c.entry
    # SQLite's LIKE does not match BLOB against BLOB; instr() does. PostgreSQL has
    # bytea LIKE bytea.
    matches = (
        func.instr(entry, literal(needle, LargeBinary)) > 0
        if conn.dialect.name == "sqlite"
        else entry.like(literal(b"%" + needle + b"%", LargeBinary))
    )
    query = select(audit_entries.c.idx, entry).where(matches).order_by(audit_entries.c.idx)
    found: list[tuple[int, bytes]] = []
    for idx, entry in conn.execute(query):
        raw = bytes(entry)
        if _body_of(raw).get("request") == request_id:
            found.append((int(idx), raw))
    return found[:MAX_TRAIL]


def _body_of(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    body = parsed.get("body") if isinstance(parsed, dict) else None
    return body if isinstance(body, dict) else {}


def _proven(tree: MerkleTree, root: bytes, size: int, index: int, raw: bytes) -> TrailEntry:
    parsed = json.loads(raw)
    leaf = leaf_hash(raw)
    path = tree.inclusion_proof(index, size) if index < size else []
    verified = index < size and verify_inclusion(index, size, leaf, path, root)
    return TrailEntry(
        index=index,
        kind=str(parsed.get("kind", "")),
        actor=parsed.get("actor"),
        time=str(parsed.get("time", "")),
        body=json.dumps(parsed.get("body"), indent=1, sort_keys=True, ensure_ascii=False),
        leaf_hash=leaf.hex(),
        path=tuple(p.hex() for p in path),
        verified=verified,
    )

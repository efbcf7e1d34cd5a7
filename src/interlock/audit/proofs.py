"""Inclusion and consistency proofs served from the store (RFC 6962 §2.1.1, §2.1.2).

Proofs are computed from the stored leaf hashes of the tree size asked for (by
default the latest signed checkpoint, so the proof can be checked against a root
someone signed) and checked with the RFC 9162 verification algorithms before they are
returned: interlock never hands out a proof it could not verify itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from interlock.audit import log
from interlock.audit.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from interlock.errors import AuditError, NotFoundError
from interlock.store.schema import audit_checkpoints


@dataclass(frozen=True)
class InclusionProof:
    """Entry ``index`` is leaf ``index`` of the tree of ``size`` with ``root``."""

    index: int
    size: int
    entry: bytes
    leaf_hash: bytes
    root: bytes
    path: list[bytes]
    checkpoint: str | None


@dataclass(frozen=True)
class ConsistencyProof:
    """The tree of ``old`` entries is a prefix of the tree of ``new`` entries."""

    old: int
    new: int
    old_root: bytes
    new_root: bytes
    path: list[bytes]


def latest_checkpoint(conn: Connection, at_least: int = 0) -> tuple[int, str] | None:
    """(size, note) of the newest checkpoint covering ``at_least`` entries, if any."""
    row = conn.execute(
        select(audit_checkpoints.c.size, audit_checkpoints.c.note)
        .where(audit_checkpoints.c.size >= at_least)
        .order_by(audit_checkpoints.c.size.desc(), audit_checkpoints.c.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (int(row.size), str(row.note))


def prove_inclusion(conn: Connection, index: int, size: int | None = None) -> InclusionProof:
    """The inclusion proof of entry ``index`` (in the latest checkpoint, else the head)."""
    checkpoint = latest_checkpoint(conn, index + 1) if size is None else None
    if size is None:
        size = checkpoint[0] if checkpoint else log.head(conn).size
    if not 0 <= index < size:
        raise NotFoundError(f"no audit entry {index} in a log of {size} entries")
    tree = MerkleTree(log.leaf_hashes(conn, size))
    entry = log.read_entry(conn, index)
    leaf = leaf_hash(entry)
    root, path = tree.root(), tree.inclusion_proof(index)
    if not verify_inclusion(index, size, leaf, path, root):
        raise AuditError(f"entry {index} does not match its stored leaf hash; run audit verify")
    note = checkpoint[1] if checkpoint else None
    return InclusionProof(index, size, entry, leaf, root, path, note)


def prove_consistency(conn: Connection, old: int, new: int) -> ConsistencyProof:
    """The consistency proof between the trees of ``old`` and ``new`` entries."""
    size = log.head(conn).size
    if not 0 <= old <= new <= size:
        raise NotFoundError(f"no consistency proof from {old} to {new} in a log of {size}")
    tree = MerkleTree(log.leaf_hashes(conn, new))
    path = tree.consistency_proof(old, new)
    old_root, new_root = tree.root(old), tree.root(new)
    if not verify_consistency(old, new, old_root, new_root, path):
        raise AuditError("computed consistency proof does not verify; run audit verify")
    return ConsistencyProof(old, new, old_root, new_root, path)

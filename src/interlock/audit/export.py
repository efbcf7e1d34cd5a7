"""Export the audit log as JSON lines that ``offline_verify.py`` checks on its own.

The format is described in ``offline_verify.py``: a header (origin, size, root, the
published verifier keys), every signed checkpoint, then one line per entry holding its
canonical JSON text and stored leaf hash. Each line is itself canonical JSON, so the
file has exactly one valid spelling and any changed byte is caught. The export is read
in one transaction, so it is a consistent snapshot even while appends go on.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.engine import Connection

from interlock.audit import log
from interlock.audit.keys import DEFAULT_NAME
from interlock.audit.offline_verify import FORMAT, VERSION, canonical_line
from interlock.errors import AuditError
from interlock.store.schema import audit_checkpoints


def export_log(
    conn: Connection,
    out: TextIO,
    verifier_keys: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the log to ``out``; return the number of entries written."""
    head = log.head(conn)
    notes = [
        row.note
        for row in conn.execute(
            select(audit_checkpoints.c.note, audit_checkpoints.c.size)
            .where(audit_checkpoints.c.size <= head.size)
            .order_by(audit_checkpoints.c.id)
        )
    ]
    origin = _origin(notes)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "origin": origin,
        "size": head.size,
        "root": base64.b64encode(head.root).decode(),
        "verifier_keys": list(verifier_keys),
    }
    out.write(canonical_line(header) + "\n")
    for note in notes:
        out.write(canonical_line({"checkpoint": note}) + "\n")
    written = 0
    for _, entries, hashes in log.iter_rows(conn):
        for entry, leaf in zip(entries, hashes, strict=True):
            if written >= head.size:
                break
            line = {"entry": entry.decode("utf-8"), "leaf_hash": leaf.hex()}
            out.write(canonical_line(line) + "\n")
            written += 1
        if progress:
            progress(written, head.size)
    if written != head.size:
        raise AuditError(f"the log holds {written} entries, its head says {head.size}")
    return written


def _origin(notes: Sequence[str]) -> str:
    origins = {note.split("\n", 1)[0] for note in notes}
    if len(origins) > 1:
        raise AuditError(f"checkpoints name several logs: {sorted(origins)}")
    return origins.pop() if origins else DEFAULT_NAME

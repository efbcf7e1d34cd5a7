"""Signed checkpoints of the audit log, in the C2SP formats transparency logs use.

A checkpoint (c2sp.org/tlog-checkpoint) is the text::

    <origin>\\n<tree size, decimal>\\n<base64 root hash>\\n

signed as a note (c2sp.org/signed-note): the text, a blank line, then one line per
signature, ``— <key name> <base64(4-byte key id || Ed25519 signature of the text)>``.
Any tool that reads those formats (and holds the verifier key from ``keys.py``) can
check or cosign interlock's checkpoints.

A :class:`Checkpointer` writes one in the append's own transaction when the log has
grown by ``every_entries`` since the last checkpoint or ``every_seconds`` have passed
(and it has grown at all). Parsing and verification live in ``offline_verify.py``, the
dependency-free verifier, which every part of interlock that verifies uses.
"""

from __future__ import annotations

import base64
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from interlock.audit.keys import Signer, key_path, load_signer
from interlock.errors import AuditError
from interlock.store.schema import HEAD_ID, audit_checkpoints, audit_head

#: The dash that opens a signature line (U+2014 EM DASH, then a space).
SIGNATURE_PREFIX = "\u2014 "

DEFAULT_EVERY_ENTRIES = 1000
DEFAULT_EVERY_SECONDS = 60.0


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    """The unsigned checkpoint body."""
    if "\n" in origin or not origin:
        raise AuditError("checkpoint origin must be one non-empty line")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_note(text: str, signer: Signer) -> str:
    """``text`` as a signed note with one signature by ``signer``."""
    if not text.endswith("\n"):
        raise AuditError("note text must end with a newline")
    signature = signer.sign(text.encode("utf-8"))
    encoded = base64.b64encode(signer.key_id + signature).decode()
    return f"{text}\n{SIGNATURE_PREFIX}{signer.name} {encoded}\n"


@dataclass(frozen=True)
class Checkpointer:
    """Signs checkpoints with ``signer`` every ``every_entries`` or ``every_seconds``."""

    signer: Signer
    every_entries: int = DEFAULT_EVERY_ENTRIES
    every_seconds: float = DEFAULT_EVERY_SECONDS

    @property
    def origin(self) -> str:
        """The log's origin line: the key's name."""
        return self.signer.name

    def due(self, size: int, last_size: int, last_at: float, now: float) -> bool:
        """Whether a log of ``size`` entries needs a new checkpoint."""
        if size <= last_size:
            return False
        return size - last_size >= self.every_entries or now - last_at >= self.every_seconds

    def write(self, conn: Connection, size: int, root: bytes, now: float) -> str:
        """Sign and store the checkpoint for ``size``/``root``; return the note."""
        note = sign_note(checkpoint_text(self.origin, size, root), self.signer)
        conn.execute(
            insert(audit_checkpoints),
            {"size": size, "root_hash": root, "created_at": now, "note": note},
        )
        conn.execute(
            update(audit_head)
            .where(audit_head.c.id == HEAD_ID)
            .values(checkpoint_size=size, checkpoint_at=now)
        )
        return note


_lock = threading.Lock()
_cache: dict[tuple[str, int], Checkpointer] = {}


def default_checkpointer() -> Checkpointer | None:
    """The checkpointer for the configured signing key, or None without a key file.

    The key file is ``INTERLOCK_AUDIT_KEY`` or ``.interlock/audit.key``; the cadence is
    ``INTERLOCK_AUDIT_CHECKPOINT_ENTRIES`` / ``..._SECONDS``. A key file that exists
    but cannot be used is an error (the append, and its state change, fail).
    """
    path = key_path()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AuditError(f"cannot read signing key {path}: {exc.strerror}") from exc
    key = (str(Path(path).resolve()), mtime)
    with _lock:
        if key not in _cache:
            _cache.clear()
            _cache[key] = Checkpointer(
                load_signer(path),
                every_entries=_env_number("INTERLOCK_AUDIT_CHECKPOINT_ENTRIES", 1000),
                every_seconds=float(_env_number("INTERLOCK_AUDIT_CHECKPOINT_SECONDS", 60)),
            )
        return _cache[key]


def _env_number(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise AuditError(f"{name} must be a positive integer, not {raw!r}")
    return int(raw)

"""Seals on the rows that decide: requests, votes and grants carry an HMAC of themselves.

The audit log proves what happened, but a decision is taken from the live tables: a
request's status, its ballots, its grant's ``used_at``. Someone with write access to
the database could flip a status to ``approved``, insert a ballot or clear a used
grant without touching the log. So every such row carries ``seal`` =
``KEYID:HMAC-SHA256(key, table and column values)``, written by interlock with each
change and checked whenever the row is read to take a decision; a row that fails is a
:class:`~interlock.errors.TamperError` and the request is refused.

The key lives outside the database: ``INTERLOCK_SEAL_KEY`` names its file, else
``.interlock/seal.key`` (created on first use, mode 0600). Every gateway process on
one store must use the same file; the key id in each seal lets a mismatch be reported
as exactly that instead of as tampering. What a seal cannot see is a row restored to
an earlier sealed state: for the one that matters most, a used grant made unused
again, a grant use also looks for an earlier ``grant-used`` entry in the log
(``grants.py``); ``interlock audit verify`` cross-checks every table against the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from interlock.errors import AuditError, TamperError
from interlock.identity.clock import aware
from interlock.store.database import tx_state

#: Columns each sealed table binds, in a fixed order (everything but ids the database
#: assigns and the seal itself).
SEALED: Mapping[str, tuple[str, ...]] = {
    "requests": (
        "id",
        "status",
        "verdict",
        "kind",
        "digest",
        "digest_document",
        "required_approvals",
        "approver_groups",
        "requester_human",
        "requester_agent",
        "requester_token",
        "environments",
        "summary",
        "task",
        "rationale",
        "detail",
        "break_glass",
        "created_at",
        "expires_at",
        "updated_at",
        "status_reason",
    ),
    "votes": (
        "request_id",
        "voter",
        "voter_kind",
        "voter_groups",
        "token_id",
        "channel",
        "approve",
        "comment",
        "cast_at",
    ),
    "grants": (
        "id",
        "request_id",
        "digest",
        "issued_at",
        "expires_at",
        "used_at",
        "used_by",
        "issued_size",
    ),
}

SEAL_FILE = "seal.key"
_KEY_BYTES = 32


class Sealer:
    """Seals and checks rows with one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < _KEY_BYTES:
            raise AuditError("the seal key is too short (32 bytes or more)")
        self._key = key
        self.key_id = hmac.new(key, b"interlock seal key id", hashlib.sha256).hexdigest()[:8]

    def seal(self, table: str, row: Mapping[Any, Any]) -> str:
        """The seal of ``row`` (the columns as stored) in ``table``."""
        mac = hmac.new(self._key, _message(table, row), hashlib.sha256).hexdigest()
        return f"{self.key_id}:{mac}"

    def check(self, table: str, row: Mapping[Any, Any], *, what: str) -> None:
        """Raise :class:`TamperError` unless ``row`` carries its own seal."""
        stored = row.get("seal")
        if not isinstance(stored, str) or ":" not in stored:
            raise TamperError(
                f"{what} has no seal: it was written outside interlock",
                hint="run 'interlock audit verify' and restore the store from a backup",
            )
        key_id = stored.split(":", 1)[0]
        if key_id != self.key_id:
            raise TamperError(
                f"{what} is sealed with key {key_id}, but this gateway holds key {self.key_id}",
                hint="every gateway process on one store must use the same INTERLOCK_SEAL_KEY",
            )
        if not hmac.compare_digest(stored, self.seal(table, row)):
            raise TamperError(
                f"{what} was changed outside interlock: its seal does not match",
                hint="run 'interlock audit verify' and restore the store from a backup",
            )


#: The encoder of sealed messages, made once: ``json.dumps`` with options builds one on
#: every call, and every ballot seals and checks several rows.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _message(table: str, row: Mapping[Any, Any]) -> bytes:
    get = row.get
    values = [_plain(get(column)) for column in SEALED[table]]
    return _ENCODE([table, values]).encode()


def _plain(value: object) -> object:
    """One stored value as both dialects read it back (datetimes in UTC, booleans 0/1)."""
    kind = type(value)
    if kind is str or value is None or kind is int:  # most columns: as they are
        return value
    if isinstance(value, datetime):
        return aware(value).isoformat(timespec="microseconds")
    if isinstance(value, bool):
        return int(value)
    return value


def seal_key_path() -> Path:
    """``INTERLOCK_SEAL_KEY``, else ``.interlock/seal.key`` under the working directory."""
    configured = os.environ.get("INTERLOCK_SEAL_KEY")
    return Path(os.path.abspath(configured or os.path.join(".interlock", SEAL_FILE)))


_lock = threading.Lock()
_cache: dict[Path, Sealer] = {}


_by_setting: dict[tuple[str | None, str], Sealer] = {}


def default_sealer() -> Sealer:
    """The sealer of :func:`seal_key_path`, creating the key file if there is none.

    Every sealed write and check asks, so the answer is remembered per setting (the
    variable, and the working directory a relative path depends on): resolving the
    path costs more than the HMAC.
    """
    configured = os.environ.get("INTERLOCK_SEAL_KEY")
    relative = not (configured and os.path.isabs(configured))
    setting = (configured, os.getcwd() if relative else "")
    sealer = _by_setting.get(setting)
    if sealer is not None:
        return sealer
    path = seal_key_path()
    with _lock:
        sealer = _cache.get(path) or Sealer(_read_or_create(path))
        _cache[path] = sealer
        _by_setting[setting] = sealer
    return sealer


#: The transaction-state key of the sealer a transaction resolved.
_TX_SEALER = "seal.sealer"


def sealer_for(conn: Connection) -> Sealer:
    """:func:`default_sealer`, resolved once per transaction of ``conn``.

    A submission seals two rows and a group commit's batch many more; resolving the key
    path asks the operating system for the working directory each time.
    """
    state = tx_state(conn)
    sealer = state.get(_TX_SEALER)
    if not isinstance(sealer, Sealer):
        sealer = state[_TX_SEALER] = default_sealer()
    return sealer


def _read_or_create(path: Path) -> bytes:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _read(path)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(_KEY_BYTES) + "\n")
            out.flush()
            os.fsync(out.fileno())
        return _read(path)
    except OSError as exc:
        raise AuditError(f"cannot use the seal key {path}: {exc.strerror}") from exc


def _read(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & 0o077:
        raise AuditError(f"{path} is readable by others (mode {mode & 0o777:o}); chmod 600")
    text = path.read_text(encoding="ascii").strip()
    for _ in range(100):  # another process created it a moment ago and is still writing
        if text:
            break
        time.sleep(0.01)
        text = path.read_text(encoding="ascii").strip()
    try:
        return bytes.fromhex(text)
    except ValueError as exc:
        raise AuditError(f"{path} does not hold a hex seal key") from exc

"""Ed25519 checkpoint keys: their text forms, their files, generation and rotation.

Key text forms are those of the C2SP signed-note specification (c2sp.org/signed-note)
and Go's ``golang.org/x/mod/sumdb/note``, so other transparency-log tools accept them:

* key id: the first 4 bytes of ``SHA-256(name || 0x0A || 0x01 || public key)``;
* verifier key: ``<name>+<8 hex digits of key id>+<base64(0x01 || public key)>``;
* signer key: ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || 32-byte seed)>``.

The name is the log's origin (``interlock.local/audit`` unless chosen): a key rotation
keeps the name and changes the key id. Files, by default under ``.interlock/``:
``audit.key`` holds the current signer key (mode 0600, written atomically) and
``audit.pub`` every verifier key ever used, oldest first, so checkpoints signed before
a rotation still verify. ``INTERLOCK_AUDIT_KEY`` names another signer key file.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from interlock.errors import AuditError, InputError

#: The signature algorithm byte for Ed25519 in signed-note keys.
ALG_ED25519 = 0x01

DEFAULT_NAME = "interlock.local/audit"
DEFAULT_DIR = Path(".interlock")
KEY_FILE = "audit.key"
PUB_FILE = "audit.pub"

_NAME_RE = re.compile(r"[^\s+]+\Z")


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte signed-note key id of an Ed25519 public key."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def check_name(name: str) -> str:
    """A key name is non-empty and has no whitespace or ``+``."""
    if not _NAME_RE.match(name):
        raise InputError(f"invalid key name {name!r}: no spaces or '+' allowed")
    return name


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 signing key."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        """The 4-byte key id."""
        return key_id(self.name, self.public_key)

    def verifier_key(self) -> str:
        """The public verifier key string, safe to publish."""
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def signer_key(self) -> str:
        """The private signer key string: keep it secret."""
        seed = self.private_key.private_bytes_raw()
        encoded = base64.b64encode(bytes([ALG_ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{encoded}"

    def sign(self, message: bytes) -> bytes:
        """The raw Ed25519 signature of ``message``."""
        return self.private_key.sign(message)


def generate(name: str = DEFAULT_NAME) -> Signer:
    """A new random signing key."""
    return Signer(check_name(name), Ed25519PrivateKey.generate())


def parse_signer_key(text: str) -> Signer:
    """Parse a ``PRIVATE+KEY+...`` string, checking its key id."""
    parts = text.strip().split("+", 4)  # base64 may itself contain '+'
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise AuditError("not a signer key (expected PRIVATE+KEY+name+id+key)")
    _, _, name, hex_id, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise AuditError("signer key is not valid base64") from exc
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise AuditError("signer key is not an Ed25519 key")
    signer = Signer(check_name(name), Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if signer.key_id.hex() != hex_id.lower():
        raise AuditError("signer key id does not match the key")
    return signer


def parse_verifier_key(text: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """Parse ``name+id+base64`` into (name, key id, public key), checking the id."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise AuditError(f"not a verifier key: {text.strip()!r}")
    name, hex_id, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
        kid = bytes.fromhex(hex_id)
    except ValueError as exc:
        raise AuditError(f"malformed verifier key: {text.strip()!r}") from exc
    if len(raw) != 33 or raw[0] != ALG_ED25519 or key_id(name, raw[1:]) != kid:
        raise AuditError(f"verifier key is not a valid Ed25519 key: {text.strip()!r}")
    return name, kid, Ed25519PublicKey.from_public_bytes(raw[1:])


def key_path(directory: Path | None = None) -> Path:
    """The signer key file: ``INTERLOCK_AUDIT_KEY`` or ``<dir>/audit.key``."""
    if directory is None and os.environ.get("INTERLOCK_AUDIT_KEY"):
        return Path(os.environ["INTERLOCK_AUDIT_KEY"])
    return (directory or DEFAULT_DIR) / KEY_FILE


def load_signer(path: Path) -> Signer:
    """Read a signer key file, refusing one that others can read."""
    try:
        mode = path.stat().st_mode
        if mode & 0o077:
            raise AuditError(f"{path} is readable by others (mode {mode & 0o777:o}); chmod 600")
        return parse_signer_key(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuditError(f"cannot read signing key {path}: {exc.strerror}") from exc


def read_verifier_keys(path: Path) -> list[str]:
    """The verifier key lines of a ``audit.pub`` file (missing file: none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise AuditError(f"cannot read {path}: {exc.strerror}") from exc
    return [line.strip() for line in text.splitlines() if line.strip()]


def write_signer(path: Path, signer: Signer, *, replace: bool) -> None:
    """Write the signer key with mode 0600 (atomically when replacing)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = (signer.signer_key() + "\n").encode()
    if not replace:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise InputError(f"{path} exists", hint="use 'interlock keys rotate'") from exc
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def add_verifier_key(path: Path, signer: Signer) -> None:
    """Append the signer's verifier key to the published list."""
    with path.open("a", encoding="utf-8") as out:
        out.write(signer.verifier_key() + "\n")

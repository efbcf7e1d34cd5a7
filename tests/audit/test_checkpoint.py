"""Signed notes, checkpoints and keys, against the Go sumdb/note reference vector."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from pathlib import Path

import pytest

from interlock.audit import keys
from interlock.audit.checkpoint import Checkpointer, checkpoint_text, sign_note
from interlock.audit.offline_verify import (
    VerifyError,
    open_note,
    parse_checkpoint,
)
from interlock.audit.offline_verify import (
    parse_verifier_key as offline_parse_key,
)
from interlock.errors import AuditError, InputError

#: The example of golang.org/x/mod/sumdb/note (also the signed-note spec's example).
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_go_signer_key_round_trips_and_signs_the_reference_note() -> None:
    signer = keys.parse_signer_key(GO_SIGNER)
    assert signer.signer_key() == GO_SIGNER
    assert signer.verifier_key() == GO_VERIFIER
    assert sign_note(GO_TEXT, signer) == GO_NOTE  # Ed25519 is deterministic


def test_key_id_is_the_spec_hash() -> None:
    signer = keys.parse_signer_key(GO_SIGNER)
    expected = hashlib.sha256(b"PeterNeumann\n\x01" + signer.public_key).digest()[:4]
    assert signer.key_id == expected == bytes.fromhex("c74f20a3")


def test_reference_note_opens_with_the_reference_key() -> None:
    key = offline_parse_key(GO_VERIFIER)
    assert open_note(GO_NOTE, [key]) == (GO_TEXT, (GO_VERIFIER,))


@pytest.mark.parametrize(
    "tampered",
    [
        GO_NOTE.replace("cryptography", "cryptographY"),
        GO_NOTE.replace("x08go", "x08gp"),
        GO_NOTE.replace("\u2014 ", "- "),
        GO_NOTE.replace("\n\n", "\n"),
        GO_NOTE.rstrip("\n"),
        GO_TEXT,
        GO_NOTE.replace("PeterNeumann x", "EnochRoot x"),
    ],
)
def test_tampered_notes_fail(tampered: str) -> None:
    with pytest.raises(VerifyError):
        open_note(tampered, [offline_parse_key(GO_VERIFIER)])


def test_note_signed_by_an_untrusted_key_fails() -> None:
    other = keys.generate("PeterNeumann")
    with pytest.raises(VerifyError, match="trusted"):
        open_note(sign_note(GO_TEXT, other), [offline_parse_key(GO_VERIFIER)])


@pytest.mark.parametrize(
    "bad",
    [
        GO_VERIFIER.replace("c74f20a3", "c74f20a4"),
        GO_VERIFIER.replace("ARpc", "AhpC"),
        "PeterNeumann+c74f20a3",
        "PeterNeumann+zz+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        GO_VERIFIER.replace("PeterNeumann", "PeterNeumanm"),
    ],
)
def test_bad_verifier_keys_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="key"):
        offline_parse_key(bad)
    with pytest.raises(AuditError):
        keys.parse_verifier_key(bad)


def test_checkpoint_format_and_parse() -> None:
    signer = keys.generate("example.com/log")
    root = hashlib.sha256(b"x").digest()
    text = checkpoint_text("example.com/log", 42, root)
    assert text == f"example.com/log\n42\n{base64.b64encode(root).decode()}\n"
    note = sign_note(text, signer)
    cp = parse_checkpoint(note, [offline_parse_key(signer.verifier_key())], "example.com/log")
    assert (cp.origin, cp.size, cp.root) == ("example.com/log", 42, root)
    with pytest.raises(VerifyError, match="origin"):
        parse_checkpoint(note, [offline_parse_key(signer.verifier_key())], "other/log")


@pytest.mark.parametrize(
    ("size", "last", "last_at", "now", "due"),
    [
        (1, 0, 0.0, 100.0, True),  # first entry ever: overdue by time
        (5, 0, 9.0, 10.0, False),
        (10, 0, 9.0, 10.0, True),  # every 10 entries
        (12, 10, 9.0, 70.0, True),  # 60 seconds passed
        (10, 10, 0.0, 1000.0, False),  # nothing new to sign
    ],
)
def test_checkpoint_cadence(size: int, last: int, last_at: float, now: float, due: bool) -> None:
    cp = Checkpointer(keys.generate(), every_entries=10, every_seconds=60)
    assert cp.due(size, last, last_at, now) is due


def test_key_files_are_private_and_rotation_keeps_old_keys(tmp_path: Path) -> None:
    path = tmp_path / "k" / keys.KEY_FILE
    first = keys.generate()
    keys.write_signer(path, first, replace=False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(InputError, match="exists"):
        keys.write_signer(path, keys.generate(), replace=False)
    second = keys.generate()
    keys.write_signer(path, second, replace=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.load_signer(path).verifier_key() == second.verifier_key()
    os.chmod(path, 0o644)
    with pytest.raises(AuditError, match="readable by others"):
        keys.load_signer(path)


@pytest.mark.parametrize("name", ["", "has space", "a+b", "tab\tname"])
def test_key_names_are_checked(name: str) -> None:
    with pytest.raises(InputError):
        keys.generate(name)

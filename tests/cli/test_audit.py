"""``interlock keys`` and ``interlock audit`` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from interlock.approvals.seal import seal_key_path
from interlock.audit.log import Event, append_many
from interlock.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from interlock.cli import main
from interlock.store import open_store


@pytest.fixture
def workdir(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory whose store is ``store_url`` and whose keys live in .interlock."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTERLOCK_DATABASE_URL", store_url)
    monkeypatch.delenv("INTERLOCK_AUDIT_KEY", raising=False)
    return tmp_path


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(argv) == 0
    value = json.loads(capsys.readouterr().out)
    assert isinstance(value, dict)
    return value


def _append(store_url: str, count: int) -> None:
    with open_store(store_url) as store, store.transaction() as conn:
        append_many(conn, [Event("tick", "alice", {"n": i}) for i in range(count)])


def test_keys_generate_show_and_refuse_overwrite(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "generate", "--name", "ci.example/audit"]) == 0
    key_file = workdir / ".interlock" / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    shown = _json(capsys, ["keys", "show", "--json"])
    assert shown["current"] == shown["verifier_keys"][0]  # type: ignore[index]
    assert str(shown["current"]).startswith("ci.example/audit+")
    assert main(["keys", "generate"]) == 2


def test_audit_verbs_end_to_end(
    workdir: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "generate"]) == 0
    _append(store_url, 9)  # the first append signs a checkpoint at size 9
    verified = _json(capsys, ["audit", "verify", "--json"])
    assert verified == {
        "ok": True,
        "size": 9,
        "root_hash": verified["root_hash"],
        "checkpoints": 1,
        "unsigned_tail": 0,
        "rows_checked": 0,  # no requests: the appended entries are plain events
        "seals_checked": seal_key_path().exists(),
    }
    proof = _json(capsys, ["audit", "prove", "4", "--json"])
    path = [base64.b64decode(h) for h in proof["inclusion_path"]]  # type: ignore[attr-defined]
    root = base64.b64decode(str(proof["root_hash"]))
    leaf = leaf_hash(str(proof["entry"]).encode())
    assert verify_inclusion(4, 9, leaf, path, root)
    assert base64.b64encode(root).decode() in str(proof["checkpoint"])

    _append(store_url, 5)
    cons = _json(capsys, ["audit", "consistency", "9", "14", "--json"])
    cpath = [base64.b64decode(h) for h in cons["consistency_path"]]  # type: ignore[attr-defined]
    old_root, new_root = (base64.b64decode(str(cons[k])) for k in ("old_root", "new_root"))
    assert old_root == root
    assert verify_consistency(9, 14, old_root, new_root, cpath)

    assert main(["audit", "checkpoint"]) == 0
    assert main(["audit", "export", "log.jsonl"]) == 0
    from_export = _json(capsys, ["audit", "verify", "--from-export", "log.jsonl", "--json"])
    assert from_export["size"] == 14


def test_rotation_keeps_old_checkpoints_valid(
    workdir: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "generate"]) == 0
    _append(store_url, 3)
    assert main(["keys", "rotate"]) == 0
    _append(store_url, 3)
    assert main(["audit", "checkpoint"]) == 0
    verified = _json(capsys, ["audit", "verify", "--json"])
    assert (verified["size"], verified["checkpoints"]) == (7, 3)
    shown = _json(capsys, ["keys", "show", "--json"])
    assert len(shown["verifier_keys"]) == 2  # type: ignore[arg-type]
    proof = _json(capsys, ["audit", "prove", "3", "--json"])
    assert json.loads(str(proof["entry"]))["kind"] == "audit-key-rotated"


def test_verify_names_the_tampered_entry(
    workdir: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "generate"]) == 0
    _append(store_url, 6)
    with open_store(store_url) as store, store.transaction() as conn:
        conn.exec_driver_sql("DELETE FROM audit_entries WHERE idx = 2")
    capsys.readouterr()
    assert main(["audit", "verify"]) == 7
    err = capsys.readouterr().err
    assert "(deleted)" in err
    assert "entry 2" in err


@pytest.mark.parametrize(
    "argv",
    [["audit", "prove", "99"], ["audit", "consistency", "5", "2"]],
)
def test_impossible_proofs_are_refused(workdir: Path, store_url: str, argv: list[str]) -> None:
    _append(store_url, 3)
    assert main(argv) == 5  # NotFoundError


def test_checkpoint_without_a_key_is_refused(workdir: Path) -> None:
    assert main(["audit", "checkpoint"]) == 2


def test_checkpoints_without_a_trusted_key_fail_closed(
    workdir: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "generate"]) == 0
    _append(store_url, 2)
    (workdir / ".interlock" / "audit.pub").unlink()
    capsys.readouterr()
    assert main(["audit", "verify"]) == 7
    assert "no verifier key is trusted" in capsys.readouterr().err


def test_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from interlock.cli import audit

    err = io.StringIO()
    err.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", err)
    show = audit._progress()
    assert show is not None
    show(50_000, 200_000)
    show(10, 20)  # small logs draw nothing
    assert err.getvalue().count("verifying [") == 1
    assert "50000/200000" in err.getvalue()

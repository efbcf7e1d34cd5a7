"""The standalone verifier runs with only the standard library and ``cryptography``."""

from __future__ import annotations

import ast
import io
import os
import subprocess
import sys
from pathlib import Path

import cryptography
import pytest

import interlock.audit.offline_verify as offline
from interlock.audit import keys
from interlock.audit.checkpoint import Checkpointer
from interlock.audit.export import export_log
from interlock.audit.log import Event, append_many
from interlock.store import Store

SCRIPT = Path(offline.__file__)
STDLIB_OK = set(sys.stdlib_module_names) | {"cryptography", "__future__"}


def test_imports_only_stdlib_and_cryptography() -> None:
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or "").split(".")[0])
    assert roots <= STDLIB_OK, roots - STDLIB_OK


@pytest.fixture
def exported(store: Store, tmp_path: Path) -> tuple[Path, str]:
    signer = keys.generate("offline.example/audit")
    cp = Checkpointer(signer, every_entries=50, every_seconds=3600)
    for _ in range(3):
        with store.transaction() as conn:
            events = [Event("vote-cast", "bob", {"n": i, "note": "ünïcode ✓"}) for i in range(40)]
            append_many(conn, events, checkpointer=cp)
    out = io.StringIO()
    with store.transaction() as conn:
        export_log(conn, out, [signer.verifier_key()])
    path = tmp_path / "audit.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path, signer.verifier_key()


def _run_isolated(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a copy of the script with ``python -I -S``: no site hooks, so the editable
    install of interlock is invisible; only cryptography's directory is added."""
    copy = tmp_path / "offline_verify.py"
    copy.write_bytes(SCRIPT.read_bytes())
    site = str(Path(cryptography.__file__).parents[1])
    code = (
        "import sys; sys.path[:0] = [sys.argv.pop(1)];"
        "import importlib.util as u;"
        "assert u.find_spec('interlock') is None, 'interlock must not be importable';"
        "import runpy; sys.argv.pop(0); runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, site, str(copy), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )


def test_isolated_run_verifies_an_export(exported: tuple[Path, str], tmp_path: Path) -> None:
    path, key = exported
    result = _run_isolated(tmp_path, str(path), "--key", key)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 120 entries" in result.stdout
    assert "2 signed checkpoints verified" in result.stdout


def test_isolated_run_names_a_modified_entry(exported: tuple[Path, str], tmp_path: Path) -> None:
    path, key = exported
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first_entry = len(lines) - 120
    original = lines[first_entry + 77]
    lines[first_entry + 77] = original.replace("vote-cast", "vote-kast")
    assert lines[first_entry + 77] != original
    path.write_text("".join(lines), encoding="utf-8")
    result = _run_isolated(tmp_path, str(path), "--key", key)
    assert result.returncode == 1
    assert "FAIL (modified): entry 77" in result.stdout


def test_isolated_run_refuses_an_untrusted_key(exported: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = exported
    other = keys.generate("offline.example/audit").verifier_key()
    result = _run_isolated(tmp_path, str(path), "--key", other)
    assert result.returncode == 1
    assert "bad-signature" in result.stdout


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = _run_isolated(tmp_path, str(tmp_path / "absent.jsonl"))
    assert result.returncode == 2

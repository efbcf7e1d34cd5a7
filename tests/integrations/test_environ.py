"""The hook reads its settings without ``os``, and reads the same values as ``os`` would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import interlock
from interlock.integrations import environ

SRC = str(Path(interlock.__file__).resolve().parents[1])

#: Run in a bare interpreter (``-I -S``, as agents start the hook): the settings it
#: loads, the cache directory, and whether ``os`` was imported on the way.
PROBE = f"""
import json, sys
sys.path.insert(0, {SRC!r})
from interlock.integrations.answer import load_settings
from interlock.integrations.state import cache_dir
s = load_settings()
print(json.dumps({{"url": s.url, "token": s.token, "timeout": s.timeout,
                  "offline": s.offline, "cache": cache_dir(), "os": "os" in sys.modules}}))
"""


def _probe(env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE], env=env, capture_output=True, check=True
    )
    loaded: dict[str, object] = json.loads(done.stdout)
    return loaded


def test_bare_interpreter_reads_settings_without_importing_os(tmp_path: Path) -> None:
    (tmp_path / "cfg" / "interlock").mkdir(parents=True)
    (tmp_path / "cfg" / "interlock" / "hook.json").write_text('{"token": "from-file"}')
    env = {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "INTERLOCK_URL": "http://127.0.0.1:9/é",
        "INTERLOCK_HOOK_TIMEOUT": "3",
        "INTERLOCK_HOOK_OFFLINE": "yes",
    }
    found = _probe(env)
    assert found == {
        "url": "http://127.0.0.1:9/é",
        "token": "from-file",
        "timeout": 3.0,
        "offline": True,
        "cache": f"{tmp_path / 'home'}/.cache/interlock/hook",
        "os": False,
    }


def test_undecodable_variable_reads_as_os_would(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 come back with surrogate escapes, as ``os.environ`` has them."""
    env = {b"HOME": str(tmp_path).encode(), b"XDG_CACHE_HOME": b"/tmp/\xff-cache"}
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE], env=env, capture_output=True, check=True
    )
    assert json.loads(done.stdout)["cache"] == os.fsdecode(b"/tmp/\xff-cache") + "/interlock/hook"


def test_in_process_reads_follow_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``os`` loaded, later ``putenv`` changes are seen (``posix.environ`` is a snapshot)."""
    monkeypatch.setenv("INTERLOCK_ENVIRON_PROBE", "set-later")
    assert environ.getenv("INTERLOCK_ENVIRON_PROBE") == "set-later"
    monkeypatch.delenv("INTERLOCK_ENVIRON_PROBE")
    assert environ.getenv("INTERLOCK_ENVIRON_PROBE") is None


def test_home_falls_back_to_the_password_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOME", raising=False)
    assert environ.home() == os.path.expanduser("~")
    monkeypatch.setenv("HOME", "/srv/agent/")
    assert environ.home() == "/srv/agent"
    assert environ.user_dir("XDG_STATE_HOME_UNSET_PROBE", ".state") == "/srv/agent/.state"


def test_hook_runs_by_path_in_a_bare_interpreter(tmp_path: Path) -> None:
    """The documented start, ``python -I -S .../hook.py AGENT``, finds its package."""
    script = Path(SRC) / "interlock" / "integrations" / "hook.py"
    call = {"tool_name": "Read", "cwd": str(tmp_path), "tool_input": {"file_path": "x"}}
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(script), "claude-code"],
        input=json.dumps(call).encode(),
        env={"HOME": str(tmp_path)},
        capture_output=True,
        check=True,
        cwd=tmp_path,
    )
    assert json.loads(done.stdout)["hookSpecificOutput"]["permissionDecision"] == "allow"


def test_hook_that_cannot_import_its_work_blocks(tmp_path: Path) -> None:
    """A copy of the start with no package beside it: exit 2, never a silent pass."""
    lone = tmp_path / "a" / "b" / "c" / "hook.py"
    lone.parent.mkdir(parents=True)
    lone.write_text((Path(SRC) / "interlock" / "integrations" / "hook.py").read_text())
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(lone), "claude-code"],
        input=b"{}",
        env={"HOME": str(tmp_path)},
        capture_output=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == b""
    assert b"cannot start" in done.stderr

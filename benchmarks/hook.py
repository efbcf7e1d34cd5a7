"""The agent hook's whole-process time against a bare interpreter, in one run (issue 7).

Starts a gateway (``interlock serve``, SQLite, a free loopback port) with one agent
token, warms it, then runs interleaved, ``RUNS`` times each:

* ``python -I -S -c pass`` (the baseline the goal is stated against);
* the hook run by path, ``python -I -S .../interlock/integrations/hook.py claude-code``;
* the ``interlock-hook claude-code`` console script (site-packages on, as pip makes it);
* ``curl`` of the same ``POST /api/v1/requests`` (the gateway's share of the cost);
* the hook answering a ``Read`` call, which needs no gateway (the hook's own share).

Each hook run answers ``allow`` for ``ls`` (checked). Bytecode is compiled first and
``PYTHONDONTWRITEBYTECODE`` is dropped, as on an installed system. The goal is a hook
median of at most twice the baseline's.
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOOK = ROOT / "src" / "interlock" / "integrations" / "hook.py"
RUNS = 40
CONFIG = """\
agents:
  bench: {for: alice, profile: operator}
people:
  alice: {groups: [admin]}
groups:
  admin: {permissions: {"*": [read, plan, change, destroy, approve]}}
profiles:
  operator: {permissions: {"*": [read, plan, change, destroy]}}
"""


def run() -> list[str]:
    """Measure and return printable lines."""
    compileall.compile_dir(str(HOOK.parent.parent), quiet=1)
    with tempfile.TemporaryDirectory(prefix="interlock-bench-hook-") as tmp:
        server, url, token = _gateway(Path(tmp))
        try:
            return _measure(Path(tmp), url, token)
        finally:
            server.terminate()
            server.wait(timeout=20)
            if server.stdout is not None:
                server.stdout.close()


def _measure(tmp: Path, url: str, token: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"INTERLOCK_URL": url, "INTERLOCK_TOKEN": token, "XDG_CACHE_HOME": str(tmp / "c")}
    payload = json.dumps(
        {
            "session_id": "bench",
            "cwd": str(tmp),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "ls"},
        }
    ).encode()
    script = Path(sys.executable).with_name("interlock-hook")
    body = json.dumps({"kind": "shell", "command": "ls", "cwd": str(tmp)})
    variants = {
        "python -I -S -c pass": [sys.executable, "-I", "-S", "-c", "pass"],
        "hook (python -I -S hook.py)": [sys.executable, "-I", "-S", str(HOOK), "claude-code"],
    }
    local = [sys.executable, "-I", "-S", str(HOOK), "claude-code"]
    if script.exists():
        variants["hook (interlock-hook script)"] = [str(script), "claude-code"]
    if shutil.which("curl"):
        variants["curl POST (gateway alone)"] = [
            "curl",
            "-s",
            "-X",
            "POST",
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
            f"{url}/api/v1/requests",
        ]
    for _ in range(5):  # warm the gateway and the page cache
        _check(
            subprocess.run(
                variants["hook (python -I -S hook.py)"],
                input=payload,
                capture_output=True,
                env=env,
                check=False,
            )
        )
    variants["hook, no gateway call (Read tool)"] = local
    read = payload.replace(b'"Bash"', b'"Read"')
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(RUNS):
        for name, argv in variants.items():
            data = read if "Read tool" in name else payload
            started = time.perf_counter()
            done = subprocess.run(argv, input=data, capture_output=True, env=env, check=False)
            times[name].append((time.perf_counter() - started) * 1000)
            if name.startswith("hook"):
                _check(done)
    base = statistics.median(times["python -I -S -c pass"])
    lines = [f"runs: {RUNS} each, interleaved; gateway warm on {url}"]
    for name, samples in times.items():
        med, p99 = statistics.median(samples), _p99(samples)
        lines.append(f"{name:32s} median {med:7.1f} ms  p99 {p99:7.1f} ms  ({med / base:4.1f}x)")
    hook = statistics.median(times["hook (python -I -S hook.py)"])
    lines.append(f"goal: hook median <= 2x baseline: {'met' if hook <= 2 * base else 'NOT met'}")
    return lines


def _check(done: subprocess.CompletedProcess[bytes]) -> None:
    decision = json.loads(done.stdout)["hookSpecificOutput"]["permissionDecision"]
    if decision != "allow":
        raise RuntimeError(f"the hook answered {decision}: {done.stdout[:300]!r}")


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def _gateway(tmp: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    (tmp / "interlock.yaml").write_text(CONFIG)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [
        sys.executable,
        "-m",
        "interlock.cli",
        "serve",
        "--config",
        str(tmp / "interlock.yaml"),
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{tmp / 'gw.db'}",
        "--issue-token",
        "bench",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    token = ""
    deadline = time.monotonic() + 60
    while not token and time.monotonic() < deadline:
        line = proc.stdout.readline().decode()
        if not line:
            raise RuntimeError("the gateway exited before issuing a token")
        if "token for agent bench" in line:
            token = line.rsplit(" ", 1)[1].strip()
    url = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v1/health", timeout=2).close()
            return proc, url, token
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the gateway did not become healthy")

"""A real gateway (``interlock serve`` on a free loopback port) and a hook runner.

The gateway runs the incident configuration: agent ``claude`` acts for alice; bob and
carol may approve; production needs two of them. Tokens come from ``--issue-token``.
The hook runs as its own process, as agents start it, with a private cache dir.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from interlock.demo.incident import incident_plan, to_bytes

CONFIG = """\
environments:
  production:
    protected: true
    approvals: 2
    match: {names: [production, prod], tags: [production], aws_accounts: ["210987654321"]}
    credentials:
      env: {TF_VAR_db_password: "${GW_DB_SECRET}", CLOUD_TOKEN: "tok-${GW_DB_SECRET}"}
      aws_profile: prod-admin
people:
  alice: {groups: [admin]}
  bob: {groups: [sre]}
  carol: {groups: [sre]}
agents:
  claude: {for: alice, profile: operator}
groups:
  admin: {permissions: {"*": [read, plan, change, destroy, approve]}}
  sre: {permissions: {"*": [read, plan, approve]}}
profiles:
  operator: {permissions: {"*": [read, plan, change, destroy]}}
"""

#: The secret the gateway's environment holds; it must never reach an agent.
GATEWAY_SECRET = "gw-secret-7Hq2-never-shown"

STUB_TERRAFORM = """\
#!{python}
import json, os, sys
log = os.environ.get("STUB_TF_LOG")
if log:
    with open(log, "a") as fh:
        record = {{"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}}
        fh.write(json.dumps(record) + "\\n")
if sys.argv[1:3] == ["show", "-json"]:
    sys.stdout.write(open({plan!r}).read())
elif sys.argv[1:2] == ["plan"]:
    out = [a.split("=", 1)[1] for a in sys.argv if a.startswith("-out=")][0]
    open(out, "wb").write(b"stub-binary-plan " + os.getcwd().encode())
    print("Plan: 12 to add, 3 to change, 26 to destroy.")
elif sys.argv[1:2] == ["apply"]:
    print("Apply complete! password is " + os.environ.get("TF_VAR_db_password", "unset"))
else:
    print("stub terraform", sys.argv[1:])
"""


@dataclass
class Gateway:
    """A running gateway: its URL, tokens by principal, and its process."""

    url: str
    tokens: dict[str, str]
    process: subprocess.Popen[bytes]
    home: Path
    config: Path
    env: dict[str, str] = field(default_factory=dict)

    def vote(self, request_id: str, voter: str, vote: str = "approve") -> dict[str, Any]:
        """Cast ``voter``'s vote through the API."""
        body = json.dumps({"vote": vote, "comment": "reviewed"}).encode()
        req = urllib.request.Request(
            f"{self.url}/api/v1/requests/{request_id}/votes", data=body, method="POST"
        )
        req.add_header("Authorization", f"Bearer {self.tokens[voter]}")
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            result: dict[str, Any] = json.loads(resp.read())
        return result


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def start_gateway(home: Path, names: tuple[str, ...] = ("claude", "bob", "carol")) -> Gateway:
    """``interlock serve`` on a free port with the incident config; tokens parsed from it."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "interlock.yaml"
    config.write_text(CONFIG)
    port = free_port()
    env = {**os.environ, "GW_DB_SECRET": GATEWAY_SECRET}
    argv = [sys.executable, "-m", "interlock.cli", "serve", "--config", str(config)]
    argv += ["--port", str(port), "--database-url", f"sqlite:///{home / 'gw.db'}"]
    for name in names:
        argv += ["--issue-token", name]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    tokens: dict[str, str] = {}
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while len(tokens) < len(names) and time.monotonic() < deadline:
        line = proc.stdout.readline().decode()
        if not line:
            break
        if "token for" in line:
            who = line.split("token for", 1)[1].split(":")[0].split()
            tokens[who[1] if who[0] == "agent" else who[0]] = line.rsplit(" ", 1)[1].strip()
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, proc)
    return Gateway(url, tokens, proc, home, config, env)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gateway exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gateway did not become healthy")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process this suite started."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """One gateway for the session's hook and MCP tests."""
    gw = start_gateway(tmp_path_factory.mktemp("gateway"))
    try:
        yield gw
    finally:
        stop(gw.process)


@pytest.fixture(scope="session")
def stub_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with a stub ``terraform`` that renders the incident plan."""
    root = tmp_path_factory.mktemp("stubs")
    plan = root / "incident.json"
    plan.write_bytes(to_bytes(incident_plan()))
    tf = root / "bin" / "terraform"
    tf.parent.mkdir()
    tf.write_text(STUB_TERRAFORM.format(python=sys.executable, plan=str(plan)))
    tf.chmod(0o755)
    return tf.parent


@dataclass
class HookRun:
    """What one hook process answered."""

    stdout: str
    stderr: str
    code: int

    @property
    def answer(self) -> dict[str, Any]:
        """The stdout JSON."""
        value: dict[str, Any] = json.loads(self.stdout)
        return value

    @property
    def decision(self) -> str:
        """Claude Code's ``permissionDecision``."""
        return str(self.answer["hookSpecificOutput"]["permissionDecision"])

    @property
    def reason(self) -> str:
        """Claude Code's ``permissionDecisionReason``."""
        return str(self.answer["hookSpecificOutput"]["permissionDecisionReason"])


@pytest.fixture
def hook_env(tmp_path: Path) -> dict[str, str]:
    """The hook's environment: no gateway, a private cache and config dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return env


def run_hook(
    agent: str, payload: bytes | dict[str, Any], env: dict[str, str], timeout: float = 60
) -> HookRun:
    """Start the hook as an agent does, feed ``payload``, collect the answer."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    done = subprocess.run(
        [sys.executable, "-m", "interlock.integrations.hook", agent],
        input=data,
        capture_output=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    return HookRun(done.stdout.decode(), done.stderr.decode(), done.returncode)


class HoldingGateway:
    """A stand-in for the hook's gateway client that holds every request and records
    what was submitted and which requests were asked about again."""

    def __init__(self) -> None:
        self.submitted: list[str | None] = []
        self.asked: list[str] = []

    def submit(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.submitted.append(fields["command"])
        n = len(self.submitted)
        return {"id": f"r{n}", "decision": "hold", "status": "pending", "digest": f"d{n}"}

    def get(self, request_id: str) -> dict[str, Any]:
        self.asked.append(request_id)
        return {"id": request_id, "status": "pending"}


@pytest.fixture
def holding_gateway(monkeypatch: pytest.MonkeyPatch) -> HoldingGateway:
    """The hook's gateway client, for the test, a ``HoldingGateway``."""
    from interlock.integrations import gate

    fake = HoldingGateway()
    monkeypatch.setattr(gate, "gateway_client", lambda settings: fake)
    return fake

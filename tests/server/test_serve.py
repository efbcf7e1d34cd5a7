"""A real ``interlock serve`` process on a free loopback port, driven over HTTP.

The demo configuration, a temporary SQLite store and tokens issued at start-up
(``--issue-token``): the agent's incident request is held, a long poll and an
event stream see the two approvals land, and SIGINT stops the server cleanly.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.server.apiworld import DEMO, TASK, incident_b64

INTERLOCK = Path(sys.executable).with_name("interlock")


@dataclass
class Served:
    url: str
    tokens: dict[str, str]
    process: subprocess.Popen[str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    command = [
        str(INTERLOCK), "serve", "--config", str(DEMO), "--port", str(port),
        "--database-url", f"sqlite:///{tmp_path / 'db.sqlite'}",
        "--issue-token", "kiro", "--issue-token", "bob", "--issue-token", "carol",
    ]  # fmt: skip
    env = {**os.environ, "INTERLOCK_AUDIT_KEY": str(tmp_path / "no.key")}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path
    )
    assert process.stdout is not None
    tokens: dict[str, str] = {}
    while len(tokens) < 3:
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else "server exited"
        found = re.match(r"\s+token for (?:agent )?(\w+)[^:]*: (\S+)", line)
        if found:
            tokens[found[1]] = found[2]
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.1)
    try:
        yield Served(url, tokens, process)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def test_a_real_server_holds_the_incident_and_wakes_waiters(served: Served) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        held = client.post(
            "/api/v1/requests",
            headers=served.auth("kiro"),
            json={
                "kind": "terraform-plan",
                "plan_b64": incident_b64(),
                "env": "production",
                "task": TASK,
            },
        ).json()
        assert (held["decision"], held["status"]) == ("hold", "pending")
        assert held["url"] == f"{served.url}/requests/{held['id']}"
        rid = held["id"]
        events: list[dict[str, object]] = []

        def listen() -> None:
            with (
                httpx.Client(base_url=served.url, timeout=30) as mine,
                mine.stream(
                    "GET", f"/api/v1/requests/{rid}/events", headers=served.auth("kiro")
                ) as stream,
            ):
                for line in stream.iter_lines():
                    if line.startswith("data: "):
                        events.append(json.loads(line[6:]))
                        if events[-1]["status"] == "approved":
                            return

        listener = threading.Thread(target=listen)
        listener.start()
        refused = client.post(
            f"/api/v1/requests/{rid}/votes", headers=served.auth("kiro"), json={"vote": "approve"}
        )
        assert refused.status_code == 403
        client.post(
            f"/api/v1/requests/{rid}/votes", headers=served.auth("bob"), json={"vote": "approve"}
        )
        waited: dict[str, object] = {}

        def wait() -> None:
            answer = client.get(
                f"/api/v1/requests/{rid}/wait", params={"timeout": 20}, headers=served.auth("kiro")
            )
            waited.update(answer.json())

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.3)
        client.post(
            f"/api/v1/requests/{rid}/votes", headers=served.auth("carol"), json={"vote": "approve"}
        )
        waiter.join(25)
        listener.join(25)
        assert waited["status"] == "approved"
        assert next(e["status"] for e in events) == "pending"
        assert events[-1]["status"] == "approved"
        assert len(events) >= 2
        metrics = client.get("/metrics").text
        assert "interlock_approval_latency_seconds_count 1.0" in metrics
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(15) == 0

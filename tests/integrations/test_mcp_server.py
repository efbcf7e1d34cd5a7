"""The MCP server with the SDK's own client, over stdio and streamable HTTP.

End to end: ``terraform_plan`` (a stub ``terraform`` that renders the incident plan)
-> ``apply_plan`` is held -> bob and carol approve through the gateway API ->
``apply_plan`` again runs ``terraform apply`` of the stored plan file. The stub
records its argv and environment, proving the exact file and the injected
credentials; the agent-visible results contain no credential.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.integrations.conftest import GATEWAY_SECRET, Gateway, free_port, stop

TOOLS = {"run_command", "terraform_plan", "apply_plan", "request_status", "list_my_requests"}


def server_argv(gateway: Gateway, plans: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "interlock.cli",
        "mcp",
        "--url",
        gateway.url,
        "--config",
        str(gateway.config),
        "--plans",
        str(plans),
        *extra,
    ]


def server_env(gateway: Gateway, stub_bin: Path, log: Path) -> dict[str, str]:
    """The MCP server runs beside the gateway: it holds the secret, the agent does not."""
    return {
        **os.environ,
        "INTERLOCK_TOKEN": gateway.tokens["claude"],
        "GW_DB_SECRET": GATEWAY_SECRET,
        "STUB_TF_LOG": str(log),
        "PATH": f"{stub_bin}{os.pathsep}{os.environ['PATH']}",
    }


def accept(elicited: list[str]) -> Any:
    async def callback(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        elicited.append(params.message)
        return types.ElicitResult(action="accept", content={"submit": True})

    return callback


def payload(result: types.CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    data = result.structured_content
    assert isinstance(data, dict)
    found: dict[str, Any] = data.get("result", data)
    return found


async def scenario(session: ClientSession, gateway: Gateway, workdir: Path) -> dict[str, Any]:
    """Plan, submit (held), two approvals over the API, apply; returns the evidence."""
    await session.initialize()
    listed = await session.list_tools()
    tools = {t.name: t for t in listed.tools}
    assert set(tools) >= TOOLS
    assert tools["apply_plan"].annotations is not None
    assert tools["apply_plan"].annotations.destructive_hint is True
    assert tools["request_status"].annotations.read_only_hint is True  # type: ignore[union-attr]
    planned = payload(await session.call_tool("terraform_plan", {"directory": str(workdir)}))
    assert planned["risk"] in ("high", "critical")
    assert any(f["rule_id"] == "tf-replace-stateful" for f in planned["findings"])
    args = {"plan_id": planned["plan_id"], "env": "production", "task": "fix rounding"}
    held = payload(await session.call_tool("apply_plan", args))
    assert held["ran"] is False, held
    assert held["status"] == "pending"
    assert gateway.vote(held["id"], "bob")["status"] == "pending"
    status = payload(await session.call_tool("request_status", {"request_id": held["id"]}))
    assert status["approvals"] == 1
    assert gateway.vote(held["id"], "carol")["status"] == "approved"
    applied = payload(await session.call_tool("apply_plan", args))
    assert applied["ran"] is True, applied
    assert applied["exit_status"] == 0
    again = payload(await session.call_tool("apply_plan", args))
    assert again["ran"] is False  # the grant ran once; this is a new request
    mine = payload(await session.call_tool("list_my_requests", {"status": "executed"}))
    assert held["id"] in {r["id"] for r in mine["requests"]}
    printed = payload(
        await session.call_tool(
            "run_command", {"command": "printenv TF_VAR_db_password", "env": "production"}
        )
    )
    assert printed["ran"] is True, printed
    assert printed["output"] == "[redacted]\n"  # injected, and never shown
    refused = payload(await session.call_tool("run_command", {"command": "rm -rf /"}))
    assert refused["ran"] is False
    assert refused["status"] == "denied"
    return {
        "planned": planned,
        "held": held,
        "applied": applied,
        "again": again,
        "printed": printed,
        "refused": refused,
    }


def check_evidence(evidence: dict[str, Any], plans: Path, log: Path, workdir: Path) -> None:
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    applies = [c for c in calls if c["argv"][0] == "apply"]
    assert len(applies) == 1, "apply ran exactly once"
    stored = plans / "sha256" / f"{evidence['planned']['plan_id']}.tfplan"
    assert applies[0]["argv"] == ["apply", "-input=false", str(stored)]
    assert stored.read_bytes() == b"stub-binary-plan " + str(workdir).encode()
    assert applies[0]["cwd"] == str(workdir)
    assert not any(c["argv"][0] == "plan" for c in calls[calls.index(applies[0]) :])
    env = applies[0]["env"]
    assert env["TF_VAR_db_password"] == GATEWAY_SECRET
    assert env["CLOUD_TOKEN"] == f"tok-{GATEWAY_SECRET}"
    assert env["AWS_PROFILE"] == "prod-admin"
    assert "INTERLOCK_TOKEN" not in env
    visible = json.dumps(evidence)
    assert GATEWAY_SECRET not in visible
    assert "password is [redacted]" in evidence["applied"]["output"]


@pytest.mark.slow
def test_mcp_session_over_stdio(gateway: Gateway, stub_bin: Path, tmp_path: Path) -> None:
    plans, log, workdir = tmp_path / "plans", tmp_path / "tf.log", tmp_path / "cost-explorer"
    workdir.mkdir()
    params = StdioServerParameters(
        command=sys.executable,
        args=server_argv(gateway, plans)[1:],
        env=server_env(gateway, stub_bin, log),
    )
    elicited: list[str] = []

    async def main() -> dict[str, Any]:
        async with (
            stdio_client(params) as (read, write),
            ClientSession(read, write, elicitation_callback=accept(elicited)) as session,
        ):
            return await scenario(session, gateway, workdir)

    evidence = anyio.run(main)
    check_evidence(evidence, plans, log, workdir)
    assert len(elicited) == 2
    assert "for approval" in elicited[0]


@asynccontextmanager
async def http_server(argv: list[str], env: dict[str, str], url: str) -> AsyncIterator[None]:
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=1).close()
            except urllib.error.HTTPError:
                break  # it answers (a GET without a session is refused)
            except OSError:
                await anyio.sleep(0.2)
        yield
    finally:
        stop(proc)


@pytest.mark.slow
def test_mcp_session_over_streamable_http(gateway: Gateway, stub_bin: Path, tmp_path: Path) -> None:
    plans, log, workdir = tmp_path / "plans", tmp_path / "tf.log", tmp_path / "cost-explorer"
    workdir.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    argv = server_argv(gateway, plans, "--http", f"127.0.0.1:{port}")

    async def main() -> dict[str, Any]:
        async with (
            http_server(argv, server_env(gateway, stub_bin, log), url),
            streamable_http_client(url) as streams,
            ClientSession(streams[0], streams[1], elicitation_callback=accept([])) as session,
        ):
            return await scenario(session, gateway, workdir)

    evidence = anyio.run(main)
    check_evidence(evidence, plans, log, workdir)


def test_a_declined_submission_is_not_sent(
    gateway: Gateway, stub_bin: Path, tmp_path: Path
) -> None:
    plans, log, workdir = tmp_path / "plans", tmp_path / "tf.log", tmp_path / "w"
    workdir.mkdir()
    params = StdioServerParameters(
        command=sys.executable,
        args=server_argv(gateway, plans)[1:],
        env=server_env(gateway, stub_bin, log),
    )

    async def decline(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="decline")

    async def main() -> dict[str, Any]:
        async with (
            stdio_client(params) as (read, write),
            ClientSession(read, write, elicitation_callback=decline) as session,
        ):
            await session.initialize()
            planned = payload(
                await session.call_tool("terraform_plan", {"directory": str(workdir)})
            )
            return payload(await session.call_tool("apply_plan", {"plan_id": planned["plan_id"]}))

    result = anyio.run(main)
    assert result == {"ran": False, "note": "not submitted: the user declined"}

"""The founding incident, end to end through the CLI, on SQLite and on PostgreSQL.

Agent ``kiro`` acts for ``alice``, who holds an admin role. Asked to fix a minor bug,
kiro produces the 41-resource plan that replaces the production database. Interlock
holds it for two humans; alice (the requester) and kiro (an agent) cannot approve;
bob and carol can; the grant runs once; a plan one byte different is a new request
that needs its own two approvals; and a config lowering production's approvals below
two never loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from interlock.demo.incident import INCIDENT_PASSWORD, TASK, incident_plan, to_bytes
from interlock.store import open_store
from interlock.store.records import requests
from interlock.store.schema import audit_entries
from tests.cli.test_token import Cli, cli

__all__ = ["cli"]

CONFIG = """\
environments:
  production:
    protected: true
    approvals: {approvals}
    match: {{names: [production, prod], tags: [production], aws_accounts: ["210987654321"]}}
people:
  alice: {{groups: [admin]}}
  bob: {{groups: [sre]}}
  carol: {{groups: [sre]}}
agents:
  kiro: {{for: alice, profile: operator}}
groups:
  admin: {{permissions: {{"*": [read, plan, change, destroy, approve]}}}}
  sre: {{permissions: {{"*": [read, plan, approve]}}}}
profiles:
  operator: {{permissions: {{"*": [read, plan, change, destroy]}}}}
"""


def one_byte_changed(plan: bytes) -> bytes:
    """The plan with one byte of the ledger's tags changed (same length, still JSON)."""
    at = plan.index(b'"Team":"billing"') + len(b'"Team":"billin')
    changed = plan[:at] + b"k" + plan[at + 1 :]
    assert len(changed) == len(plan)
    assert sum(a != b for a, b in zip(plan, changed, strict=True)) == 1
    json.loads(changed)
    return changed


def test_the_incident(cli: Cli, store_url: str) -> None:
    config = cli.write("interlock.yaml", CONFIG.format(approvals=2))
    plan_bytes = to_bytes(incident_plan())
    assert len(incident_plan()["resource_changes"]) == 41
    plan = cli.write("incident.tfplan.json", plan_bytes)
    token = {
        name: cli.token("--human", name, "--config", config) for name in ("alice", "bob", "carol")
    }
    token["kiro"] = cli.token("--agent", "kiro", "--for", "alice", "--config", config)

    def run(*argv: str) -> tuple[int, dict[str, object], str]:
        done = cli(*argv, "--config", config, "--json")
        return done.code, (json.loads(done.out) if done.out else {}), done.err

    code, req, _ = run(
        "request", "--token", token["kiro"], "--plan", plan, "--task", TASK,
        "--rationale", "recreate the stack so the fix deploys cleanly",
    )  # fmt: skip
    assert code == 0
    assert (req["decision"], req["required_approvals"]) == ("hold", 2)
    request, digest = str(req["id"]), str(req["digest"])

    code, _, err = run("approve", request, "--token", token["alice"])
    assert (code, "alice is the requester" in err) == (5, True)
    code, _, err = run("approve", request, "--token", token["kiro"])
    assert (code, "agent 'kiro' may not vote" in err) == (4, True)
    assert run("approve", request, "--token", token["bob"])[1] == {
        "status": "pending", "approvals": 1, "required": 2,
    }  # fmt: skip
    assert run("approve", request, "--token", token["carol"])[1] == {
        "status": "approved", "approvals": 2, "required": 2,
    }  # fmt: skip

    code, used, _ = run("grant", "use", request, "--token", token["kiro"], "--digest", digest)
    assert (code, used["ok"]) == (0, True)
    code, again, _ = run("grant", "use", request, "--token", token["kiro"], "--digest", digest)
    assert (code, again["ok"]) == (5, False)

    changed = cli.write("incident-1.tfplan.json", one_byte_changed(plan_bytes))
    code, second, _ = run("request", "--token", token["kiro"], "--plan", changed, "--task", TASK)
    assert (code, second["decision"], second["required_approvals"]) == (0, "hold", 2)
    assert second["digest"] != digest
    assert second["id"] != request
    new_id, new_digest = str(second["id"]), str(second["digest"])
    code, wrong, _ = run("grant", "use", new_id, "--token", token["kiro"], "--digest", new_digest)
    assert (code, wrong["ok"]) == (5, False)
    assert run("approve", new_id, "--token", token["bob"])[1]["status"] == "pending"
    assert run("approve", new_id, "--token", token["carol"])[1]["status"] == "approved"
    assert run("grant", "use", new_id, "--token", token["kiro"], "--digest", new_digest)[0] == 0

    shown = subprocess.run(
        [sys.executable, "-m", "interlock", "requests", "show", request, "--json"],
        capture_output=True, text=True, check=True, timeout=60,
        env={**os.environ, "INTERLOCK_DATABASE_URL": store_url},
    )  # fmt: skip
    view = json.loads(shown.stdout)
    assert [v["voter"] for v in view["votes"]] == ["bob", "carol"]
    assert (view["requester"], view["agent"], view["task"]) == ("alice", "kiro", TASK)
    assert view["grant"]["used_at"]
    assert_audit_tells_the_story(store_url, token)


def assert_audit_tells_the_story(store_url: str, token: dict[str, str]) -> None:
    """Every step is in the log; no token and no plan secret is anywhere stored."""
    with open_store(store_url) as store, store.transaction() as conn:
        log = [bytes(e) for e in conn.execute(select(audit_entries.c.entry)).scalars()]
        stored = [str(tuple(r)) for r in conn.execute(select(requests))]
    kinds = [json.loads(e)["kind"] for e in log]
    assert kinds.count("request-created") == 2
    assert kinds.count("vote-refused") == 2
    assert kinds.count("vote-cast") == 4
    assert kinds.count("grant-used") == 2
    assert kinds.count("grant-refused") == 2
    secrets = [INCIDENT_PASSWORD, *token.values()]
    for secret in secrets:
        assert not any(secret.encode() in e for e in log)
        assert not any(secret in row for row in stored)


@pytest.mark.parametrize("approvals", [0, 1])
def test_a_config_lowering_production_never_loads(cli: Cli, approvals: int) -> None:
    config = cli.write("interlock.yaml", CONFIG.format(approvals=approvals))
    alice = cli.token("--human", "alice")
    plan = cli.write("incident.tfplan.json", to_bytes(incident_plan()))
    run = cli("request", "--token", alice, "--plan", plan, "--config", config, "--json")
    assert run.code == 3
    assert run.out == ""
    assert "environments.production.approvals (line 4)" in run.err
    assert f"needs at least 2 approvers, got {approvals}" in run.err

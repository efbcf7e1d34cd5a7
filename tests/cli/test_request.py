"""``interlock request`` and ``interlock requests``: submit, list, show."""

from __future__ import annotations

import re

import pytest

from interlock.demo.incident import incident_plan, to_bytes
from tests.cli.test_token import Cli, cli

__all__ = ["cli"]

DESTROY = ("--command", "terraform destroy -auto-approve", "--env", "production")


@pytest.fixture
def kiro(cli: Cli) -> str:
    cli.token("--human", "alice", "--groups", "admin")
    return cli.token("--agent", "kiro", "--for", "alice")


def test_request_json_is_the_contract(cli: Cli, kiro: str) -> None:
    run = cli("request", "--token", kiro, *DESTROY, "--task", "fix a bug", "--json")
    assert run.code == 0, run.err
    obj = run.json
    assert set(obj) == {"id", "decision", "digest", "required_approvals"}
    assert (obj["decision"], obj["required_approvals"]) == ("hold", 2)
    assert re.fullmatch(r"[0-9a-f]{64}", obj["digest"])


def test_request_text_names_id_and_needs(cli: Cli, kiro: str) -> None:
    run = cli("request", "--token", kiro, *DESTROY)
    assert run.code == 0
    assert re.match(r"req-[0-9a-f]{10}  hold  \(pending\)", run.out)
    assert "needs 2 approvals" in run.out
    assert "floor-two-person" in run.out


def test_plan_requests_are_held(cli: Cli, kiro: str) -> None:
    plan = cli.write("incident.json", to_bytes(incident_plan()))
    run = cli("request", "--token", kiro, "--plan", plan, "--json")
    assert (run.json["decision"], run.json["required_approvals"]) == ("hold", 2)


def test_allowed_requests_are_approved_at_once(cli: Cli, kiro: str) -> None:
    run = cli("request", "--token", kiro, "--command", "git status", "--json")
    assert (run.json["decision"], run.json["required_approvals"]) == ("allow", 0)
    used = cli("grant", "use", run.json["id"], "--token", kiro, "--digest", run.json["digest"])
    assert used.code == 0


def test_denied_requests_exit_non_zero_after_printing(cli: Cli, kiro: str) -> None:
    run = cli("request", "--token", kiro, "--command", "rm -rf ~/", "--json")
    assert run.code == 5
    assert run.json["decision"] == "deny"
    assert "denied" in run.err


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (("--command", "ls"), 2, "a token is needed"),
        (("--command", "ls", "--token", "itk_forged"), 4, "unknown token"),
        (("--command", " ", "--token", "T"), 2, "the command is empty"),
        (("--plan", "/nonexistent.json", "--token", "T"), 2, "cannot read plan"),
    ],
)
def test_bad_requests_exit_with_the_reason(
    cli: Cli, argv: tuple[str, ...], code: int, words: str
) -> None:
    run = cli("request", *argv)
    assert run.code == code
    assert words in run.err


def test_agents_cannot_break_glass(cli: Cli, kiro: str) -> None:
    run = cli("request", "--token", kiro, *DESTROY, "--break-glass")
    assert run.code == 4
    assert "may not start break-glass" in run.err


def test_humans_break_glass_to_two_on_call(cli: Cli) -> None:
    alice = cli.token("--human", "alice")
    run = cli("request", "--token", alice, *DESTROY, "--break-glass", "--json")
    shown = cli("requests", "show", run.json["id"], "--json").json
    assert shown["break_glass"] is True
    assert (shown["required_approvals"], shown["approver_groups"]) == (2, ["oncall"])


def test_a_config_lowering_the_floor_never_loads(cli: Cli, kiro: str) -> None:
    config = cli.write(
        "interlock.yaml", "environments:\n  production:\n    protected: true\n    approvals: 1\n"
    )
    run = cli("request", "--token", kiro, *DESTROY, "--config", config)
    assert run.code == 3
    assert "environments.production.approvals (line 4)" in run.err
    assert "at least 2" in run.err


def test_list_and_show(cli: Cli, kiro: str) -> None:
    first = cli("request", "--token", kiro, *DESTROY, "--json").json
    cli("request", "--token", kiro, "--command", "git status", "--json")
    listed = cli("requests", "--json").json["requests"]
    assert [r["status"] for r in listed] == ["approved", "pending"]
    pending = cli("requests", "list", "--status", "pending", "--json").json["requests"]
    assert [r["id"] for r in pending] == [first["id"]]
    shown = cli("requests", "show", first["id"], "--json").json
    assert (shown["requester"], shown["agent"], shown["votes"]) == ("alice", "kiro", [])
    assert shown["digest"] == first["digest"]
    assert shown["detail"]["reasons"]
    text = cli("requests", "show", first["id"]).out
    assert "requester alice via agent kiro" in text
    assert cli("requests", "show").code == 2
    assert cli("requests", "show", "req-missing").code == 5
    assert cli("requests", "--status", "bogus").code == 2

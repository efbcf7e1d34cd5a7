"""``interlock approve`` and ``interlock deny``: the JSON contract and every refusal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.cli.test_token import Cli, cli

__all__ = ["cli"]


@dataclass(frozen=True)
class Team:
    alice: str
    kiro: str
    bob: str
    carol: str
    request: str


@pytest.fixture
def team(cli: Cli) -> Team:
    alice = cli.token("--human", "alice", "--groups", "admin")
    kiro = cli.token("--agent", "kiro", "--for", "alice")
    bob, carol = cli.token("--human", "bob"), cli.token("--human", "carol")
    run = cli(
        "request", "--token", kiro, "--command", "terraform destroy -auto-approve",
        "--env", "production", "--json",
    )  # fmt: skip
    return Team(alice, kiro, bob, carol, run.json["id"])


def test_approvals_count_to_the_quorum(cli: Cli, team: Team) -> None:
    first = cli(
        "approve", team.request, "--token", team.bob, "--comment", "plan reviewed", "--json"
    )
    assert first.json == {"status": "pending", "approvals": 1, "required": 2}
    second = cli("approve", team.request, "--token", team.carol, "--json")
    assert second.json == {"status": "approved", "approvals": 2, "required": 2}
    text = cli("requests", "show", team.request).out
    assert "bob approved via cli: plan reviewed" in text


@pytest.mark.parametrize(
    ("who", "code", "words"),
    [
        ("alice", 5, "alice is the requester"),
        ("kiro", 4, "agent 'kiro' may not vote"),
    ],
)
def test_refused_votes_exit_with_the_reason(
    cli: Cli, team: Team, who: str, code: int, words: str
) -> None:
    run = cli("approve", team.request, "--token", getattr(team, who), "--json")
    assert run.code == code
    assert words in run.err
    assert run.out == ""


def test_a_second_vote_and_a_vote_after_closing_are_refused(cli: Cli, team: Team) -> None:
    cli("approve", team.request, "--token", team.bob)
    again = cli("approve", team.request, "--token", team.bob)
    assert again.code == 5
    assert "voted on this request already" in again.err
    denied = cli("deny", team.request, "--token", team.carol, "--comment", "no", "--json")
    assert denied.json == {"status": "denied", "approvals": 1, "required": 2}
    late = cli("approve", team.request, "--token", cli.token("--human", "dave"))
    assert late.code == 5
    assert "votes are closed" in late.err


def test_deny_requires_a_comment(cli: Cli, team: Team) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli("deny", team.request, "--token", team.bob)
    assert exit_info.value.code == 2
    assert cli("deny", team.request, "--token", team.bob, "--comment", "  ").code == 2


def test_the_token_can_come_from_the_environment(
    cli: Cli, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERLOCK_TOKEN", team.bob)
    assert cli("approve", team.request, "--json").json["approvals"] == 1

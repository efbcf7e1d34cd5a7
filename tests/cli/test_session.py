"""``interlock session``: list, show, freeze, unfreeze; humans only."""

from __future__ import annotations

from tests.cli.test_token import Cli, cli

__all__ = ["cli"]


def test_freeze_show_unfreeze_and_agents_are_refused(cli: Cli) -> None:
    alice = cli.token("--human", "alice")
    bob = cli.token("--human", "bob")
    kiro = cli.token("--agent", "kiro", "--for", "alice")
    made = cli("request", "--command", "git status", "--token", kiro, "--json")
    assert made.code == 0, made.err
    listed = cli("session", "list", "--token", alice, "--json").json["sessions"]
    assert [(s["session"], s["agent"], s["frozen"]) for s in listed] == [
        ("kiro:no-session", "kiro", False)
    ]
    assert cli("session", "list", "--token", kiro).code == 4
    frozen = cli("session", "freeze", "kiro:no-session", "--reason", "odd", "--token", bob)
    assert frozen.code == 0, frozen.err
    assert frozen.out.strip() == "kiro:no-session frozen"
    shown = cli("session", "show", "kiro:no-session", "--token", alice, "--json").json
    assert shown["frozen"] is True
    assert shown["freezes"][0]["frozen_by"] == "bob"
    assert [a["summary"] for a in shown["actions"]] == ["git status"]
    held = cli("request", "--command", "touch x", "--token", kiro, "--json")
    assert held.json["decision"] == "hold"
    refused = cli("session", "unfreeze", "kiro:no-session", "--reason", "me", "--token", kiro)
    assert refused.code == 4
    assert "agent 'kiro' may not unfreeze sessions" in refused.err
    assert cli("session", "unfreeze", "kiro:no-session", "--token", bob).code == 2
    lifted = cli("session", "unfreeze", "kiro:no-session", "--reason", "ok", "--token", bob)
    assert lifted.code == 0, lifted.err
    text = cli("session", "show", "kiro:no-session", "--token", alice).out
    assert text.startswith("session kiro:no-session\n")
    assert "FROZEN" not in text

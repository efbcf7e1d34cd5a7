"""``interlock grant use``: once, for exactly the approved digest; ``grant finish``."""

from __future__ import annotations

import pytest

from tests.cli.test_token import Cli, cli

__all__ = ["cli"]


@pytest.fixture
def approved(cli: Cli) -> tuple[str, str, str]:
    """(kiro's token, request id, digest) of a request two humans approved."""
    cli.token("--human", "alice")
    kiro = cli.token("--agent", "kiro", "--for", "alice")
    run = cli(
        "request", "--token", kiro, "--command", "terraform destroy -auto-approve",
        "--env", "production", "--json",
    )  # fmt: skip
    request, digest = run.json["id"], run.json["digest"]
    for name in ("bob", "carol"):
        assert cli("approve", request, "--token", cli.token("--human", name)).code == 0
    return kiro, request, digest


def test_a_grant_runs_once(cli: Cli, approved: tuple[str, str, str]) -> None:
    kiro, request, digest = approved
    first = cli("grant", "use", request, "--token", kiro, "--digest", digest, "--json")
    assert first.code == 0
    assert first.json["ok"] is True
    second = cli("grant", "use", request, "--token", kiro, "--digest", digest, "--json")
    assert second.code == 5
    assert second.json["ok"] is False
    assert "used already" in second.json["reason"]
    assert "used already" in second.err


def test_another_digest_is_refused(cli: Cli, approved: tuple[str, str, str]) -> None:
    kiro, request, digest = approved
    other = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    run = cli("grant", "use", request, "--token", kiro, "--digest", other, "--json")
    assert run.code == 5
    assert run.json == {"ok": False, "reason": run.json["reason"]}
    assert "not the approved digest" in run.json["reason"]
    assert cli("grant", "use", request, "--token", kiro, "--digest", digest).code == 0


def test_finish_records_the_outcome(cli: Cli, approved: tuple[str, str, str]) -> None:
    kiro, request, digest = approved
    early = cli("grant", "finish", request, "--token", kiro, "--executed")
    assert early.code == 5
    cli("grant", "use", request, "--token", kiro, "--digest", digest)
    done = cli(
        "grant", "finish", request, "--token", kiro, "--failed", "--note", "timeout", "--json"
    )
    assert done.json == {"id": request, "status": "failed"}
    assert cli("requests", "show", request, "--json").json["status_reason"] == "timeout"


def test_pending_requests_have_no_usable_grant(cli: Cli) -> None:
    cli.token("--human", "alice")
    kiro = cli.token("--agent", "kiro", "--for", "alice")
    run = cli(
        "request", "--token", kiro, "--command", "terraform destroy -auto-approve",
        "--env", "production", "--json",
    )  # fmt: skip
    used = cli("grant", "use", run.json["id"], "--token", kiro, "--digest", run.json["digest"])
    assert used.code == 5
    assert "is pending, not approved" in used.err

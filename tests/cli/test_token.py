"""``interlock token``: issue (shown once), revoke, list; agents may do none of it.

Also home of the ``Cli`` helper the approval verb tests share: it runs
``interlock.cli.main`` in-process against the store named by ``store_url``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from interlock.cli import main


@dataclass(frozen=True)
class Run:
    """One CLI run: exit code, stdout, stderr."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> dict[str, Any]:
        value = json.loads(self.out)
        assert isinstance(value, dict)
        return value


@dataclass
class Cli:
    """Runs ``interlock`` verbs in-process against one store."""

    capsys: pytest.CaptureFixture[str]
    workdir: Path

    def __call__(self, *argv: str) -> Run:
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return Run(code, out, err)

    def token(self, *who: str) -> str:
        run = self("token", "issue", *who, "--json")
        assert run.code == 0, run.err
        token = run.json["token"]
        assert isinstance(token, str)
        return token

    def write(self, name: str, data: bytes | str) -> str:
        path = self.workdir / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        return str(path)


@pytest.fixture
def cli(
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Cli:
    """The CLI on a fresh store (SQLite and PostgreSQL), run from an empty directory."""
    monkeypatch.setenv("INTERLOCK_DATABASE_URL", store_url)
    monkeypatch.delenv("INTERLOCK_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    return Cli(capsys, tmp_path)


def test_issue_shows_the_token_once(cli: Cli) -> None:
    run = cli("token", "issue", "--human", "alice", "--groups", "admin,sre", "--expires", "30d")
    assert run.code == 0
    token = run.out.split()[0]
    assert token.startswith("itk_")
    assert "shown once" in run.out
    listed = cli("token", "list", "--json")
    assert token not in listed.out
    (item,) = listed.json["tokens"]
    assert (item["principal"], item["state"]) == ("alice", "active")
    assert item["expires_at"]


def test_json_issue_revoke_list(cli: Cli) -> None:
    cli.token("--human", "alice")
    issued = cli("token", "issue", "--agent", "kiro", "--for", "alice", "--json")
    assert set(issued.json) >= {"token"}
    token_id = issued.json["id"]
    revoked = cli("token", "revoke", token_id, "--json")
    assert revoked.json == {"id": token_id, "state": "revoked"}
    states = {t["principal"]: t["state"] for t in cli("token", "list", "--json").json["tokens"]}
    assert states == {"alice": "active", "kiro": "revoked"}


def test_agent_tokens_cannot_manage_tokens(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.token("--human", "alice")
    kiro = cli.token("--agent", "kiro", "--for", "alice")
    run = cli("token", "issue", "--human", "mallory", "--token", kiro)
    assert run.code == 4
    assert "agent 'kiro' may not issue tokens" in run.err
    monkeypatch.setenv("INTERLOCK_TOKEN", kiro)
    assert cli("token", "list").code == 4
    assert cli("token", "revoke", "tok-000000000000").code == 4


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("--agent", "kiro"), "needs --for"),
        (("--human", "bob", "--for", "alice"), "for agent tokens"),
        (("--agent", "kiro", "--for", "nobody"), "not a known human"),
        (("--human", "bob", "--expires", "forever"), "not a duration"),
    ],
)
def test_bad_issues_exit_with_the_reason(cli: Cli, argv: tuple[str, ...], words: str) -> None:
    run = cli("token", "issue", *argv)
    assert run.code == 2
    assert words in run.err

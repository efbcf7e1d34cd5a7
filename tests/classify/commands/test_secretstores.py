"""Secret stores and password managers: printing a value asks, as a cloud's does."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import rule_ids, verdict


@pytest.mark.parametrize(
    "line",
    [
        "vault kv get secret/prod/db",
        "vault kv get -field=password secret/prod/db",
        "vault read secret/x",
        "op read op://Eng/db/password",
        "op item get db --reveal",
        "doppler secrets get API_KEY --plain",
        "doppler secrets",
        "infisical secrets get DB_PASS",
        "chamber read app db",
        "ansible-vault view vault.yml",
        "bw get password github",
        "pass show prod/db",
        "pass prod/db",
        "gopass show prod/db",
    ],
)
def test_printing_a_secret_asks(line: str) -> None:
    assert "service-secret-read" in rule_ids(line)
    assert verdict(line) is Verdict.ASK


@pytest.mark.parametrize(
    "line",
    [
        "vault kv list secret/",
        "vault status",
        "op item list",
        "op item get db",
        "bw list items",
        "pass",
        "pass ls",
        "chamber list app",
    ],
)
def test_names_and_status_stay_reads(line: str) -> None:
    assert rule_ids(line) == {"service-read"}
    assert verdict(line) is Verdict.ALLOW


def test_a_secret_store_is_still_written_and_deleted_as_before() -> None:
    assert verdict("vault kv put secret/x a=b") is Verdict.ASK
    assert verdict("vault kv destroy -versions=1 secret/x") is Verdict.HOLD
    assert verdict("pass rm prod/db") is Verdict.HOLD

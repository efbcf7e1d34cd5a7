"""An agent changing interlock itself is denied; asking interlock things is not."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import (
    rule_ids,
    verdict,
)


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("interlock check -- ls", Verdict.ALLOW, "interlock-agent-verb"),
        ("interlock request -- terraform apply plan.out", Verdict.ALLOW,
         "interlock-agent-verb"),
        ("interlock approve 12", Verdict.DENY, "self-tamper-approve"),
        ("interlock deny 12", Verdict.DENY, "self-tamper-approve"),
        ("interlock token create --for alice", Verdict.DENY, "self-tamper-approve"),
        ("interlock keys rotate", Verdict.DENY, "self-tamper-approve"),
        ("python -m interlock approve 3", Verdict.DENY, "self-tamper-approve"),
        ("/usr/local/bin/interlock policy set x", Verdict.DENY, "self-tamper-approve"),
        ("vim .claude/settings.json", Verdict.DENY, "self-tamper-edit"),
        ("nano ~/.config/interlock/interlock.yaml", Verdict.DENY, "self-tamper-edit"),
        ("code policies/main.rego", Verdict.DENY, "self-tamper-edit"),
        ("vim notes.txt", Verdict.ALLOW, "editor-write"),
        ("nano /etc/hosts", Verdict.ASK, "editor-write"),
        ("pkill -f interlock", Verdict.DENY, "self-tamper-stop"),
        ("killall interlock", Verdict.DENY, "self-tamper-stop"),
        ("kill $(pgrep interlock)", Verdict.DENY, "self-tamper-stop"),
        ("systemctl stop interlock", Verdict.DENY, "self-tamper-stop"),
        ("sed -i 's/approvals: 2/approvals: 0/' interlock.yaml", Verdict.DENY,
         "self-tamper-file"),
        ("rm -rf .interlock", Verdict.DENY, "self-tamper-file"),
        ("git checkout -- .claude/settings.local.json", Verdict.DENY, "self-tamper-git"),
    ],
)  # fmt: skip
def test_self_tamper_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected

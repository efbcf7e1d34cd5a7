"""Read-only local tools and the options that make them write."""

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
        ("ls -la", Verdict.ALLOW, "local-read"),
        ("grep -rn TODO src", Verdict.ALLOW, "local-read"),
        ("jq '.name' package.json", Verdict.ALLOW, "local-read"),
        ("sort file.txt", Verdict.ALLOW, "local-read"),
        ("sort -o sorted.txt file.txt", Verdict.ALLOW, "local-write-output"),
        ("sort -o /etc/hosts hosts.txt", Verdict.ASK, "local-write-output"),
        ("sort -o interlock.yaml x", Verdict.DENY, "self-tamper-output"),
        ("uniq in.txt /etc/passwd", Verdict.ASK, "local-write-output"),
        ("date", Verdict.ALLOW, "local-read"),
        ("date -s '2024-01-01'", Verdict.ASK, "host-state-change"),
        ("hostname", Verdict.ALLOW, "local-read"),
        ("hostname web-01", Verdict.ASK, "host-state-change"),
        ("dmesg -T", Verdict.ALLOW, "local-read"),
        ("dmesg -C", Verdict.ASK, "host-state-change"),
        ("journalctl -u nginx --since today", Verdict.ALLOW, "local-read"),
        ("journalctl --vacuum-time=1s", Verdict.ASK, "host-state-change"),
        ("fzf --preview 'cat {}'", Verdict.ALLOW, "local-read"),
        ("fzf --bind 'enter:execute(rm {})'", Verdict.ASK, "fs-delete"),
        ("fzf --bind 'ctrl-r:reload(find .)'", Verdict.ALLOW, "local-read"),
        ("fzf --bind 'enter:become(rm -rf ~)'", Verdict.DENY, "fs-delete"),
        ("fzf --listen-unsafe=6266", Verdict.ASK, "host-state-change"),
        ("fd -e py", Verdict.ALLOW, "local-read"),
        ("command -v rm", Verdict.ALLOW, "local-read"),
        ("fd pattern -x echo", Verdict.ALLOW, "local-read"),
        ("fd -x rm", Verdict.ASK, "fs-delete"),
        ("yq -i '.a = 1' /etc/app.yaml", Verdict.ASK, "local-write-output"),
        ("tree -o /etc/motd", Verdict.ASK, "local-write-output"),
    ],
)
def test_read_only_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected

"""Archives and compressors: listing reads, extraction and compression write."""

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
        ("tar tzf a.tgz", Verdict.ALLOW, "archive-list"),
        ("tar -tvf archive.tar", Verdict.ALLOW, "archive-list"),
        ("tar -xvf archive.tar", Verdict.ALLOW, "fs-write"),
        ("tar xzf a.tgz -C /", Verdict.ASK, "fs-write"),
        ("tar -xzf a.tgz --directory=/etc", Verdict.ASK, "fs-write"),
        ("tar -cf archive.tar file.txt", Verdict.ALLOW, "fs-write"),
        ("tar czf /usr/local/backup.tgz src", Verdict.ASK, "fs-write"),
        ("tar czf backup.tgz --remove-files /srv/data", Verdict.ASK, "fs-delete"),
        ("unzip -l a.zip", Verdict.ALLOW, "archive-list"),
        ("unzip a.zip", Verdict.ALLOW, "fs-write"),
        ("unzip -o evil.zip -d /etc", Verdict.ASK, "fs-write"),
        ("zip -m out.zip /var/log/app.log", Verdict.ASK, "fs-delete"),
        ("gzip -l file.gz", Verdict.ALLOW, "archive-list"),
        ("gzip -c file.txt", Verdict.ALLOW, "archive-list"),
        ("gzip file.txt", Verdict.ALLOW, "fs-write"),
        ("gunzip /var/log/syslog.1.gz", Verdict.ASK, "fs-write"),
        ("7z l a.7z", Verdict.ALLOW, "archive-list"),
        ("7z x a.7z -o/opt/app", Verdict.ASK, "fs-write"),
        ("7zz a archive.7z folder/", Verdict.ALLOW, "fs-write"),
        ("tar -xf a.tar -C .claude", Verdict.DENY, "self-tamper-file"),
    ],
)
def test_archive_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected

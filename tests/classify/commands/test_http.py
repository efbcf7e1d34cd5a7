"""HTTP clients: the method they would send, the host they reach, files they write."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import (
    findings,
    rule_ids,
    verdict,
)


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("curl https://example.com", Verdict.ALLOW, "http-read"),
        ("curl -sSL -H 'Accept: application/json' https://api.test/x", Verdict.ALLOW,
         "http-read"),
        ("curl -I https://example.com", Verdict.ALLOW, "http-read"),
        ("curl -G -d q=1 https://api.test/search", Verdict.ALLOW, "http-read"),
        ("curl -X DELETE 'http://localhost:9200/_all'", Verdict.HOLD, "http-delete"),
        ("curl -XDELETE https://api.prod.example.com/v1/users/1", Verdict.HOLD, "http-delete"),
        ("curl --request=PUT https://api.example.com/x -d @f.json", Verdict.ASK, "http-write"),
        ("curl -d a=1 https://api.example.com/x", Verdict.ASK, "http-write"),
        ("curl -d a=1 https://api.dev.example.com/x", Verdict.ALLOW, "http-write"),
        ("curl -T f.txt https://up.example.com/", Verdict.ASK, "http-write"),
        ("curl -X POST http://es:9200/logs/_delete_by_query -d '{}'", Verdict.HOLD,
         "http-delete"),
        ("curl -X POST http://jenkins.local/job/deploy-prod/doDelete", Verdict.HOLD,
         "http-delete"),
        ("curl -Q 'DELE file.txt' ftp://example.com/", Verdict.HOLD, "http-delete"),
        ("curl -o out.html https://example.com", Verdict.ALLOW, "http-output-file"),
        ("curl -o /etc/hosts https://x.test/hosts", Verdict.ASK, "http-output-file"),
        ("curl -o .claude/settings.json https://x.test/s", Verdict.DENY, "self-tamper-output"),
        ("wget https://example.com/file.tgz", Verdict.ALLOW, "http-read"),
        ("wget -O /usr/local/bin/tool https://x.test/tool", Verdict.ASK, "http-output-file"),
        ("wget --post-data a=1 https://api.example.com/x", Verdict.ASK, "http-write"),
        ("http GET api.test/items", Verdict.ALLOW, "http-read"),
        ("http api.example.com/items name=x", Verdict.ASK, "http-write"),
        ("http DELETE api.test/items/1", Verdict.HOLD, "http-delete"),
        ("xh api.test/items q==1", Verdict.ALLOW, "http-read"),
    ],
)  # fmt: skip
def test_http_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected


def test_environment_comes_from_the_url_host() -> None:
    (found,) = findings("curl -X DELETE https://api.prod.example.com/v1/x")
    assert found.environment == "production"

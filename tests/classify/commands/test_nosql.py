"""redis-cli and mongosh: command tables and destructive JavaScript idioms."""

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
        ("redis-cli GET session:1", Verdict.ALLOW, "kv-read"),
        ("redis-cli -h cache.prod.internal INFO", Verdict.ALLOW, "kv-read"),
        ("redis-cli --scan --pattern 'user:*'", Verdict.ALLOW, "kv-read"),
        ("redis-cli SET k v", Verdict.ASK, "kv-write"),
        ("redis-cli -h cache.dev.internal SET k v", Verdict.ALLOW, "kv-write"),
        ("redis-cli FLUSHALL", Verdict.HOLD, "kv-destructive"),
        ("redis-cli -n 2 flushdb", Verdict.HOLD, "kv-destructive"),
        ("redis-cli -u redis://cache.prod.internal:6379 DEL k", Verdict.HOLD, "kv-destructive"),
        ("redis-cli CONFIG SET dir /tmp", Verdict.HOLD, "kv-privilege"),
        ("redis-cli CONFIG GET maxmemory", Verdict.ALLOW, "kv-read"),
        ("redis-cli --eval script.lua", Verdict.ASK, "kv-write"),
        ("mongosh --eval 'db.users.find({a: 1})'", Verdict.ALLOW, "kv-read"),
        ("mongosh --eval 'db.users.countDocuments()'", Verdict.ALLOW, "kv-read"),
        ("mongosh --eval 'db.dropDatabase()'", Verdict.HOLD, "kv-destructive"),
        ("mongo app --eval 'db.users.drop()'", Verdict.HOLD, "kv-destructive"),
        ("mongosh --eval 'db.users.deleteMany({})'", Verdict.HOLD, "kv-destructive"),
        ("mongosh --eval 'db.users.updateMany({}, {$set: {a: 1}})'", Verdict.HOLD,
         "kv-destructive"),
        ("mongosh --eval 'db.users.insertOne({a: 1})'", Verdict.ASK, "kv-write"),
        ("mongosh", Verdict.ASK, "kv-write"),
    ],
)  # fmt: skip
def test_kv_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected


def test_mongo_uri_names_the_environment() -> None:
    line = "mongosh 'mongodb+srv://app@cluster0.prod.example.net/x' --eval 'db.dropDatabase()'"
    assert {f.environment for f in findings(line)} == {"production"}


def test_redis_heredoc_commands_are_each_judged() -> None:
    assert "kv-destructive" in rule_ids("redis-cli <<'EOF'\nGET a\nFLUSHALL\nEOF")

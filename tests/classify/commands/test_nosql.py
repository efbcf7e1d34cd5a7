"""redis-cli and mongosh: command tables and destructive JavaScript idioms."""

from __future__ import annotations

import pytest

from interlock.classify.commands.nosql import lua_calls
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
        ("echo FLUSHALL | redis-cli", Verdict.HOLD, "kv-destructive"),
        ("echo 'db.dropDatabase()' | mongosh prod", Verdict.HOLD, "kv-destructive"),
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


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        # EVAL's Lua is judged by the commands it passes to redis.call/pcall
        ("redis-cli eval \"redis.call('flushall')\" 0", Verdict.HOLD, "kv-destructive"),
        ("redis-cli EVAL \"return redis.pcall('DEL', KEYS[1])\" 1 k", Verdict.HOLD,
         "kv-destructive"),
        ("redis-cli EVAL \"return redis.call('CONFIG', 'SET', 'dir', '/tmp')\" 0", Verdict.HOLD,
         "kv-privilege"),
        ("redis-cli EVAL \"return redis.call('GET', KEYS[1])\" 1 k", Verdict.ALLOW, "kv-read"),
        ("redis-cli EVAL 'return 1' 0", Verdict.ALLOW, "kv-read"),
        ("redis-cli EVAL \"return server.call [[FLUSHDB]]\" 0", Verdict.HOLD, "kv-destructive"),
        ("redis-cli EVAL \"-- redis.call('GET', 'a')\" 0", Verdict.ALLOW, "kv-read"),
        ("redis-cli SCRIPT LOAD \"return redis.call('SET', KEYS[1], 1)\"", Verdict.ASK,
         "kv-write"),
        ("redis-cli <<< 'EVAL \"return redis.call(\\\"flushall\\\")\" 0'", Verdict.HOLD,
         "kv-destructive"),
        # code that is stored on the server, or a command the Lua computes: opaque
        ("redis-cli EVALSHA 6b1bf486c81ceb7edf3c093f4c48582e38c0e791 0", Verdict.HOLD,
         "kv-opaque-script"),
        ("redis-cli -h cache.dev.internal FCALL cleanup 0", Verdict.HOLD, "kv-opaque-script"),
        ("redis-cli EVAL \"return redis.call(ARGV[1])\" 0 flushall", Verdict.HOLD,
         "kv-opaque-script"),
        ("redis-cli EVAL \"local c = redis.call; return c('flushall')\" 0", Verdict.HOLD,
         "kv-opaque-script"),
        ("redis-cli EVAL \"return _G['redis'].call('flushall')\" 0", Verdict.HOLD,
         "kv-opaque-script"),
        ("redis-cli EVAL \"return loadstring('return 1')()\" 0", Verdict.HOLD,
         "kv-opaque-script"),
        ("redis-cli EVAL \"return redis.call('fl\\\\x75shall')\" 0", Verdict.HOLD,
         "kv-opaque-script"),
        ("redis-cli EVAL \"return redis.call('GET', 'a\" 0", Verdict.HOLD, "kv-opaque-script"),
    ],
)  # fmt: skip
def test_lua_scripts_are_judged_by_their_calls(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected


def test_a_script_calling_several_commands_reports_each() -> None:
    line = "redis-cli EVAL \"redis.call('SET', 'k', 1); return redis.call('UNLINK', 'j')\" 0"
    assert {"kv-write", "kv-destructive"} <= rule_ids(line)


def test_lua_calls_reads_literal_words() -> None:
    code = "redis.call('CONFIG', 'SET', KEYS[1]); redis.log(redis.LOG_NOTICE, 'x')"
    assert lua_calls(code) == [["CONFIG", "SET"]]
    assert lua_calls("redis.call([==[DEL]==], 'k')") == [["DEL", "k"]]
    assert lua_calls("local redis_key = 'redis'; return redis_key") == []
    assert lua_calls("return redis") is None


def test_mongo_script_on_stdin_is_judged() -> None:
    """A here-string or heredoc body is the script mongosh runs."""
    assert verdict("mongosh prod <<< 'db.dropDatabase()'") is Verdict.HOLD

"""Key-value and document stores through their shells: redis-cli, mongosh/mongo.

Redis commands are words, so a command table decides: ``FLUSHALL``/``FLUSHDB`` wipe
everything, ``DEL``/``UNLINK`` remove keys, ``CONFIG SET``, ``ACL SETUSER`` and
``REPLICAOF`` (which discards the replica's data) change the server; ``GET``, ``SCAN``,
``INFO`` and friends read. A Lua script (``EVAL``, ``SCRIPT LOAD``, ``FUNCTION LOAD``)
is judged by the commands it passes to ``redis.call``/``pcall`` as literals, each as if
typed; code stored on the server (``EVALSHA``, ``FCALL``) or a computed command is
opaque. MongoDB's shell takes JavaScript; interlock looks for the
collection and database methods that destroy (``dropDatabase()``, ``drop()``,
``deleteMany({})``), change access (``createUser``, ``grantRolesToUser``) or write, and
treats any other code as a write of medium risk. The environment comes from the host
(``-h``, ``--host``, ``redis://``/``mongodb+srv://`` URIs).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import word_table
from interlock.classify.commands.sql import uri_host
from interlock.classify.commands.sqltext import Effect
from interlock.models import Category, Finding, Risk, Scope

KV_READ = Rule(
    "kv-read",
    Category.READ,
    "Redis or MongoDB commands that only read (GET, SCAN, INFO, find, countDocuments ...).",
    ("redis-cli GET key", "mongosh --eval 'db.users.find()'"),
)
KV_WRITE = Rule(
    "kv-write",
    Category.WRITE,
    "Redis or MongoDB commands that write, or code interlock cannot judge.",
    ("redis-cli SET key v", "mongosh --eval 'db.users.insertOne({a: 1})'"),
)
KV_DESTRUCTIVE = Rule(
    "kv-destructive",
    Category.DELETE,
    "Wiping or deleting data: FLUSHALL, FLUSHDB, DEL, UNLINK, SHUTDOWN, REPLICAOF; "
    "dropDatabase(), drop(), deleteMany({}), remove({}).",
    (
        "redis-cli FLUSHALL",
        "redis-cli -h cache.prod DEL session:1",
        "mongosh --eval 'db.dropDatabase()'",
        "mongo app --eval 'db.users.deleteMany({})'",
    ),
)
KV_PRIVILEGE = Rule(
    "kv-privilege",
    Category.PRIVILEGE,
    "Changing server configuration or access: CONFIG SET, ACL SETUSER/DELUSER, "
    "createUser, grantRolesToUser, dropUser.",
    ("redis-cli CONFIG SET dir /tmp", "mongosh --eval 'db.createUser({user: \"x\"})'"),
)
KV_OPAQUE = Rule(
    "kv-opaque-script",
    Category.OPAQUE,
    "Server-side code interlock cannot read: EVALSHA and FCALL (the code is stored on the "
    "server), and Lua whose redis.call command is computed.",
    (
        "redis-cli EVALSHA 6b1bf486c81ceb7edf3c093f4c48582e38c0e791 0",
        "redis-cli FCALL cleanup 0",
        'redis-cli EVAL "local c = ARGV[1]; return redis.call(c)" 0 flushall',
    ),
)

_REDIS_READ = word_table(
    """
        GET MGET GETRANGE STRLEN EXISTS TYPE TTL PTTL KEYS SCAN HGET HGETALL HMGET HKEYS
        HVALS HLEN HEXISTS HSCAN LRANGE LLEN LINDEX SMEMBERS SCARD SISMEMBER SMISMEMBER
        SSCAN SRANDMEMBER ZRANGE ZREVRANGE ZRANGEBYSCORE ZSCORE ZCARD ZCOUNT ZRANK ZSCAN
        INFO PING DBSIZE MONITOR TIME LASTSAVE ECHO XRANGE XREVRANGE XLEN XINFO XREAD
        PFCOUNT GETBIT BITCOUNT BITPOS GEOPOS GEODIST GEOSEARCH GEORADIUS OBJECT MEMORY
        SLOWLOG LATENCY COMMAND ROLE DUMP RANDOMKEY SUBSCRIBE PSUBSCRIBE PUBSUB STRALGO LCS
        SINTER SUNION SDIFF ZUNION ZINTER ZDIFF WAIT AUTH HELLO SELECT READONLY QUIT
        JSON.GET FT.SEARCH FT.INFO TS.GET TS.RANGE
    """
)
_REDIS_WIPE = frozenset({"FLUSHALL", "FLUSHDB", "SHUTDOWN", "REPLICAOF", "SLAVEOF", "SWAPDB"})
_REDIS_DELETE = word_table(
    """
        DEL UNLINK GETDEL HDEL SREM ZREM LREM XDEL XTRIM LTRIM ZREMRANGEBYSCORE
        ZREMRANGEBYRANK EXPIRE PEXPIRE EXPIREAT MIGRATE RENAME
    """
)
#: Commands that run code already stored on the server, which the line does not show.
_REDIS_STORED = frozenset({"EVALSHA", "EVALSHA_RO", "FCALL", "FCALL_RO"})
_REDIS_VALUES = word_table(
    """
        -h -p -a -n -u --user --pass -s --tls-cert --cacert --pattern -i -r --eval --rdb -d
        --sni --cert --key --count
    """
)


def _redis(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    host = _value(args, "-h") or uri_host(_value(args, "-u") or "")
    env = ctx.resolve_environment("hosts", host)
    target = f"redis {host or 'default'}"
    if {"--help", "-v", "--version"} & set(args):
        return (_kv(cmd, KV_READ, target, env, Effect(Category.READ, Risk.NONE, "help")),)
    if _value(args, "--eval") is not None:
        effect = Effect(Category.WRITE, Risk.HIGH, "runs a Lua script interlock cannot see")
        return (_kv(cmd, KV_WRITE, target, env, effect),)
    words = _positionals(args)
    scans = {"--scan", "--bigkeys", "--memkeys", "--stat", "--latency", "--hotkeys", "--rdb"}
    if not words and scans & set(args):
        return (_kv(cmd, KV_READ, target, env, Effect(Category.READ, Risk.NONE, "a scan")),)
    lines = [words] if words else [_split(ln) for ln in (cmd.stdin or "").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        effect = Effect(Category.WRITE, Risk.HIGH, "an interactive session interlock cannot see")
        return (_kv(cmd, KV_WRITE, target, env, effect),)
    return tuple(f for line in lines for f in _redis_line(cmd, target, env, line))


def _redis_line(
    cmd: SimpleCommand, target: str, env: str | None, words: list[str]
) -> list[Finding]:
    """One command; a script (``EVAL``, ``SCRIPT LOAD``, ``FUNCTION LOAD``) is judged by
    the commands its Lua calls, each as if typed; stored code is opaque."""
    verb = words[0].upper()
    sub = words[1].upper() if len(words) > 1 else ""
    if verb in _REDIS_STORED:
        effect = Effect(Category.OPAQUE, Risk.HIGH, f"{verb} runs code stored on the server")
        return [_kv(cmd, KV_OPAQUE, target, env, effect)]
    loads = (verb, sub) in (("SCRIPT", "LOAD"), ("FUNCTION", "LOAD"))
    if verb not in ("EVAL", "EVAL_RO") and not loads:
        return [_redis_command(cmd, target, env, words)]
    code = [w for w in words[(2 if loads else 1) :] if w.upper() != "REPLACE"][:1]
    calls = lua_calls(code[0]) if code else None
    if calls is None:
        effect = Effect(Category.OPAQUE, Risk.HIGH, f"{verb} runs Lua interlock cannot follow")
        return [_kv(cmd, KV_OPAQUE, target, env, effect)]
    distinct = dict.fromkeys(tuple(call) for call in calls)  # one finding per command
    found = [f for call in distinct for f in _redis_line(cmd, target, env, list(call))]
    if loads:
        effect = Effect(Category.WRITE, Risk.MEDIUM, f"{verb} LOAD stores code on the server")
        found.append(_kv(cmd, KV_WRITE, target, env, effect))
    if not found:
        effect = Effect(Category.READ, Risk.NONE, f"{verb} runs Lua that calls no command")
        found.append(_kv(cmd, KV_READ, target, env, effect))
    return found


def _redis_command(cmd: SimpleCommand, target: str, env: str | None, words: list[str]) -> Finding:
    verb = words[0].upper()
    sub = words[1].upper() if len(words) > 1 else ""
    if verb in _REDIS_WIPE:
        effect = Effect(Category.DELETE, Risk.CRITICAL, f"{verb} wipes or stops the server")
        return _kv(cmd, KV_DESTRUCTIVE, target, env, effect)
    if verb in _REDIS_DELETE:
        return _kv(
            cmd,
            KV_DESTRUCTIVE,
            target,
            env,
            Effect(Category.DELETE, Risk.HIGH, f"{verb} deletes data"),
        )
    if verb in ("CONFIG", "ACL", "MODULE", "DEBUG") and sub not in (
        "GET",
        "LIST",
        "WHOAMI",
        "USERS",
        "CAT",
        "LOG",
    ):
        effect = Effect(Category.PRIVILEGE, Risk.HIGH, f"{verb} {sub} changes the server")
        return _kv(cmd, KV_PRIVILEGE, target, env, effect)
    if verb in ("SCRIPT", "FUNCTION") and sub == "FLUSH":
        effect = Effect(Category.DELETE, Risk.HIGH, f"{verb} FLUSH deletes server code")
        return _kv(cmd, KV_DESTRUCTIVE, target, env, effect)
    if verb in _REDIS_READ or (
        verb in ("CLIENT", "CLUSTER", "CONFIG")
        and sub in ("LIST", "INFO", "GET", "NODES", "SLOTS", "ID", "GETNAME")
    ):
        return _kv(cmd, KV_READ, target, env, Effect(Category.READ, Risk.NONE, f"{verb} reads"))
    return _kv(cmd, KV_WRITE, target, env, Effect(Category.WRITE, Risk.MEDIUM, f"{verb} writes"))


#: Lua source split into what matters here: comments and strings (whose words are not
#: code), names, and single characters. Lua 5.1 lexical conventions (reference manual
#: section 2.1): long brackets ``[==[ ... ]==]`` for strings and ``--[[ ]]`` comments.
_LUA_TOKEN = re.compile(
    r"(?P<comment>--\[(?P<ceq>=*)\[.*?\](?P=ceq)\]|--[^\n]*)"
    r"|(?P<long>\[(?P<leq>=*)\[.*?\](?P=leq)\])"
    r"""|(?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"|(?P<name>[A-Za-z_]\w*)|(?P<number>\d[\w.]*)|(?P<other>\S)",
    re.DOTALL,
)
#: Names that reach code or globals indirectly (``load("...")``, ``_G["redis"]``):
#: with them, which command runs cannot be read from the text.
_LUA_HIDERS = word_table("load loadstring loadfile dofile require rawget getfenv setfenv _G _ENV")
#: Members of the ``redis``/``server`` object that run no command.
_LUA_HARMLESS = word_table(
    """
        log LOG_DEBUG LOG_VERBOSE LOG_NOTICE LOG_WARNING sha1hex error_reply status_reply
        setresp set_repl replicate_commands breakpoint debug REPL_ALL REPL_AOF REPL_SLAVE
        REPL_REPLICA REPL_NONE REDIS_VERSION REDIS_VERSION_NUM acl_check_cmd
        register_function
    """
)


def lua_calls(code: str) -> list[list[str]] | None:
    """The commands a Lua script passes to ``redis.call``/``pcall`` (also ``server.``),
    each as its leading literal words; ``None`` when any command is computed, the
    ``redis`` object escapes (``local c = redis.call``) or the text does not lex."""
    tokens = [(m.lastgroup or "", m.group()) for m in _LUA_TOKEN.finditer(code)]
    tokens = [t for t in tokens if t[0] != "comment"]
    calls: list[list[str]] = []
    for i, (kind, text) in enumerate(tokens):
        if kind == "other" and text in "'\"":
            return None  # an unterminated string: the rest cannot be read
        if kind != "name" or (i and tokens[i - 1][1] in (".", ":")):
            continue
        if text in _LUA_HIDERS:
            return None
        if text not in ("redis", "server"):
            continue
        dot, member = [*tokens[i + 1 : i + 3], ("", ""), ("", "")][:2]
        if dot[1] != "." or member[0] != "name":
            return None
        if member[1] in ("call", "pcall"):
            words = _lua_literal_args(tokens, i + 3)
            if words is None:
                return None
            calls.append(words)
        elif member[1] not in _LUA_HARMLESS:
            return None
    return calls


def _lua_literal_args(tokens: list[tuple[str, str]], start: int) -> list[str] | None:
    """The leading string arguments of the call at ``start`` (``('DEL', KEYS[1])`` gives
    ``['DEL']``); ``None`` when the first argument is not a string literal."""
    if tokens[start : start + 1] and tokens[start][0] in ("string", "long"):
        first = _lua_string(*tokens[start])  # ``redis.call"flushall"`` is a call too
        return [first] if first else None
    if tokens[start : start + 1] != [("other", "(")]:
        return None
    words: list[str] = []
    for j in range(start + 1, len(tokens), 2):
        value = _lua_string(*tokens[j])
        if value is None:
            break
        words.append(value)
        if tokens[j + 1 : j + 2] != [("other", ",")]:
            break
    return words or None


def _lua_string(kind: str, text: str) -> str | None:
    """A string literal's text; ``None`` for anything else or one with escapes."""
    if kind == "string":
        return None if "\\" in text else text[1:-1]
    if kind == "long":
        level = text.index("[", 1) + 1  # ``[==[``: the text starts after the second bracket
        return text[level:-level]
    return None


def _split(line: str) -> list[str]:
    """A line of redis-cli input as it splits it: quotes group words (``EVAL "..." 0``)."""
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def _kv(cmd: SimpleCommand, rule: Rule, target: str, env: str | None, effect: Effect) -> Finding:
    return finding(
        rule,
        cmd,
        scope=Scope.REMOTE,
        target=target,
        explanation=effect.why,
        risk=effect.risk,
        environment=env,
        stateful=effect.category is Category.DELETE,
        category=effect.category,
    )


def _value(args: tuple[str, ...], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if name.startswith("--") and arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _positionals(args: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif out:
            out.append(arg)
        elif arg in _REDIS_VALUES:
            skip = True
        elif not arg.startswith("-"):
            out.append(arg)
    return out


_MONGO_RULES: tuple[tuple[re.Pattern[str], Rule, Effect], ...] = (
    (
        re.compile(r"\.dropDatabase\s*\("),
        KV_DESTRUCTIVE,
        Effect(Category.DELETE, Risk.CRITICAL, "dropDatabase() deletes the whole database"),
    ),
    (
        re.compile(r"\.(deleteMany|remove)\s*\(\s*(\{\s*\})?\s*\)"),
        KV_DESTRUCTIVE,
        Effect(Category.DELETE, Risk.HIGH, "deleteMany({}) removes every document"),
    ),
    (
        re.compile(r"\.drop\s*\(|\.dropIndex(es)?\s*\(|\.drop[A-Z]\w*Collection"),
        KV_DESTRUCTIVE,
        Effect(Category.DELETE, Risk.HIGH, "drop() deletes a collection"),
    ),
    (
        re.compile(r"(updateMany|replaceOne)\s*\(\s*\{\s*\}"),
        KV_DESTRUCTIVE,
        Effect(Category.REPLACE, Risk.HIGH, "updateMany({}) overwrites every document"),
    ),
    (
        re.compile(
            r"(createUser|dropUser|updateUser|grantRolesToUser|revokeRolesFromUser|"
            r"createRole|dropRole|dropAllUsers|grantPrivilegesToRole)\s*\("
        ),
        KV_PRIVILEGE,
        Effect(Category.PRIVILEGE, Risk.HIGH, "changes database users or roles"),
    ),
    (
        re.compile(r"shutdown|fsyncLock|setParameter|replSetReconfig"),
        KV_PRIVILEGE,
        Effect(Category.PRIVILEGE, Risk.HIGH, "changes or stops the server"),
    ),
    (
        re.compile(r"\.(delete\w*|remove|findOneAndDelete|bulkWrite)\s*\("),
        KV_DESTRUCTIVE,
        Effect(Category.DELETE, Risk.MEDIUM, "deletes the documents its filter selects"),
    ),
    (
        re.compile(
            r"\.(insert\w*|update\w*|replace\w*|create\w*|save|renameCollection|"
            r"findOneAndUpdate|findOneAndReplace)\s*\(|\$out|\$merge"
        ),
        KV_WRITE,
        Effect(Category.WRITE, Risk.MEDIUM, "writes documents"),
    ),
)
_MONGO_READ = re.compile(
    r"^\s*(db\.(\w+\.)?(find|findOne|count\w*|aggregate|distinct|stats|getCollectionNames|"
    r"getCollectionInfos|getIndexes|getName|version|serverStatus|hostInfo|listCollections|"
    r"estimatedDocumentCount|explain|runCommand\(\s*\{\s*(ping|serverStatus|listCollections|"
    r"dbStats|collStats|buildInfo|hello|isMaster)\b)[^;]*|show \w+|print\w*\([^;]*\)|"
    r"printjson\([^;]*\)|JSON\.stringify\([^;]*\)|rs\.status\(\)|sh\.status\(\)|db)\s*;?\s*$"
)


def _mongo(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    host = _value(args, "--host") or next(
        (h for h in (uri_host(a) for a in args if "://" in a) if h), None
    )
    env = ctx.resolve_environment("hosts", host)
    target = f"mongodb {host or 'default'}"
    if {"--help", "--version", "-h"} & set(args):
        return (_kv(cmd, KV_READ, target, env, Effect(Category.READ, Risk.NONE, "help")),)
    code = _value(args, "--eval") or cmd.stdin
    files = [a for a in args if a.endswith(".js")]
    if code is None:
        why = f"runs the script {files[0]}" if files else "an interactive session"
        effect = Effect(Category.WRITE, Risk.HIGH, f"{why} interlock cannot see")
        return (_kv(cmd, KV_WRITE, target, env, effect),)
    found = [
        _kv(cmd, rule, target, env, eff) for pat, rule, eff in _MONGO_RULES if pat.search(code)
    ]
    if found:
        return found[:1] + [f for f in found[1:] if f.rule_id != found[0].rule_id]
    statements = [s for s in re.split(r"[;\n]", code) if s.strip()]
    if statements and all(_MONGO_READ.match(s) for s in statements):
        return (_kv(cmd, KV_READ, target, env, Effect(Category.READ, Risk.NONE, "reads")),)
    effect = Effect(Category.WRITE, Risk.MEDIUM, "runs JavaScript interlock cannot fully judge")
    return (_kv(cmd, KV_WRITE, target, env, effect),)


HANDLERS: Mapping[str, Handler] = {
    "redis-cli": _redis,
    "valkey-cli": _redis,
    "keydb-cli": _redis,
    "mongosh": _mongo,
    "mongo": _mongo,
}

RULES: tuple[Rule, ...] = (KV_READ, KV_WRITE, KV_DESTRUCTIVE, KV_PRIVILEGE)

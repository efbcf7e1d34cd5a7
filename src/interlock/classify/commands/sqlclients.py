"""SQL through the query clients of other engines, read from one table (``_CLIENTS``):
cockroach, snowsql, trino/presto, beeline, hive, spark-sql, usql, clickhouse-client,
cqlsh and sqlcmd; and the SQL that other tools carry (``clickhouse client``, ``wrangler
d1 execute``, the 1.x ``influx`` shell), for services.py to hand over.

These clients differ only in which options carry SQL, a script, the server or some other
value, so one table row describes each and one handler reads them all through sql.py's
option reader, targets and rules: the same SQL gets the same verdict whichever client
sends it. A server option, a JDBC/connection URL or the client's ``*_HOST`` variable
names the environment. Their own subcommands (``cockroach node decommission``,
``sqlcmd delete``) are judged here, as the cluster or container changes they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import operands, word_table
from interlock.classify.commands.sql import (
    SQL_DESTRUCTIVE,
    SQL_WRITE,
    SqlTarget,
    effect_finding,
    info_finding,
    local_target,
    option_value,
    parse_options,
    remote_target,
    run_client,
    uri_host,
)
from interlock.classify.commands.sqltext import Effect
from interlock.models import Category, Finding, Risk, Scope


class _Client(NamedTuple):
    """How one query client is called: the options that carry SQL, a script file, the
    server, or some other value; what its bare words are (``"host"``, ``"sql"``, or
    ``""``: nothing we read); and the variables that name its server."""

    sql: str
    files: str = ""
    hosts: str = ""
    values: str = ""
    words: str = ""
    host_vars: tuple[str, ...] = ()


_SPARK_VALUES = """
    --master --deploy-mode --class --name --jars --packages --exclude-packages --repositories
    --py-files --files --archives --conf -c --properties-file --driver-memory
    --driver-java-options --driver-library-path --driver-class-path --executor-memory
    --proxy-user --driver-cores --total-executor-cores --executor-cores --num-executors
    --principal --keytab --queue
"""
_HIVE_VALUES = "-d --define --hiveconf --hivevar --database"

#: The query clients: program -> its options (each a whitespace-separated list).
_CLIENTS: Mapping[str, _Client] = {
    "clickhouse-client": _Client(
        "-q --query",
        "--queries-file",
        "-h --host",
        "--port -u --user --password -d --database -f --format --config-file -C --param",
        "sql",
        ("CLICKHOUSE_HOST",),
    ),
    "cqlsh": _Client(
        "-e --execute",
        "-f --file",
        "",
        "-u --username -p --password -k --keyspace "
        "--cqlshrc --cqlversion --encoding --connect-timeout --request-timeout",
        "host",
    ),
    "sqlcmd": _Client(
        "-Q -q --query",
        "-i --input-file",
        "-S --server",
        "-U -P -d --database -h -s -w -o -v -l -t -A -f -u --user-name --password",
        "",
        ("SQLCMDSERVER",),
    ),
    "usql": _Client(
        "-c --command",
        "-f --file",
        "",
        "-o --out -v --set -N --cset -P --pset -F "
        "--field-separator -R --record-separator -T --table-attr --config",
        "host",
    ),
    "cockroach": _Client(
        "-e --execute",
        "-f --file",
        "--url --host",
        "-d --database -u --user -p --port --certs-dir --format --set --watch --cluster-name",
        "",
        ("COCKROACH_URL", "COCKROACH_HOST"),
    ),
    "snowsql": _Client(
        "-q --query",
        "-f --filename",
        "-a --accountname -h --host",
        "-u --username -d "
        "--dbname -s --schemaname -r --rolename -w --warehouse -p --port -c --connection "
        "--config -o --option -D --variable --authenticator --private-key-path -P",
        "",
        ("SNOWSQL_ACCOUNT", "SNOWSQL_HOST"),
    ),
    "trino": _Client(
        "--execute",
        "-f --file",
        "--server",
        "--catalog --schema --user --session --source "
        "--output-format --client-tags --client-info --access-token --extra-credential "
        "--timezone --http-proxy --socks-proxy --keystore-path --truststore-path "
        "--resource-estimate --client-request-timeout --network-logging",
        "host",
    ),
    "beeline": _Client(
        "-e",
        "-f -i --init",
        "-u",
        "-n -p -d -w -a -c --hiveconf --hivevar --property-file --outputformat --delimiter",
        "",
    ),
    "hive": _Client("-e", "-f -i", "", f"{_HIVE_VALUES} --service", ""),
    "spark-sql": _Client("-e", "-f -i", "", f"{_HIVE_VALUES} {_SPARK_VALUES}", ""),
}


def _client(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Query clients (``_CLIENTS``): SQL from options, bare words or a heredoc, run on
    the server their host option, URL, variable or first bare word names."""
    program = cmd.program
    args = cmd.args
    if not args[2:] and {"--help", "-?", "--version", "-V", "--usage"} & set(args):
        return (info_finding(cmd, SqlTarget(Scope.REMOTE, program, None), "help or version"),)
    sub = args[0] if args and not args[0].startswith("-") else ""
    if program == "sqlcmd" and sub and sub != "query":
        return (_sqlcmd_admin(cmd, ctx, sub),)
    if program == "cockroach":
        return _cockroach(cmd, ctx, sub)
    spec = _CLIENTS["trino" if program == "presto" else program]
    rest = args[1:] if sub == "query" and program == "sqlcmd" else args
    p = parse_options(
        tuple(a for a in rest if a not in ("-n", "--multiquery") or program != "clickhouse-client"),
        sql_opts=frozenset(spec.sql.split()) | ({"-t", "--text"} if rest is not args else set()),
        file_opts=frozenset(spec.files.split()),
        host_opts=frozenset(spec.hosts.split()),
        value_opts=frozenset(spec.values.split()),
        info_opts=frozenset(),
    )
    if spec.words == "sql" or rest is not args:
        p.sql += p.positional
    host = p.host or next(filter(None, map(cmd.assignments.get, spec.host_vars)), None)
    if spec.words == "host" and p.positional:
        host = host or p.positional[0]
    if program == "usql" and host and _local_dsn(host) is not None:
        return run_client(cmd, local_target(ctx, _local_dsn(host) or "", program), p, program)
    if program == "snowsql":
        host = host or option_value(args, ("-c", "--connection"))
    return run_client(cmd, remote_target(ctx, server_host(host), program), p, program)


def server_host(value: str | None) -> str | None:
    """The host a server option names: a URL's (``jdbc:hive2://h:10000/db`` too), or
    the value without its ``:port``."""
    if not value:
        return None
    value = value.removeprefix("jdbc:")
    if "://" in value:
        return uri_host(value)
    host, colon, port = value.rpartition(":")
    return host if colon and port.isdigit() else value


#: usql's file-backed drivers (``sq:app.db``, ``duckdb:x.duckdb``, a bare path).
_FILE_SCHEMES = ("sq", "sqlite", "sqlite3", "file", "dk", "duckdb", "ddb")


def _local_dsn(dsn: str) -> str | None:
    """The local database file a usql DSN names, else ``None`` (a server)."""
    scheme, colon, rest = dsn.partition(":")
    if colon and scheme.lower() in _FILE_SCHEMES:
        return rest.removeprefix("//") or ":memory:"
    if not colon and dsn.endswith((".db", ".sqlite", ".sqlite3", ".duckdb")):
        return dsn
    return None


_COCKROACH_READ = word_table("version help gen sqlfmt statement-diag cert-list")


def _cockroach(cmd: SimpleCommand, ctx: CommandContext, sub: str) -> Iterable[Finding]:
    """``cockroach sql`` (and ``demo``, a throwaway local cluster) runs SQL; ``node
    decommission|drain`` and ``quit`` take nodes out of a cluster; ``start`` runs one."""
    if sub in ("sql", "demo"):
        spec = _CLIENTS["cockroach"]
        p = parse_options(
            cmd.args[1:],
            sql_opts=frozenset(spec.sql.split()),
            file_opts=frozenset(spec.files.split()),
            host_opts=frozenset(spec.hosts.split()),
            value_opts=frozenset(spec.values.split()),
            info_opts=frozenset(),
        )
        if sub == "demo":
            return run_client(cmd, SqlTarget(Scope.WORKSPACE, "cockroach demo", None), p, sub)
        env = (cmd.assignments.get(v) for v in spec.host_vars)
        host = server_host(p.host or next(filter(None, env), None))
        return run_client(cmd, remote_target(ctx, host, "cockroach sql"), p, "cockroach sql")
    host = server_host(option_value(cmd.args, ("--url", "--host")))
    where = remote_target(ctx, host, f"cockroach {sub or 'cluster'}")
    words = operands(cmd.args, frozenset(_CLIENTS["cockroach"].values.split()))
    if sub in _COCKROACH_READ or words[1:2] in (["status"], ["ls"], ["list"]):
        return (info_finding(cmd, where, f"cockroach {sub} reads"),)
    if sub == "quit" or words[1:2] in (["decommission"], ["drain"]):
        what = Effect(Category.DELETE, Risk.HIGH, f"cockroach {' '.join(words[:2])} removes a node")
        return (effect_finding(cmd, where, what, " ".join(cmd.args)),)
    what = Effect(Category.WRITE, Risk.MEDIUM, f"cockroach {sub} changes a cluster")
    return (effect_finding(cmd, where, what, " ".join(cmd.args)),)


def clickhouse_subcommand(cmd: SimpleCommand, ctx: CommandContext) -> list[Finding] | None:
    """``clickhouse client ...`` judged as ``clickhouse-client ...``; ``None`` for the
    multi-tool's other subcommands (``clickhouse`` itself is a services.py program)."""
    if cmd.args[:1] != ("client",):
        return None
    inner = cmd._replace(argv=("clickhouse-client", *cmd.args[1:]))
    return list(_client(inner, ctx))


#: ``wrangler d1 execute`` options that take a value.
_D1_VALUES = word_table("--command --file --env -e --config -c --persist-to --json --batch-size")


def wrangler_d1(cmd: SimpleCommand, ctx: CommandContext) -> list[Finding] | None:
    """``wrangler d1 execute DB --command SQL | --file F``: the SQL is read. Only
    ``--local`` is the local copy: wrangler before 3.33 ran against the remote database
    by default, and the version is not known. ``None`` for other subcommands."""
    if cmd.args[:2] != ("d1", "execute"):
        return None
    args = cmd.args[2:]
    p = parse_options(
        args,
        sql_opts=frozenset({"--command"}),
        file_opts=frozenset({"--file"}),
        host_opts=frozenset(),
        value_opts=_D1_VALUES - {"--command", "--file"},
        info_opts=frozenset({"--help", "-h"}),
    )
    db = p.positional[0] if p.positional else "d1"
    if "--local" in args and "--remote" not in args:
        return run_client(cmd, SqlTarget(Scope.WORKSPACE, f"local D1 {db}", None), p, "wrangler")
    env = ctx.resolve_environment("hosts", option_value(args, ("--env", "-e")) or db)
    return run_client(cmd, SqlTarget(Scope.REMOTE, f"D1 database {db}", env), p, "wrangler d1")


#: influx 1.x options (Go's flag package: ``-x``, ``--x``, ``-x=v`` alike) that take a value.
_INFLUX_VALUES = word_table(
    """
        --host --port --database --username --password --format --precision --type
        --consistency --pps --path --socket --unix-socket --compressed
    """
)


def influx_v1(cmd: SimpleCommand, ctx: CommandContext) -> list[Finding] | None:
    """The 1.x ``influx`` shell: ``-execute 'InfluxQL'`` is read as SQL (its DROP,
    DELETE and SHOW forms are SQL's), ``-import -path=F`` runs a file unseen. ``None``
    when the words are 2.x subcommands (``influx bucket delete``), judged by services.py.
    """
    args = tuple("-" + a if a[:1] == "-" and a[1:2] != "-" and len(a) > 2 else a for a in cmd.args)
    names = {a.partition("=")[0] for a in args}
    if not {"--execute", "--import"} & names:
        return None
    p = parse_options(
        args,
        sql_opts=frozenset({"--execute"}),
        file_opts=frozenset({"--path"}) if "--import" in names else frozenset(),
        host_opts=frozenset({"--host"}),
        value_opts=_INFLUX_VALUES - {"--host", "--path"},
        info_opts=frozenset(),
    )
    database = option_value(args, ("--database",)) or "default"
    where = remote_target(ctx, server_host(p.host), f"InfluxDB database {database}")
    return run_client(cmd, where, p, "influx")


def _sqlcmd_admin(cmd: SimpleCommand, ctx: CommandContext, sub: str) -> Finding:
    where = SqlTarget(Scope.HOST, "sqlcmd", None)
    if sub in ("config", "open", "ls", "info") or sub.startswith("-"):
        return info_finding(cmd, where, f"sqlcmd {sub} reads local settings")
    if sub in ("delete", "stop", "uninstall"):
        return finding(
            SQL_DESTRUCTIVE,
            cmd,
            scope=Scope.HOST,
            target="a local SQL Server container",
            explanation=f"sqlcmd {sub} removes or stops a local database server",
            risk=Risk.HIGH,
        )
    del ctx
    return finding(
        SQL_WRITE,
        cmd,
        scope=Scope.HOST,
        target="a local SQL Server container",
        explanation=f"sqlcmd {sub} installs or starts a local database server",
    )


HANDLERS: Mapping[str, Handler] = {**dict.fromkeys(_CLIENTS, _client), "presto": _client}

#: Findings here use sql.py's rules (sql-read, sql-destructive, ...): one rule per
#: effect, whichever client runs the SQL.
RULES: tuple[Rule, ...] = ()

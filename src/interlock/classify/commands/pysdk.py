"""Inline Python that reaches infrastructure: cloud and cluster SDKs, database drivers.

``python -c "import boto3; boto3.client('rds').delete_db_instance(...)"`` deletes a
database as surely as ``aws rds delete-db-instance`` does, so the same rules apply:

* with a cloud or cluster SDK imported (boto3, botocore, google.cloud,
  googleapiclient, azure, kubernetes, openstack, digitalocean, hcloud), a method whose
  name carries a destructive verb (``delete_*``, ``terminate_*``, ``begin_delete``,
  ``destroy`` ...: the verbs of generic.py) deletes something remote, and one with a
  changing verb (``create_*``, ``put_*``, ``update_*`` ...) writes. Which object a
  variable holds is not tracked: in such code every method of that name counts, which
  can only hold more, never less. It is stateful when the call or a service named in
  the code (``client('rds')``) names a database, table, bucket, volume or snapshot;
  SQL an SDK sends to a managed database (``execute_statement(sql=...)``,
  ``QueryString=``) is judged as SQL, as the CLI's ``--sql`` is;
* with a database driver imported (psycopg, psycopg2, pymysql, MySQLdb,
  mysql.connector, sqlite3, asyncpg, sqlalchemy, duckdb), a literal SQL string given
  to ``execute``/``executemany``/``executescript`` or to ``sqlalchemy.text`` is judged
  by the SQL reader, on the host of a literal connect string (unknown, so protected,
  otherwise); SQL built at run time cannot be judged and is opaque.

Detection is separate from judgement: ``remote_call`` reads one call of the tree,
``judge_remote`` turns it into findings, so pycode.py stays a reader of Python alone.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from interlock.classify.command import CommandContext, Rule, SimpleCommand, finding
from interlock.classify.commands.generic import DESTRUCTIVE_VERBS
from interlock.classify.commands.paths import word_table
from interlock.models import Category, Finding, Risk, Scope

SDK_DELETE = Rule(
    "code-sdk-delete",
    Category.DELETE,
    "Inline Python calling a cloud or cluster SDK method that deletes, terminates or "
    "purges something remote (boto3 delete_db_instance, kubernetes delete_namespace).",
    (
        "python3 -c \"import boto3; boto3.client('rds').delete_db_instance("
        "DBInstanceIdentifier='prod')\"",
    ),
)
SDK_WRITE = Rule(
    "code-sdk-write",
    Category.WRITE,
    "Inline Python calling a cloud or cluster SDK method that creates or changes "
    "something remote (put_object, update_service, begin_create_or_update).",
    ("python3 -c \"import boto3; boto3.client('s3').put_object(Bucket='b', Key='k')\"",),
)
SDK_SQL_OPAQUE = Rule(
    "code-sql-computed",
    Category.OPAQUE,
    "Inline Python sending SQL built at run time to a database driver: it cannot be judged.",
    ("python3 -c \"import sqlite3, sys; sqlite3.connect('a.db').execute(sys.argv[1])\"",),
)
RULES: tuple[Rule, ...] = (SDK_DELETE, SDK_WRITE, SDK_SQL_OPAQUE)

_SDK_ROOTS = (
    "boto3",
    "botocore",
    "aioboto3",
    "google.cloud",
    "googleapiclient",
    "azure",
    "kubernetes",
    "openstack",
    "novaclient",
    "digitalocean",
    "hcloud",
    "linode_api4",
    "oci",
    "ibm_cloud_sdk_core",
)
_DRIVERS = (
    "psycopg",
    "psycopg2",
    "pymysql",
    "MySQLdb",
    "mysql.connector",
    "sqlite3",
    "asyncpg",
    "sqlalchemy",
    "duckdb",
    "pymssql",
    "pyodbc",
    "cx_Oracle",
    "oracledb",
    "snowflake.connector",
)
_LOCAL_ENGINES = ("sqlite3", "duckdb")
_SQL_METHODS = word_table(
    "execute executemany executescript exec_driver_sql fetch fetchrow fetchval sql query"
)
_WRITE_WORDS = word_table(
    """
        create put update modify attach detach set patch replace insert upsert start stop
        reboot restart run invoke send publish copy restore import apply scale resize
        disable enable associate disassociate register add upload write tag untag move
        rotate reset change grant authorize revoke cancel execute exec
    """
)
_READ_WORDS = word_table("get list describe head batch_get query scan read")
#: Words naming things that hold data: their deletion is stateful.
_STATEFUL_WORDS = word_table(
    """
        db database databases rds aurora dynamodb table tables volume volumes disk disks
        bucket buckets s3 blob blobs snapshot snapshots backup backups cluster clusters
        filesystem efs fsx secret secrets kms key keys keyspace index collection
        dataset datasets bigquery spanner firestore datastore bigtable sql sqladmin
        storage namespace persistent statefulset redshift elasticache cache queue
        stream topic ledger vault instance instances
    """
)
#: Keyword arguments by which SDKs send SQL to a managed database.
_SQL_KEYWORDS = ("sql", "Sql", "QueryString", "Statement", "Statements")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NAME_WORDS = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class RemoteCall:
    """One call reaching a remote system: ``kind`` is delete, write or sql."""

    kind: str
    call: str
    value: str | None  # the SQL for kind sql (None when computed); the call otherwise
    engine: str = ""
    host: str | None = None
    database: str | None = None  # a local engine's file
    stateful: bool = False


@dataclass(slots=True)
class Reach:
    """What the whole source imports and connects to, read once before its calls."""

    sdk: bool = False
    drivers: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    hosts: list[str | None] = field(default_factory=list)
    files: list[str | None] = field(default_factory=list)


def reach(tree: ast.AST, aliases: dict[str, str]) -> Reach:
    """The SDKs and drivers ``tree`` imports, the services and hosts it names."""
    modules = [_module(n) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    imported = [m for ms in modules for m in ms]
    out = Reach(
        sdk=any(_under(m, _SDK_ROOTS) for m in imported),
        drivers=[d for d in _DRIVERS if any(_under(m, (d,)) for m in imported)],
    )
    if not (out.sdk or out.drivers):
        return out
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            _read_setup(node, _name(node.func, aliases), out)
    return out


def remote_call(node: ast.Call, name: str, seen: Reach) -> RemoteCall | None:
    """What one call does to a remote system, or ``None`` when nothing known."""
    method = name.rsplit(".", 1)[-1]
    if seen.drivers and (method in _SQL_METHODS or name == "sqlalchemy.text"):
        return _sql_call(node, name, seen)
    if not seen.sdk or not method or _local_module(name, seen):
        return None
    sql = _keyword(node, _SQL_KEYWORDS)
    if sql is not None:  # rds-data execute_statement(sql=...), Athena, Redshift Data
        text = sql.value if isinstance(sql, ast.Constant) else None
        return RemoteCall("sql", name, text if isinstance(text, str) else None, engine=method)
    words = _words(method)
    if words[:1] and words[0] in _READ_WORDS:
        return None
    text = ast.unparse(node.func)
    stateful = any(w in _STATEFUL_WORDS for w in _words(text) + seen.services)
    if any(w in DESTRUCTIVE_VERBS for w in words):
        return RemoteCall("delete", text, text, stateful=stateful)
    if any(w in _WRITE_WORDS for w in words):
        return RemoteCall("write", text, text, stateful=stateful)
    return None


def judge_remote(call: RemoteCall, cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    """Findings for one remote call, on an environment the code cannot name."""
    if call.kind == "sql":
        return _judge_sql(call, cmd, ctx)
    env = ctx.resolve_environment("names", None)
    deletes = call.kind == "delete"
    what = "holds data" if call.stateful else "lives on a remote system"
    return [
        finding(
            SDK_DELETE if deletes else SDK_WRITE,
            cmd,
            scope=Scope.REMOTE,
            target=call.call,
            explanation=(
                f"{call.call} {'deletes' if deletes else 'changes'} something that {what}, "
                "in an environment the code does not name"
            ),
            risk=(Risk.CRITICAL if call.stateful else Risk.HIGH) if deletes else Risk.MEDIUM,
            environment=env,
            stateful=deletes and call.stateful,
        )
    ]


def _judge_sql(call: RemoteCall, cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    from interlock.classify.commands.sql import judge_sql, local_target, remote_target

    if call.engine in _LOCAL_ENGINES:
        where = local_target(ctx, call.database or "", call.engine)
    else:
        where = remote_target(ctx, call.host, call.engine or "a database")
    if call.value is None:
        return [
            finding(
                SDK_SQL_OPAQUE,
                cmd,
                scope=where.scope,
                target=where.name,
                explanation=f"{call.call} sends SQL built at run time: cannot be judged",
                risk=Risk.HIGH,
                environment=where.environment,
            )
        ]
    return judge_sql(cmd, where, call.value)


def _sql_call(node: ast.Call, name: str, seen: Reach) -> RemoteCall | None:
    first = node.args[0] if node.args else _keyword(node, ("sql", "query", "operation"))
    if first is None:
        return None
    if isinstance(first, ast.Call) and _name(first.func, {}).endswith("text"):
        return None  # execute(text("...")): the text() call is judged itself
    sql = first.value if isinstance(first, ast.Constant) else None
    if not isinstance(sql, str):
        sql = None
    engine = seen.drivers[0]
    database = _single(seen.files) if engine in _LOCAL_ENGINES else None
    return RemoteCall("sql", name, sql, engine=engine, host=_single(seen.hosts), database=database)


def _read_setup(node: ast.Call, name: str, out: Reach) -> None:
    """Note a service (``client('rds')``) or a connection (``connect('host=db')``)."""
    method = name.rsplit(".", 1)[-1]
    first = node.args[0] if node.args else None
    literal = first.value if isinstance(first, ast.Constant) else None
    if method in ("client", "resource", "build", "Session") and isinstance(literal, str):
        out.services.extend(_words(literal))
    connects = ("connect", "create_engine", "create_async_engine", "create_pool", "Connection")
    if method in connects and (node.args or node.keywords):  # engine.connect(): no new host
        host = _keyword(node, ("host", "server", "hostname"))
        text = host.value if isinstance(host, ast.Constant) else literal
        target = _keyword(node, ("database", "dsn", "conninfo", "url"))
        if not isinstance(text, str) and isinstance(target, ast.Constant):
            text = target.value
        text = text if isinstance(text, str) else None
        out.hosts.append(_host(text) if text is not None else None)
        out.files.append(_file(text) if text is not None else None)


def _host(text: str) -> str | None:
    """The server of a DSN: a URL's host, libpq's ``host=``, else the text itself
    when it looks like a bare host name."""
    from interlock.classify.commands.sql import uri_host

    if "://" in text:
        return uri_host(text)
    match = re.search(r"\bhost\s*=\s*'?([^\s']+)", text)
    if match:
        return match.group(1)
    if "=" in text or "/" in text or not text:
        return None
    return text


def _file(text: str) -> str | None:
    """A local engine's database file (``sqlite3.connect('app.db')``, ``sqlite:///x``)."""
    if text.startswith(("sqlite:///", "duckdb:///")):
        return text.split(":///", 1)[1] or ":memory:"
    return None if "://" in text else text


def _single(values: list[str | None]) -> str | None:
    """The one value every connection agrees on; ``None`` (unknown) otherwise."""
    return values[0] if len(set(values)) == 1 else None


def _keyword(node: ast.Call, names: tuple[str, ...]) -> ast.expr | None:
    return next((kw.value for kw in node.keywords if kw.arg in names), None)


def _local_module(name: str, seen: Reach) -> bool:
    """A call on a plain library module (``os.remove``, ``json.dumps``): not the SDK's."""
    del seen
    root = name.split(".", 1)[0]
    return bool(root) and root in _STDLIB


_STDLIB = word_table(
    "os sys shutil json re time datetime pathlib subprocess collections itertools functools "
    "math random string logging argparse typing io csv tempfile glob"
)


def _words(name: str) -> list[str]:
    """``deleteDBInstance`` / ``delete_db_instance`` -> ``[delete, db, instance]``."""
    return [w.lower() for w in _NAME_WORDS.findall(_CAMEL.sub("_", name).replace("_", " "))]


def _module(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        return [base, *(f"{base}.{a.name}" for a in node.names)]
    return [a.name for a in node.names]


def _under(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == r or module.startswith(r + ".") for r in roots)


def _name(func: ast.expr, aliases: dict[str, str]) -> str:
    from interlock.classify.commands.pycode import dotted

    return dotted(func, aliases)

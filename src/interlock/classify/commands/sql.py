"""SQL through its command-line clients: psql, mysql/mariadb, sqlite3, duckdb,
clickhouse-client, cqlsh, sqlcmd, and the PostgreSQL/MySQL admin tools.

The SQL comes from ``-c``/``-e``/``--command``/``--query``, a positional argument or a
heredoc (``cmd.stdin``); sqltext.py splits and judges it. Short options are read as
getopt reads them, so a cluster (``mysql -Bse SQL``, ``psql -qAtc SQL``) hides nothing.
A database is remote infrastructure: its environment comes from ``-h``/``--host``, a
connection URI (``postgresql://app@db.prod.internal/x``) or a ``PGHOST``/``MYSQL_HOST``
assignment, and stays unknown (which the floor treats as protected) otherwise. SQLite and DuckDB
files inside the workspace are workspace data. SQL read from a file (``-f x.sql``,
``< x.sql``) cannot be seen: it is a high-risk write, and the environment decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import operands, place, protected, self_tamper, word_table
from interlock.classify.commands.sqltext import Effect, classify, split_sql
from interlock.models import Category, Finding, Risk, Scope

SQL_READ = Rule(
    "sql-read",
    Category.READ,
    "SQL that only reads: SELECT, SHOW, EXPLAIN, DESCRIBE, psql meta-commands, listings.",
    ("psql -c 'SELECT 1'", "mysql -e 'SHOW TABLES'", "sqlite3 app.db '.tables'"),
)
SQL_WRITE = Rule(
    "sql-write",
    Category.WRITE,
    "SQL that adds or changes rows or schema: INSERT, UPDATE ... WHERE, CREATE, ALTER, "
    "and statements interlock does not know.",
    ("psql -c 'INSERT INTO t VALUES (1)'", "mysql -e 'CREATE TABLE t (id INT)'"),
)
SQL_DESTRUCTIVE = Rule(
    "sql-destructive",
    Category.DELETE,
    "SQL that destroys data: DROP, TRUNCATE, DELETE without WHERE (or WHERE 1=1), UPDATE "
    "without WHERE, ALTER TABLE ... DROP, dropdb, pg_restore --clean.",
    (
        "psql -c 'DROP DATABASE production'",
        "psql -c 'TRUNCATE TABLE sessions'",
        "mysql -e 'DELETE FROM users'",
        "dropdb production",
    ),
)
SQL_PRIVILEGE = Rule(
    "sql-privilege",
    Category.PRIVILEGE,
    "SQL that changes access: GRANT, REVOKE, CREATE/ALTER/DROP USER or ROLE.",
    ("psql -c 'GRANT ALL ON x TO bob'", "mysql -e \"CREATE USER 'a'@'%'\""),
)
SQL_UNSEEN = Rule(
    "sql-unseen-script",
    Category.WRITE,
    "SQL read from a file or typed into an interactive session: its content is not visible "
    "to interlock, so it is a high-risk write whose environment decides.",
    ("psql -f migrate.sql", "mysql mydb", "sqlite3 app.db '.read x.sql'"),
)
SQL_OPAQUE = Rule(
    "sql-opaque-code",
    Category.OPAQUE,
    "SQL that runs code interlock cannot read: CALL, EXECUTE, EXEC of stored code, and DO "
    "blocks with control flow, dynamic EXECUTE or another language.",
    (
        "psql -c 'CALL cleanup()'",
        "psql -c 'DO $$ BEGIN EXECUTE $q$DROP TABLE x$q$; END $$'",
        "sqlcmd -Q 'EXEC dbo.purge'",
    ),
)

SQL_SELF_TAMPER = Rule(
    "self-tamper-database",
    Category.SELF_TAMPER,
    "Changing interlock's own SQLite store (requests, votes, audit log) with a SQL client.",
    ("sqlite3 .interlock/interlock.db 'DELETE FROM votes'",),
)


class _Target:
    """Where the statements run: scope, environment and a readable name."""

    __slots__ = ("environment", "name", "scope")

    def __init__(self, scope: Scope, name: str, environment: str | None) -> None:
        self.scope = scope
        self.name = name
        self.environment = environment


def _remote(ctx: CommandContext, host: str | None, name: str) -> _Target:
    env = ctx.resolve_environment("hosts", host)
    return _Target(Scope.REMOTE, f"{name} on {host}" if host else name, env)


def uri_host(value: str) -> str | None:
    """The host of a connection URI (``postgresql://u@h:5432/db``), else ``None``."""
    if "://" not in value:
        return None
    try:
        return urlsplit(value).hostname
    except ValueError:
        return None


def _effect_finding(cmd: SimpleCommand, where: _Target, effect: Effect, text: str) -> Finding:
    rule = (
        SQL_UNSEEN
        if effect is _UNSEEN
        else {
            Category.READ: SQL_READ,
            Category.PRIVILEGE: SQL_PRIVILEGE,
            Category.DELETE: SQL_DESTRUCTIVE,
            Category.REPLACE: SQL_DESTRUCTIVE,
            Category.OPAQUE: SQL_OPAQUE,
        }.get(effect.category, SQL_WRITE)
    )
    return finding(
        rule,
        cmd,
        scope=where.scope,
        target=where.name,
        explanation=f"{effect.why}: {text[:80]}",
        risk=effect.risk,
        environment=where.environment,
        stateful=effect.category in (Category.DELETE, Category.REPLACE),
        category=effect.category,
    )


def judge_sql(cmd: SimpleCommand, where: _Target, sql: str) -> list[Finding]:
    """One finding per statement of ``sql``, plus meta-commands (``\\d``, ``.tables``)."""
    found: list[Finding] = []
    for line in sql.splitlines():
        meta = _meta_command(line.strip())
        if meta is not None:
            found.append(_effect_finding(cmd, where, meta, line.strip()))
    body = "\n".join(ln for ln in sql.splitlines() if _meta_command(ln.strip()) is None)
    for stmt in split_sql(body):
        found.append(_effect_finding(cmd, where, classify(stmt), stmt.text))
    return found


_UNSEEN = Effect(Category.WRITE, Risk.HIGH, "runs SQL interlock cannot see")


def _meta_command(line: str) -> Effect | None:
    """psql ``\\`` and sqlite ``.`` commands; ``\\!``/``.shell``/``.read`` hide work."""
    if line.startswith("\\"):
        name = line[1:].split(" ", 1)[0]
        if name.startswith(("!", "i", "o", "w", "copy", "g", "gexec", "ir")):
            return _UNSEEN
        return Effect(Category.READ, Risk.NONE, "a psql meta-command")
    if line.startswith("."):
        name = line[1:].split(" ", 1)[0]
        if name in (
            "shell",
            "system",
            "read",
            "import",
            "output",
            "once",
            "save",
            "restore",
            "backup",
            "load",
            "open",
            "clone",
            "excel",
            "recover",
        ):
            return _UNSEEN
        return Effect(Category.READ, Risk.NONE, "a sqlite dot-command")
    return None


def _unseen(cmd: SimpleCommand, where: _Target, what: str) -> Finding:
    return finding(
        SQL_UNSEEN,
        cmd,
        scope=where.scope,
        target=where.name,
        explanation=f"{what}: the SQL it runs is not visible to interlock",
        risk=Risk.HIGH,
        environment=where.environment,
    )


def _info(cmd: SimpleCommand, where: _Target, what: str) -> Finding:
    return finding(
        SQL_READ,
        cmd,
        scope=where.scope,
        target=where.name,
        explanation=what,
        risk=Risk.NONE,
        environment=where.environment,
        category=Category.READ,
    )


class _Parsed:
    """Options of a client that matter: SQL texts, script files, host, database."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.files: list[str] = []
        self.host: str | None = None
        self.positional: list[str] = []
        self.info = False
        self.readonly = False


def _parse(
    args: tuple[str, ...],
    *,
    sql_opts: frozenset[str],
    file_opts: frozenset[str],
    host_opts: frozenset[str],
    value_opts: frozenset[str],
    info_opts: frozenset[str],
    attached_opts: frozenset[str] = frozenset(),
) -> _Parsed:
    """Read a client's options the way getopt does, clusters (``-Bse SQL``) included.

    ``attached_opts`` take a value only when it is attached (mysql's ``-pSECRET``), so
    the rest of their cluster is that value and never more options.
    """
    p = _Parsed()
    takes = sql_opts | file_opts | host_opts | value_opts
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if _is_cluster(arg, takes | info_opts):
            name, inline = _unclustered(arg, p, takes, info_opts, attached_opts)
            eq = "=" if inline else ""
            if not name:
                i += 1
                continue
        value = inline if eq else (args[i + 1] if i + 1 < len(args) else "")
        if name in sql_opts:
            p.sql.append(value)
        elif name in file_opts:
            p.files.append(value)
        elif name in host_opts:
            p.host = value
        elif name in info_opts:
            p.info = True
        elif name in ("-readonly", "--readonly", "-safe"):
            p.readonly = True
        elif not arg.startswith("-") or arg == "-":
            p.positional.append(arg)
        i += 1 + (1 if name in takes and not eq else 0)
    return p


def _is_cluster(arg: str, known: frozenset[str]) -> bool:
    """``-Bse``, ``-qAtc``, ``-hdb.prod``: several short options, or one with its value."""
    return len(arg) > 2 and arg[0] == "-" and arg[1] != "-" and arg not in known


def _unclustered(
    arg: str,
    p: _Parsed,
    takes: frozenset[str],
    info_opts: frozenset[str],
    attached_opts: frozenset[str],
) -> tuple[str, str]:
    """The cluster's option that takes a value and its attached text (``("-e", "")``
    when the value is the next word); switches before it are noted on ``p``.
    ``("", "")`` when every letter is a switch."""
    for j in range(1, len(arg)):
        name = "-" + arg[j]
        if name in takes:
            return name, arg[j + 1 :]
        if name in attached_opts:
            break
        if name in info_opts:
            p.info = True
    return "", ""


_PSQL = {
    "sql_opts": frozenset({"-c", "--command"}),
    "file_opts": frozenset({"-f", "--file"}),
    "host_opts": frozenset({"-h", "--host"}),
    "value_opts": word_table(
        """
        -U --username -p --port -d --dbname -v --set --variable -o --output -F -R -P --pset
        -T -L --log-file --field-separator --record-separator
    """
    ),
    "info_opts": frozenset({"-l", "--list", "-V", "--version", "--help", "-?"}),
}


def _psql(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    p = _parse(cmd.args, **_PSQL)
    dbname = _option(cmd.args, ("-d", "--dbname")) or (p.positional[0] if p.positional else "")
    host = p.host or uri_host(dbname) or cmd.assignments.get("PGHOST") or _uri_in(p.positional)
    where = _remote(ctx, host, f"database {dbname or 'default'}")
    return _run_client(cmd, where, p, "psql")


def _option(args: tuple[str, ...], names: tuple[str, ...]) -> str | None:
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            return args[i + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
            if len(name) == 2 and len(arg) > 2 and arg.startswith(name):
                return arg[2:]  # ``-Dapp``, ``-hdb.prod``: the value attached
    return None


def _uri_in(words: list[str]) -> str | None:
    return next((h for h in map(uri_host, words) if h), None)


def _run_client(cmd: SimpleCommand, where: _Target, p: _Parsed, name: str) -> list[Finding]:
    found: list[Finding] = []
    for sql in p.sql:
        found += judge_sql(cmd, where, sql)
    found += [_unseen(cmd, where, f"{name} runs the script {f}") for f in p.files]
    if any(r.op == "<" for r in cmd.redirects):
        found.append(_unseen(cmd, where, f"{name} reads SQL from a file"))
    if cmd.stdin:
        found += judge_sql(cmd, where, cmd.stdin)
    if found:
        if p.readonly:
            return [_info(cmd, where, f"{name} opened read-only")]
        return found
    if p.info:
        return [_info(cmd, where, f"{name} lists databases or prints its version")]
    if p.readonly:
        return [_info(cmd, where, f"{name} opened read-only")]
    return [_unseen(cmd, where, f"an interactive {name} session")]


_MYSQL = {
    "sql_opts": frozenset({"-e", "--execute"}),
    "file_opts": frozenset(),
    "host_opts": frozenset({"-h", "--host"}),
    "value_opts": word_table(
        """
        -u --user -P --port -D --database -S --socket --default-character-set --protocol
    """
    ),
    "info_opts": frozenset({"-V", "--version", "--help", "-?", "-I"}),
    "attached_opts": frozenset({"-p"}),
}


def _mysql(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    p = _parse(cmd.args, **_MYSQL)
    host = p.host or cmd.assignments.get("MYSQL_HOST") or _uri_in(p.positional)
    db = _option(cmd.args, ("-D", "--database")) or (p.positional[0] if p.positional else "")
    return _run_client(cmd, _remote(ctx, host, f"database {db or 'default'}"), p, cmd.program)


_EMBEDDED_VALUES = word_table(
    """
        -cmd -init -separator -newline -nullvalue -lookaside -pagecache -mmap -heap -vfs
        -maxsize -s -c -f
    """
)


def _embedded(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """sqlite3 / duckdb: ``PROG [opts] [DBFILE] [SQL]``; a workspace file is local data."""
    args = cmd.args
    if {"-help", "--help", "-version", "--version", "-h"} & set(args):
        return (_info(cmd, _Target(Scope.WORKSPACE, cmd.program, None), "help or version"),)
    p = _Parsed()
    i = 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else ""
        if arg in ("-cmd", "-s", "-c"):
            p.sql.append(value)
        elif arg in ("-init", "-f"):
            p.files.append(value)
        elif arg in ("-readonly", "--readonly", "-safe"):
            p.readonly = True
        elif arg == "-lookaside":
            i += 1
        elif not arg.startswith("-"):
            p.positional.append(arg)
        i += 1 + (1 if arg in _EMBEDDED_VALUES else 0)
    db = p.positional[0] if p.positional else ":memory:"
    p.sql += p.positional[1:]
    where = _local_db(ctx, db, cmd.program)
    found = _run_client(cmd, where, p, cmd.program)
    if protected(db, ctx) and any(f.category is not Category.READ for f in found):
        return [self_tamper(SQL_SELF_TAMPER, cmd, db, "change the database")]
    return found


def _local_db(ctx: CommandContext, db: str, program: str) -> _Target:
    name = f"{program} {db}"
    if db.startswith(("md:", "motherduck:")):
        return _Target(Scope.REMOTE, name, ctx.resolve_environment("hosts", None))
    if db in (":memory:", ""):
        return _Target(Scope.WORKSPACE, name, None)
    where = place(db, ctx)
    local = where.scope is Scope.WORKSPACE or where.temp
    return _Target(Scope.WORKSPACE if local else Scope.HOST, name, None)


def _query_client(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """clickhouse-client, cqlsh, sqlcmd (both the ODBC and the Go flavour), usql."""
    args = cmd.args
    if {"--help", "-h", "-?", "--version", "-V"} & set(args) and len(args) <= 2:
        return (_info(cmd, _Target(Scope.REMOTE, cmd.program, None), "help or version"),)
    sub = args[0] if args and not args[0].startswith("-") else ""
    if cmd.program == "sqlcmd" and sub and sub != "query":
        return (_sqlcmd_admin(cmd, ctx, sub),)
    text_opt = {"-t"} if sub == "query" else set()
    p = _parse(
        args[1:] if sub == "query" else args,
        sql_opts=frozenset({"-q", "--query", "-e", "--execute", "-Q", "--text", *text_opt}),
        file_opts=frozenset({"-i", "--input-file", "-f", "--file", "--queries-file"}),
        host_opts=frozenset({"--host", "-S", "--server"}),
        value_opts=word_table(
            """
        -u --user -U --port -P --password -d --database -k --keyspace --format
    """
        ),
        info_opts=frozenset(),
    )
    if sub == "query":
        p.sql += p.positional
    elif cmd.program in ("cqlsh", "usql") and p.positional:
        p.host = p.host or p.positional[0]
    host = p.host or _option(args, ("-h",)) or _uri_in(p.positional)
    return _run_client(cmd, _remote(ctx, host, cmd.program), p, cmd.program)


def _sqlcmd_admin(cmd: SimpleCommand, ctx: CommandContext, sub: str) -> Finding:
    where = _Target(Scope.HOST, "sqlcmd", None)
    if sub in ("config", "open", "ls", "info") or sub.startswith("-"):
        return _info(cmd, where, f"sqlcmd {sub} reads local settings")
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


def _pg_admin(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """pg_dump/mysqldump read; dropdb/pg_restore --clean destroy; createdb creates."""
    args = cmd.args
    host = _option(args, ("-h", "--host")) or cmd.assignments.get("PGHOST") or _uri_in(list(args))
    names = operands(args, _ADMIN_VALUES)
    where = _remote(ctx, host, f"database {names[-1] if names else 'default'}")
    prog = cmd.program
    if {"--help", "--version", "-V", "-?"} & set(args):
        return (_info(cmd, where, f"{prog} help"),)
    effect = _PG_EFFECTS.get(prog)
    if prog in ("pg_restore", "mongorestore") and ({"-c", "--clean", "--drop"} & set(args)):
        effect = Effect(Category.REPLACE, Risk.HIGH, f"{prog} drops objects before recreating")
    if prog == "mysqladmin":
        effect = _mysqladmin(names)
    if effect is None:
        effect = Effect(Category.WRITE, Risk.MEDIUM, f"{prog} changes the database")
    return (_effect_finding(cmd, where, effect, " ".join(args)),)


_ADMIN_VALUES = frozenset(
    {
        "-h",
        "--host",
        "-p",
        "--port",
        "-U",
        "-u",
        "--user",
        "--username",
        "-d",
        "--dbname",
        "-f",
        "--file",
        "-j",
        "--jobs",
        "-n",
        "--schema",
        "-t",
        "--table",
        "-F",
        "--format",
        "-S",
        "--socket",
        "-T",
        "--exclude-table",
        "-N",
        "--exclude-schema",
        "-E",
        "--encoding",
        "--role",
        "-O",
        "--owner",
        "--tablespace",
        "-l",
        "--locale",
        "-e",
        "-P",
        "--password",
    }
)


def _mysqladmin(names: list[str]) -> Effect:
    verb = names[0] if names else "status"
    if verb in ("drop", "shutdown", "kill", "purge"):
        return Effect(Category.DELETE, Risk.HIGH, f"mysqladmin {verb} destroys or stops")
    if verb in ("status", "ping", "variables", "processlist", "version", "extended-status"):
        return Effect(Category.READ, Risk.NONE, f"mysqladmin {verb} reads server state")
    return Effect(Category.WRITE, Risk.MEDIUM, f"mysqladmin {verb} changes the server")


_PG_EFFECTS: Mapping[str, Effect] = {
    "pg_dump": Effect(Category.READ, Risk.NONE, "pg_dump reads a database"),
    "pg_dumpall": Effect(Category.READ, Risk.NONE, "pg_dumpall reads every database"),
    "mysqldump": Effect(Category.READ, Risk.NONE, "mysqldump reads a database"),
    "mariadb-dump": Effect(Category.READ, Risk.NONE, "mariadb-dump reads a database"),
    "mongodump": Effect(Category.READ, Risk.NONE, "mongodump reads a database"),
    "pg_isready": Effect(Category.READ, Risk.NONE, "pg_isready checks a server"),
    "dropdb": Effect(Category.DELETE, Risk.CRITICAL, "dropdb deletes a whole database"),
    "dropuser": Effect(Category.PRIVILEGE, Risk.HIGH, "dropuser removes a role"),
    "createuser": Effect(Category.PRIVILEGE, Risk.HIGH, "createuser adds a role"),
    "createdb": Effect(Category.CREATE, Risk.LOW, "createdb creates a database"),
    "pg_restore": Effect(Category.WRITE, Risk.MEDIUM, "pg_restore loads a dump"),
    "mongorestore": Effect(Category.WRITE, Risk.MEDIUM, "mongorestore loads a dump"),
}


HANDLERS: Mapping[str, Handler] = {
    "psql": _psql,
    "pgcli": _psql,
    "mysql": _mysql,
    "mariadb": _mysql,
    "mycli": _mysql,
    "sqlite3": _embedded,
    "sqlite": _embedded,
    "duckdb": _embedded,
    "clickhouse-client": _query_client,
    "cqlsh": _query_client,
    "sqlcmd": _query_client,
    "usql": _query_client,
    **dict.fromkeys(_PG_EFFECTS, _pg_admin),
    "mysqladmin": _pg_admin,
}

RULES: tuple[Rule, ...] = (
    SQL_READ,
    SQL_WRITE,
    SQL_DESTRUCTIVE,
    SQL_PRIVILEGE,
    SQL_UNSEEN,
    SQL_OPAQUE,
    SQL_SELF_TAMPER,
)

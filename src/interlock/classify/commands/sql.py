"""SQL through its classic command-line clients (psql, pgcli, mysql/mariadb/mycli,
sqlite3, duckdb, litecli) and the machinery every SQL client family shares.

The SQL comes from ``-c``/``-e``/``--command``/``--execute``, a positional argument or a
heredoc (``cmd.stdin``); sqltext.py splits and judges it. Short options are read as
getopt reads them, so a cluster (``mysql -Bse SQL``, ``psql -qAtc SQL``) hides nothing.
A database is remote infrastructure: its environment comes from ``-h``/``--host``, a
connection URI (``postgresql://app@db.prod.internal/x``) or a ``PGHOST``/``MYSQL_HOST``
assignment, and stays unknown (which the floor treats as protected) otherwise. SQLite
and DuckDB files inside the workspace are workspace data, but a file such an engine
writes (``COPY ... TO '/etc/passwd'``, ``.save``, ``VACUUM INTO``) and one psql writes on
the client (``-o``, ``\\o FILE``, ``\\copy ... TO FILE``) is judged by its path, as a
redirect is. SQL read from a file (``-f x.sql``, ``< x.sql``) cannot be seen: it is a
high-risk write, and the environment decides. The clients' shell escapes are walked by
``classify/clients.py``.

The shared parts (``SqlTarget``, ``parse_options``, ``run_client``, the rules) are
public because sqlclients.py (the table-driven query clients: cockroach, snowsql,
trino, ...) and dbadmin.py (pg_dump, dropdb, mysqladmin, ...) judge through them, so
every client reaches the same verdict for the same SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import (
    place,
    protected,
    runs_later,
    self_tamper,
    word_table,
)
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

SQL_FILE_WRITE = Rule(
    "sql-file-write",
    Category.WRITE,
    "A local engine (SQLite, DuckDB) writing a file: COPY ... TO, EXPORT DATABASE, VACUUM "
    "INTO, .output, .save, .backup. Judged by where the file lands, as a redirect is.",
    ("duckdb -c \"COPY (SELECT 1) TO '/etc/passwd'\"", "sqlite3 app.db '.save ~/.bashrc'"),
)

SQL_SELF_TAMPER = Rule(
    "self-tamper-database",
    Category.SELF_TAMPER,
    "Changing interlock's own SQLite store (requests, votes, audit log) with a SQL client.",
    ("sqlite3 .interlock/interlock.db 'DELETE FROM votes'",),
)


class SqlTarget:
    """Where the statements run: scope, environment and a readable name."""

    __slots__ = ("environment", "name", "scope")

    def __init__(self, scope: Scope, name: str, environment: str | None) -> None:
        self.scope = scope
        self.name = name
        self.environment = environment


def remote_target(ctx: CommandContext, host: str | None, name: str) -> SqlTarget:
    """A server: its environment is the host's, unknown (so protected) without one."""
    env = ctx.resolve_environment("hosts", host)
    return SqlTarget(Scope.REMOTE, f"{name} on {host}" if host else name, env)


def uri_host(value: str) -> str | None:
    """The host of a connection URI (``postgresql://u@h:5432/db``), else ``None``."""
    if "://" not in value:
        return None
    try:
        return urlsplit(value).hostname
    except ValueError:
        return None


def effect_finding(cmd: SimpleCommand, where: SqlTarget, effect: Effect, text: str) -> Finding:
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


def judge_sql(cmd: SimpleCommand, where: SqlTarget, sql: str) -> list[Finding]:
    """One finding per statement of ``sql``, plus meta-commands (``\\d``, ``.tables``)."""
    found: list[Finding] = []
    for line in sql.splitlines():
        meta = _meta_command(line.strip())
        if meta is not None:
            found.append(effect_finding(cmd, where, meta, line.strip()))
    body = "\n".join(ln for ln in sql.splitlines() if _meta_command(ln.strip()) is None)
    for stmt in split_sql(body):
        found.append(effect_finding(cmd, where, classify(stmt), stmt.text))
    return found


_UNSEEN = Effect(Category.WRITE, Risk.HIGH, "runs SQL interlock cannot see")


def _meta_command(line: str) -> Effect | None:
    """psql ``\\`` and sqlite ``.`` commands; ``\\!``/``.shell``/``.read`` hide work."""
    if line.startswith("\\"):
        name, _, rest = line[1:].partition(" ")
        output = _psql_output(name, rest)
        if output is not None:
            return output
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


def _psql_output(name: str, rest: str) -> Effect | None:
    """``\\o FILE``, ``\\g FILE``, ``\\w FILE`` and ``\\copy ... TO|FROM FILE`` only move
    rows to or from a local file, which ``_psql_files`` judges; a pipe or ``PROGRAM``
    runs a command (clients.py walks it) and stays unseen here."""
    words = rest.lower().split()
    if "|" in rest or "program" in words:
        return None
    if name in ("o", "out", "g", "gx", "w", "write"):
        return Effect(Category.READ, Risk.NONE, f"\\{name} sends output to a file")
    if name != "copy":
        return None
    if "from" in _outside_parentheses(rest).lower().split():
        return Effect(Category.WRITE, Risk.MEDIUM, "\\copy ... FROM loads rows from a file")
    return Effect(Category.READ, Risk.NONE, "\\copy ... TO reads rows into a file")


def _outside_parentheses(text: str) -> str:
    """``text`` without its parenthesised parts: ``\\copy (SELECT ... FROM t) TO f``."""
    kept, depth = [], 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        kept.append(ch if depth == 0 and ch != ")" else " ")
    return "".join(kept)


def _unseen(cmd: SimpleCommand, where: SqlTarget, what: str) -> Finding:
    return finding(
        SQL_UNSEEN,
        cmd,
        scope=where.scope,
        target=where.name,
        explanation=f"{what}: the SQL it runs is not visible to interlock",
        risk=Risk.HIGH,
        environment=where.environment,
    )


def info_finding(cmd: SimpleCommand, where: SqlTarget, what: str) -> Finding:
    """A read that runs no SQL at all: help, version, a listing, a read-only session."""
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


class ClientOptions:
    """Options of a client that matter: SQL texts, script files, host, database."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.files: list[str] = []
        self.host: str | None = None
        self.positional: list[str] = []
        self.info = False
        self.readonly = False


def parse_options(
    args: tuple[str, ...],
    *,
    sql_opts: frozenset[str],
    file_opts: frozenset[str],
    host_opts: frozenset[str],
    value_opts: frozenset[str],
    info_opts: frozenset[str],
    attached_opts: frozenset[str] = frozenset(),
) -> ClientOptions:
    """Read a client's options the way getopt does, clusters (``-Bse SQL``) included.

    ``attached_opts`` take a value only when it is attached (mysql's ``-pSECRET``), so
    the rest of their cluster is that value and never more options.
    """
    p = ClientOptions()
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
    p: ClientOptions,
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
    p = parse_options(cmd.args, **_PSQL)
    dbname = option_value(cmd.args, ("-d", "--dbname")) or (p.positional[0] if p.positional else "")
    host = p.host or uri_host(dbname) or cmd.assignments.get("PGHOST") or uri_in(p.positional)
    where = remote_target(ctx, host, f"database {dbname or 'default'}")
    files = [
        option_value(cmd.args, (o, long)) for o, long in (("-o", "--output"), ("-L", "--log-file"))
    ]
    files += [path for text in p.sql for path in _psql_files(text)]
    found = run_client(cmd, where, p, "psql")
    return found + [_file_write(cmd, ctx, f) for f in files if f and not f.startswith("|")]


#: psql meta-commands that write their file argument on the client (psql(1)).
_PSQL_FILE = re.compile(r"\\(?:o|out|g|gx|w|write)(?![A-Za-z])\s*(?:\([^)]*\)\s*)?([^|\s]\S*)")
_COPY_TO = re.compile(r"\bto\s+('[^']*'|\S+)", re.IGNORECASE)


def _psql_files(text: str) -> list[str]:
    """Local files written by ``\\o FILE``, ``\\g FILE``, ``\\w FILE`` and ``\\copy ...
    TO FILE`` (not ``STDOUT``/``PSTDOUT``/``PROGRAM``: those are no file)."""
    paths = [m.strip("'") for m in _PSQL_FILE.findall(text)]
    for line in text.splitlines():
        if line.lstrip().lower().startswith("\\copy"):
            paths += [m.strip("'") for m in _COPY_TO.findall(line)]
    return [p for p in paths if p.lower() not in ("stdout", "pstdout", "program")]


def option_value(args: tuple[str, ...], names: tuple[str, ...]) -> str | None:
    """The value of the first of ``names``: ``-h db``, ``--host=db`` or ``-hdb``."""
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            return args[i + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
            if len(name) == 2 and len(arg) > 2 and arg.startswith(name):
                return arg[2:]  # ``-Dapp``, ``-hdb.prod``: the value attached
    return None


def uri_in(words: list[str]) -> str | None:
    """The host of the first connection URI among ``words``: where a bare DSN points."""
    return next((h for h in map(uri_host, words) if h), None)


def run_client(cmd: SimpleCommand, where: SqlTarget, p: ClientOptions, name: str) -> list[Finding]:
    """Findings for everything a client session runs: SQL from its options and stdin,
    scripts it cannot see, else the interactive session itself (never nothing)."""
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
            return [info_finding(cmd, where, f"{name} opened read-only")]
        return found
    if p.info:
        return [info_finding(cmd, where, f"{name} lists databases or prints its version")]
    if p.readonly:
        return [info_finding(cmd, where, f"{name} opened read-only")]
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
    p = parse_options(cmd.args, **_MYSQL)
    host = p.host or cmd.assignments.get("MYSQL_HOST") or uri_in(p.positional)
    db = option_value(cmd.args, ("-D", "--database")) or (p.positional[0] if p.positional else "")
    return run_client(cmd, remote_target(ctx, host, f"database {db or 'default'}"), p, cmd.program)


_EMBEDDED_VALUES = word_table(
    """
        -cmd -init -separator -newline -nullvalue -lookaside -pagecache -mmap -heap -vfs
        -maxsize -s -c -f -e --execute -D --database -l --logfile --liteclirc
    """
)


def _embedded(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """sqlite3 / duckdb: ``PROG [opts] [DBFILE] [SQL]``; a workspace file is local data."""
    args = cmd.args
    if {"-help", "--help", "-version", "--version", "-h"} & set(args):
        return (
            info_finding(cmd, SqlTarget(Scope.WORKSPACE, cmd.program, None), "help or version"),
        )
    p = ClientOptions()
    i = 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else ""
        if arg in ("-cmd", "-s", "-c", "-e", "--execute"):
            p.sql.append(value)
        elif arg in ("-D", "--database"):
            p.positional.insert(0, value)
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
    where = local_target(ctx, db, cmd.program)
    found = run_client(cmd, where, p, cmd.program)
    if protected(db, ctx) and any(f.category is not Category.READ for f in found):
        return [self_tamper(SQL_SELF_TAMPER, cmd, db, "change the database")]
    texts = [*p.sql, cmd.stdin or ""]
    return found + [_file_write(cmd, ctx, path) for path in _written_files(texts)]


#: Statements with which a local engine writes a file of its own choosing: ``COPY ...
#: TO 'f'`` (DuckDB), ``EXPORT DATABASE 'dir'`` (DuckDB), ``VACUUM INTO 'f'`` (SQLite).
_FILE_TARGET = re.compile(
    r"\b(?:TO|EXPORT\s+DATABASE|VACUUM(?:\s+\w+)?\s+INTO)\s+('(?:[^']|'')*'|\"[^\"]*\")",
    re.IGNORECASE,
)
#: sqlite dot-commands that write the file they name (``.backup`` names it last).
_FILE_DOTS = ("output", "once", "save", "backup", "excel")


def _written_files(texts: list[str]) -> list[str]:
    """The files that SQL and dot-commands in ``texts`` write on this machine."""
    paths: list[str] = []
    for text in texts:
        for line in text.splitlines():
            name, _, rest = line.strip().partition(" ")
            args = [a for a in rest.split() if not a.startswith("-")]
            if name[1:] in _FILE_DOTS and name[:1] == "." and args:
                paths.append(args[-1].strip("'\""))
        for stmt in split_sql("\n".join(ln for ln in text.splitlines() if ln[:1] != ".")):
            if stmt.words[0] in ("COPY", "EXPORT", "VACUUM"):
                paths += [m[1:-1].replace("''", "'") for m in _FILE_TARGET.findall(stmt.text)]
    return [path for path in paths if path and not path.startswith("|")]


def _file_write(cmd: SimpleCommand, ctx: CommandContext, path: str) -> Finding:
    """Writing ``path`` from a local engine, judged as a redirect to it would be."""
    if protected(path, ctx):
        return self_tamper(SQL_SELF_TAMPER, cmd, path, "overwrite")
    where = place(path, ctx)
    later = runs_later(path, ctx.cwd)
    outside = where.scope is not Scope.WORKSPACE and not where.temp
    return finding(
        SQL_FILE_WRITE,
        cmd,
        scope=Scope.HOST if outside or later else Scope.WORKSPACE,
        target=path,
        explanation=f"{cmd.program} writes {path}: {later or where.why}",
        risk=Risk.MEDIUM if later else where.risk if outside else Risk.LOW,
        category=Category.WRITE,
    )


def local_target(ctx: CommandContext, db: str, program: str) -> SqlTarget:
    """A database file: workspace data inside the workspace or a temp dir, the host's
    outside it, and a MotherDuck (``md:``) name a server."""
    name = f"{program} {db}"
    if db.startswith(("md:", "motherduck:")):
        return SqlTarget(Scope.REMOTE, name, ctx.resolve_environment("hosts", None))
    if db in (":memory:", ""):
        return SqlTarget(Scope.WORKSPACE, name, None)
    where = place(db, ctx)
    local = where.scope is Scope.WORKSPACE or where.temp
    return SqlTarget(Scope.WORKSPACE if local else Scope.HOST, name, None)


HANDLERS: Mapping[str, Handler] = {
    "psql": _psql,
    "pgcli": _psql,
    "mysql": _mysql,
    "mariadb": _mysql,
    "mycli": _mysql,
    "sqlite3": _embedded,
    "sqlite": _embedded,
    "duckdb": _embedded,
    "litecli": _embedded,
}

RULES: tuple[Rule, ...] = (
    SQL_READ,
    SQL_WRITE,
    SQL_DESTRUCTIVE,
    SQL_PRIVILEGE,
    SQL_UNSEEN,
    SQL_OPAQUE,
    SQL_FILE_WRITE,
    SQL_SELF_TAMPER,
)

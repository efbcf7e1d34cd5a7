"""SQL clients: where the SQL comes from, which database it reaches, what it does."""

from __future__ import annotations

import pytest

from interlock.models import Scope, Verdict
from tests.classify.commands.localtools import (
    findings,
    rule_ids,
    verdict,
)


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("psql -c 'SELECT * FROM users'", Verdict.ALLOW, "sql-read"),
        # literal text piped in is what the client runs; computed text stays unseen
        ("echo 'DROP TABLE users;' | psql", Verdict.HOLD, "sql-destructive"),
        ("printf 'DROP TABLE x;' | mysql app", Verdict.HOLD, "sql-destructive"),
        ("echo 'select 1' | psql", Verdict.ALLOW, "sql-read"),
        ("cat dump.sql | psql", Verdict.ASK, "sql-unseen-script"),
        ('psql -c "SELECT 1; -- note\nDROP TABLE users"', Verdict.HOLD, "sql-destructive"),
        ("psql -l", Verdict.ALLOW, "sql-read"),
        ("psql -c 'SELECT 1' -c 'DROP TABLE users'", Verdict.HOLD, "sql-destructive"),
        ('psql -c "DROP DATABASE production;"', Verdict.HOLD, "sql-destructive"),
        ("psql -c 'INSERT INTO t VALUES (1)'", Verdict.ASK, "sql-write"),
        ("psql -h db.staging.internal -c 'INSERT INTO t VALUES (1)'", Verdict.ALLOW,
         "sql-write"),
        ("psql -h db.prod.internal -c 'INSERT INTO t VALUES (1)'", Verdict.HOLD, "sql-write"),
        ("psql postgresql://app@db.prod.internal/x -c 'SELECT 1'", Verdict.ALLOW, "sql-read"),
        ("psql -f migrate.sql", Verdict.ASK, "sql-unseen-script"),
        ("psql", Verdict.ASK, "sql-unseen-script"),
        ("psql -c 'GRANT ALL ON t TO eve'", Verdict.HOLD, "sql-privilege"),
        ("mysql -e 'SHOW DATABASES'", Verdict.ALLOW, "sql-read"),
        ("mysql -e 'DELETE FROM users'", Verdict.HOLD, "sql-destructive"),
        ("mysql --execute='TRUNCATE TABLE users'", Verdict.HOLD, "sql-destructive"),
        ("sqlite3 app.db 'SELECT * FROM users'", Verdict.ALLOW, "sql-read"),
        ("sqlite3 app.db 'DROP TABLE users'", Verdict.ALLOW, "sql-destructive"),
        ("sqlite3 /var/lib/app/app.db 'DROP TABLE users'", Verdict.ASK, "sql-destructive"),
        ("sqlite3 -readonly app.db 'DROP TABLE users'", Verdict.ALLOW, "sql-read"),
        ("sqlite3 app.db '.tables'", Verdict.ALLOW, "sql-read"),
        ("sqlite3 app.db '.shell rm -rf /'", Verdict.DENY, "sql-unseen-script"),
        ("duckdb :memory: 'SELECT 1'", Verdict.ALLOW, "sql-read"),
        ("pgcli -h prod -c 'DROP TABLE users'", Verdict.HOLD, "sql-destructive"),
        ("mycli -h prod -e 'DROP DATABASE app'", Verdict.HOLD, "sql-destructive"),
        ("litecli app.db -e 'SELECT 1'", Verdict.ALLOW, "sql-read"),
        ("litecli -e 'DROP TABLE users' /srv/app.db", Verdict.ASK, "sql-destructive"),
        ("sqlcmd query 'SELECT 1'", Verdict.ALLOW, "sql-read"),
        ("sqlcmd -S db.prod.internal -Q 'DROP TABLE t'", Verdict.HOLD, "sql-destructive"),
        ("cqlsh cass.prod -e 'DROP KEYSPACE app'", Verdict.HOLD, "sql-destructive"),
        ("pg_dump production", Verdict.ALLOW, "sql-read"),
        ("dropdb production", Verdict.HOLD, "sql-destructive"),
        ("pg_restore --clean -d app dump.pgdump", Verdict.HOLD, "sql-destructive"),
        ("mysqladmin -h db.prod.internal drop app", Verdict.HOLD, "sql-destructive"),
        ("sqlite3 .interlock/interlock.db 'DELETE FROM votes'", Verdict.DENY,
         "self-tamper-database"),
    ],
)  # fmt: skip
def test_sql_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected


def test_heredoc_sql_is_read() -> None:
    line = "psql -h db.prod.internal <<'EOF'\nSELECT 1;\nDELETE FROM audit_log;\nEOF"
    assert "sql-destructive" in rule_ids(line)
    assert verdict(line) is Verdict.HOLD


def test_environment_comes_from_pghost() -> None:
    (found,) = findings("PGHOST=db.prod.internal psql -c 'TRUNCATE t'")
    assert (found.scope, found.environment) == (Scope.REMOTE, "production")


def test_sqlite_in_the_workspace_is_workspace_data() -> None:
    (found,) = findings("sqlite3 /work/app/dev.db 'DELETE FROM t'", cwd="/work/app")
    assert found.scope is Scope.WORKSPACE


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ('mysql -Bse "drop table x"', Verdict.HOLD, "sql-destructive"),
        ('mysql -se "drop table x"', Verdict.HOLD, "sql-destructive"),
        ('mysql -vvve "drop table x"', Verdict.HOLD, "sql-destructive"),
        ('mysql -e"drop table x"', Verdict.HOLD, "sql-destructive"),
        ('psql -Xc "drop table x"', Verdict.HOLD, "sql-destructive"),
        ("psql -qAtc 'SELECT 1'", Verdict.ALLOW, "sql-read"),
        ("psql -Atf migrate.sql", Verdict.ASK, "sql-unseen-script"),
        ("psql -lqt", Verdict.ALLOW, "sql-read"),
        ("clickhouse-client -mnq 'DROP TABLE events'", Verdict.HOLD, "sql-destructive"),
        # mysql's -p takes an attached password: its letters are not options
        ("mysql -psecret -e 'SELECT 1'", Verdict.ALLOW, "sql-read"),
        ("mysql -pse", Verdict.ASK, "sql-unseen-script"),
    ],
)  # fmt: skip
def test_clustered_short_options_are_read(line: str, expected: Verdict, rule: str) -> None:
    """getopt clusters (``-Bse SQL``) hide no SQL from the judgement."""
    assert rule in rule_ids(line)
    assert verdict(line) is expected


def test_attached_host_names_the_environment() -> None:
    (found,) = findings("psql -hdb.prod.internal -qc 'TRUNCATE t'")
    assert (found.environment, found.target) == (
        "production",
        "database default on db.prod.internal",
    )


@pytest.mark.parametrize(
    "line",
    [
        "psql -c 'CALL cleanup()'",
        "psql -c 'DO $$ BEGIN EXECUTE $q$DROP TABLE x$q$; END $$'",
        "psql -c 'DO $$ BEGIN IF true THEN DELETE FROM t; END IF; END $$'",
        "psql -c 'DO LANGUAGE plpython3u $$ plpy.execute(\"DROP TABLE x\") $$'",
        "mysql -e 'CALL purge_sessions()'",
        "sqlcmd -S db.dev.internal -Q 'EXEC dbo.purge'",
        "psql -c 'PREPARE p AS SELECT 1; EXECUTE p'",
    ],
)
def test_stored_and_procedural_code_is_opaque(line: str) -> None:
    """DESIGN floor rule 3: code the line does not show is held, whatever the host."""
    assert "sql-opaque-code" in rule_ids(line)
    assert verdict(line) is Verdict.HOLD


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("psql -c 'DO $$ BEGIN INSERT INTO t VALUES (1); END $$'", Verdict.ASK, "sql-write"),
        ("psql -c 'DO $$ BEGIN INSERT INTO t VALUES (1); DROP TABLE y; END $$'", Verdict.HOLD,
         "sql-destructive"),
        ("psql -c 'PREPARE p AS SELECT 1; DEALLOCATE p'", Verdict.ASK, "sql-write"),
    ],
)  # fmt: skip
def test_plain_do_blocks_are_judged_by_their_statements(
    line: str, expected: Verdict, rule: str
) -> None:
    assert rule in rule_ids(line)
    assert "sql-opaque-code" not in rule_ids(line)
    assert verdict(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("duckdb -c \"COPY (SELECT 1) TO '/etc/passwd'\"", Verdict.ASK),
        ("duckdb app.db \"COPY t TO 'out.csv' (HEADER)\"", Verdict.ALLOW),
        ("duckdb app.db \"COPY t TO '/tmp/out.csv'\"", Verdict.ALLOW),
        ("duckdb -c \"EXPORT DATABASE '/home/alice/.ssh'\"", Verdict.ASK),
        ("sqlite3 app.db \"VACUUM INTO '/etc/cron.d/x'\"", Verdict.ASK),
        ("sqlite3 app.db '.save /etc/profile'", Verdict.ASK),
        ("sqlite3 app.db \"COPY t TO '.git/hooks/pre-commit'\"", Verdict.ASK),
        ("duckdb -c \"COPY t TO '.interlock/interlock.db'\"", Verdict.DENY),
    ],
)
def test_local_engines_writing_files_are_judged_by_the_path(line: str, expected: Verdict) -> None:
    """``COPY ... TO 'path'`` in DuckDB writes a local file, as ``> path`` would."""
    assert {"sql-file-write", "self-tamper-database"} & rule_ids(line)
    assert verdict(line) is expected


def test_a_server_copy_to_is_not_a_local_file() -> None:
    assert "sql-file-write" not in rule_ids("psql -c \"COPY t TO '/etc/passwd'\"")

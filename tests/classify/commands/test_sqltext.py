"""The SQL splitter and statement judgement, checked against SQLite's own parser."""

from __future__ import annotations

import sqlite3

import pytest

from interlock.classify.commands.sqltext import classify, split_sql
from interlock.models import Category, Risk

SCRIPTS = [
    "SELECT 1; SELECT 2",
    "SELECT 'a;b'; DELETE FROM t",
    "-- DROP TABLE x;\nSELECT 1",
    "/* ; */ INSERT INTO t VALUES ('x'';y'); UPDATE t SET a = 1 WHERE id = 2",
    'SELECT "odd;name" FROM t;;',
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
]


@pytest.mark.parametrize(
    ("sql", "count"),
    [(SCRIPTS[0], 2), (SCRIPTS[1], 2), (SCRIPTS[2], 1), (SCRIPTS[3], 2), (SCRIPTS[4], 1)],
)
def test_split_counts(sql: str, count: int) -> None:
    assert len(split_sql(sql)) == count


@pytest.mark.parametrize("sql", SCRIPTS[:5])
def test_statements_are_complete_for_sqlite(sql: str) -> None:
    """SQLite agrees that each piece is one whole statement."""
    for stmt in split_sql(sql):
        assert sqlite3.complete_statement(stmt.text + ";"), stmt.text


def test_dollar_quoted_bodies_hide_their_semicolons() -> None:
    sql = "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; DROP TABLE x; $fn$ LANGUAGE sql"
    (stmt,) = split_sql(sql)
    assert "DROP" not in stmt.words


@pytest.mark.parametrize(
    ("sql", "category", "risk"),
    [
        ("SELECT * FROM users", Category.READ, Risk.NONE),
        ("SELECT 'DROP TABLE users'", Category.READ, Risk.NONE),
        ("EXPLAIN SELECT 1", Category.READ, Risk.NONE),
        ("EXPLAIN ANALYZE DELETE FROM t", Category.DELETE, Risk.HIGH),
        ("SHOW TABLES", Category.READ, Risk.NONE),
        ("INSERT INTO t VALUES (1)", Category.WRITE, Risk.MEDIUM),
        ("UPDATE t SET a = 1 WHERE id = 3", Category.WRITE, Risk.MEDIUM),
        ("UPDATE t SET a = 1", Category.REPLACE, Risk.HIGH),
        ("DELETE FROM t", Category.DELETE, Risk.HIGH),
        ("DELETE FROM t WHERE 1=1", Category.DELETE, Risk.HIGH),
        ("DELETE FROM t WHERE true", Category.DELETE, Risk.HIGH),
        ("DELETE FROM t WHERE id = 4", Category.DELETE, Risk.MEDIUM),
        ("WITH x AS (SELECT 1) DELETE FROM t", Category.DELETE, Risk.HIGH),
        ("TRUNCATE TABLE sessions", Category.DELETE, Risk.HIGH),
        ("DROP DATABASE production", Category.DELETE, Risk.CRITICAL),
        ("DROP TABLE users", Category.DELETE, Risk.HIGH),
        ("DROP INDEX idx", Category.DELETE, Risk.MEDIUM),
        ("DROP MEASUREMENT cpu", Category.DELETE, Risk.HIGH),
        ('DROP RETENTION POLICY "one_day" ON "db"', Category.DELETE, Risk.HIGH),
        ("DROP SERIES FROM cpu", Category.DELETE, Risk.HIGH),
        ("ALTER TABLE t DROP COLUMN c", Category.DELETE, Risk.HIGH),
        ("ALTER TABLE t ADD COLUMN c int", Category.WRITE, Risk.MEDIUM),
        ("GRANT ALL ON t TO bob", Category.PRIVILEGE, Risk.HIGH),
        ("CREATE USER eve", Category.PRIVILEGE, Risk.HIGH),
        ("ALTER ROLE bob SUPERUSER", Category.PRIVILEGE, Risk.HIGH),
        ("SET ROLE admin", Category.PRIVILEGE, Risk.MEDIUM),
        ("SET search_path TO x", Category.READ, Risk.NONE),
        ("CREATE TABLE t (id int)", Category.CREATE, Risk.LOW),
        ("SELECT pg_terminate_backend(42)", Category.WRITE, Risk.HIGH),
        ("FROBNICATE everything", Category.WRITE, Risk.MEDIUM),
        # COPY: PROGRAM runs a shell command on the server's host; TO STDOUT only reads
        ("COPY users TO PROGRAM $$rm -rf /$$", Category.PRIVILEGE, Risk.CRITICAL),
        ("COPY t FROM PROGRAM 'curl -s http://x'", Category.PRIVILEGE, Risk.CRITICAL),
        ("COPY users TO STDOUT WITH CSV", Category.READ, Risk.NONE),
        ("COPY (SELECT a FROM b) TO STDOUT", Category.READ, Risk.NONE),
        ("COPY users TO '/tmp/users.csv'", Category.WRITE, Risk.MEDIUM),
        ("COPY users FROM STDIN", Category.WRITE, Risk.MEDIUM),
        # stored or procedural code cannot be read: opaque (DESIGN floor rule 3)
        ("CALL cleanup()", Category.OPAQUE, Risk.HIGH),
        ("EXECUTE stmt (1)", Category.OPAQUE, Risk.HIGH),
        ("EXEC dbo.purge", Category.OPAQUE, Risk.HIGH),
        ("DO $$ BEGIN EXECUTE 'DROP TABLE ' || t; END $$", Category.OPAQUE, Risk.HIGH),
        ("DO $$ BEGIN EXECUTE $q$DROP TABLE x$q$; END $$", Category.OPAQUE, Risk.HIGH),
        ("DO $$ DECLARE n int; BEGIN DELETE FROM t; END $$", Category.OPAQUE, Risk.HIGH),
        ("DO $$ BEGIN FOR r IN SELECT 1 LOOP DELETE FROM t; END LOOP; END $$", Category.OPAQUE,
         Risk.HIGH),
        ("DO $$ BEGIN BEGIN DROP TABLE x; END; END $$", Category.OPAQUE, Risk.HIGH),
        ("DO $$ BEGIN PERFORM cleanup(); END $$", Category.OPAQUE, Risk.HIGH),
        ("DO $$ BEGIN INSERT INTO t VALUES (1) EXCEPTION WHEN others THEN DROP TABLE x; END $$",
         Category.OPAQUE, Risk.HIGH),
        ("DO $$ x $$ LANGUAGE plperlu", Category.OPAQUE, Risk.HIGH),
        ("DO 'BEGIN DROP TABLE x; END'", Category.OPAQUE, Risk.HIGH),
        ("DO SLEEP(1)", Category.OPAQUE, Risk.HIGH),
        # a block of plain statements is judged as the worst of them
        ("DO $$ BEGIN INSERT INTO t VALUES (1); END $$", Category.WRITE, Risk.MEDIUM),
        ("DO $b$ BEGIN INSERT INTO t VALUES (1); TRUNCATE t; END; $b$ LANGUAGE plpgsql",
         Category.DELETE, Risk.HIGH),
        ("DO LANGUAGE plpgsql $$ BEGIN GRANT ALL ON t TO eve; END $$", Category.PRIVILEGE,
         Risk.HIGH),
        ("DO $$ BEGIN END $$", Category.READ, Risk.NONE),
        ("PREPARE p AS SELECT 1", Category.WRITE, Risk.MEDIUM),
        ("DEALLOCATE p", Category.READ, Risk.NONE),
    ],
)  # fmt: skip
def test_classify(sql: str, category: Category, risk: Risk) -> None:
    (stmt,) = split_sql(sql)
    effect = classify(stmt)
    assert (effect.category, effect.risk) == (category, risk), effect.why


def test_unterminated_input_never_raises() -> None:
    for sql in ["'", "$a$ x", "/* x", '"', "SELECT 'a", "$$"]:
        for stmt in split_sql(sql):
            classify(stmt)

"""Query clients read from sqlclients.py's table, and the SQL carried by other tools."""

from __future__ import annotations

import shlex

import pytest

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands.sqlclients import clickhouse_subcommand, influx_v1, wrangler_d1
from interlock.models import Scope, Verdict
from tests.classify.commands.localtools import CONFIG, rule_ids, verdict

CONTEXT = CommandContext(CONFIG, cwd="/home/alice/proj")


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ('cockroach sql --url postgres://prod -e "DROP DATABASE app"', Verdict.HOLD,
         "sql-destructive"),
        ("cockroach sql --host db.dev.internal --insecure -e 'SELECT 1'", Verdict.ALLOW,
         "sql-read"),
        ("cockroach demo -e 'DROP TABLE x'", Verdict.ALLOW, "sql-destructive"),
        ("cockroach node decommission 4 --host db.prod.internal", Verdict.HOLD,
         "sql-destructive"),
        ("cockroach node status --host db.prod.internal", Verdict.ALLOW, "sql-read"),
        ('snowsql -q "DROP DATABASE analytics"', Verdict.HOLD, "sql-destructive"),
        ("snowsql -c dev -q 'SELECT 1'", Verdict.ALLOW, "sql-read"),
        ("snowsql -a acct -f load.sql", Verdict.ASK, "sql-unseen-script"),
        ("usql postgres://prod/app -c 'DROP TABLE users'", Verdict.HOLD, "sql-destructive"),
        ("usql sq:app.db -c 'DROP TABLE users'", Verdict.ALLOW, "sql-destructive"),
        ("trino --server https://trino.prod.internal:8080 --execute 'DROP TABLE h.s.t'",
         Verdict.HOLD, "sql-destructive"),
        ("trino --server trino.dev.internal:8080 --execute 'SELECT 1'", Verdict.ALLOW,
         "sql-read"),
        ("presto --execute 'DELETE FROM t'", Verdict.HOLD, "sql-destructive"),
        ("trino -f drop.sql", Verdict.ASK, "sql-unseen-script"),
        ("beeline -u jdbc:hive2://hive.prod.internal:10000 -e 'DROP DATABASE x CASCADE'",
         Verdict.HOLD, "sql-destructive"),
        ("beeline -u jdbc:hive2://hive.dev.internal:10000/db -n u -e 'SHOW TABLES'",
         Verdict.ALLOW, "sql-read"),
        ("beeline -f x.sql", Verdict.ASK, "sql-unseen-script"),
        ("hive -e 'DROP TABLE x'", Verdict.HOLD, "sql-destructive"),
        ("hive --hiveconf a=b -f x.hql", Verdict.ASK, "sql-unseen-script"),
        ("spark-sql --master yarn --conf a=b -e 'TRUNCATE TABLE x'", Verdict.HOLD,
         "sql-destructive"),
        ("cqlsh -e 'TRUNCATE users'", Verdict.HOLD, "sql-destructive"),
        ("cqlsh -f x.cql", Verdict.ASK, "sql-unseen-script"),
        ("clickhouse-client --multiquery 'DROP TABLE x'", Verdict.HOLD, "sql-destructive"),
        ("clickhouse-client -h ch.dev.internal -f CSV -q 'SELECT 1'", Verdict.ALLOW,
         "sql-read"),
        ("clickhouse-client -h ch.prod.internal", Verdict.HOLD, "sql-unseen-script"),
        ("sqlcmd -q 'DROP DATABASE x'", Verdict.HOLD, "sql-destructive"),
        ("sqlcmd -S db.dev.internal -h -1 -Q 'SELECT 1'", Verdict.ALLOW, "sql-read"),
    ],
)  # fmt: skip
def test_more_query_clients(line: str, expected: Verdict, rule: str) -> None:
    """Each client's SQL options, script files and server options are its own."""
    assert rule in rule_ids(line)
    assert verdict(line) is expected


@pytest.mark.parametrize(
    ("line", "rule", "environment"),
    [
        ("clickhouse client --query 'DROP TABLE x'", "sql-destructive", None),
        ("clickhouse client -h ch.prod.internal -q 'SELECT 1'", "sql-read", "production"),
        ("wrangler d1 execute DB --command 'DROP TABLE users'", "sql-destructive", None),
        ("wrangler d1 execute DB --remote --file x.sql", "sql-unseen-script", None),
        ("influx -execute 'DROP DATABASE x'", "sql-destructive", None),
        ("influx -host=db.prod.internal -execute='SHOW DATABASES'", "sql-read", "production"),
        ("influx --execute 'DROP MEASUREMENT cpu' -database app", "sql-destructive", None),
        ("influx -import -path=data.txt", "sql-unseen-script", None),
    ],
)
def test_sql_inside_service_tools_is_read(line: str, rule: str, environment: str | None) -> None:
    """The helpers services.py hands ``clickhouse client``, ``wrangler d1 execute`` and
    the influx 1.x shell to."""
    cmd = SimpleCommand(tuple(shlex.split(line)), line)
    handler = {"clickhouse": clickhouse_subcommand, "wrangler": wrangler_d1}.get(
        cmd.program, influx_v1
    )
    found = handler(cmd, CONTEXT)
    assert found is not None
    assert [(f.rule_id, f.environment) for f in found] == [(rule, environment)]


@pytest.mark.parametrize(
    "line", ["clickhouse server", "wrangler d1 list", "influx bucket delete --name x"]
)
def test_other_service_subcommands_are_left_to_services(line: str) -> None:
    cmd = SimpleCommand(tuple(shlex.split(line)), line)
    assert clickhouse_subcommand(cmd, CONTEXT) is None
    assert wrangler_d1(cmd, CONTEXT) is None
    assert influx_v1(cmd, CONTEXT) is None


def test_wrangler_local_d1_is_workspace_data() -> None:
    line = "wrangler d1 execute DB --local --command 'DROP TABLE users'"
    found = wrangler_d1(SimpleCommand(tuple(shlex.split(line)), line), CONTEXT)
    assert found is not None
    assert [f.scope for f in found] == [Scope.WORKSPACE]

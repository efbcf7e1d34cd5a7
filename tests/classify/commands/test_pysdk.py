"""Inline Python reaching cloud SDKs and database drivers, through the real pipeline."""

from __future__ import annotations

import pytest

from interlock.classify.commands.pycode import analyse
from interlock.models import Verdict
from tests.classify.commands.localtools import findings, rule_ids, verdict

CWD = "/home/alice/proj"


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("python3 -c \"import boto3; boto3.client('rds').delete_db_instance("
         "DBInstanceIdentifier='prod', SkipFinalSnapshot=True)\"", Verdict.HOLD,
         "code-sdk-delete"),
        ("python3 -c \"import boto3; boto3.client('ec2').terminate_instances(InstanceIds=['i'])\"",
         Verdict.HOLD, "code-sdk-delete"),
        ("python3 -c \"import boto3; s3 = boto3.resource('s3'); "
         "s3.Bucket('x').objects.all().delete()\"", Verdict.HOLD, "code-sdk-delete"),
        ("python3 -c \"from kubernetes import client; "
         "client.CoreV1Api().delete_namespace('prod')\"", Verdict.HOLD, "code-sdk-delete"),
        ("python3 -c \"from google.cloud import storage; "
         "storage.Client().bucket('b').delete(force=True)\"", Verdict.HOLD, "code-sdk-delete"),
        ("python3 -c \"from azure.mgmt.compute import ComputeManagementClient as C; "
         "C(c, s).virtual_machines.begin_delete('rg', 'vm')\"", Verdict.HOLD, "code-sdk-delete"),
        ("python3 -c \"import boto3; boto3.client('s3').put_object(Bucket='b', Key='k')\"",
         Verdict.ASK, "code-sdk-write"),
        ("python3 -c \"import boto3; print(boto3.client('s3').list_buckets())\"",
         Verdict.ALLOW, "code-inline-read"),
        ("python3 -c \"from kubernetes import client; "
         "print(client.CoreV1Api().list_namespace())\"", Verdict.ALLOW, "code-inline-read"),
        # SQL handed to drivers: judged by the SQL reader, on the connect string's host
        ("python3 -c \"import psycopg2; psycopg2.connect('host=prod').cursor()"
         ".execute('DROP TABLE users')\"", Verdict.HOLD, "sql-destructive"),
        ("python3 -c \"import psycopg2; psycopg2.connect(host='db1').cursor()"
         ".execute('DELETE FROM users')\"", Verdict.HOLD, "sql-destructive"),
        ("python3 -c \"import psycopg2; c = psycopg2.connect('postgresql://a@db.x/app'); "
         "c.cursor().execute('SELECT 1')\"", Verdict.ALLOW, "sql-read"),
        ("python3 -c \"import sqlalchemy as sa; e = sa.create_engine('postgresql://u@prod-db/x');"
         " e.connect().execute(sa.text('TRUNCATE orders'))\"", Verdict.HOLD, "sql-destructive"),
        ("python3 -c \"import sqlite3; sqlite3.connect('app.db').execute('SELECT * FROM t')\"",
         Verdict.ALLOW, "sql-read"),
        ("python3 -c \"import sqlite3, sys; sqlite3.connect('a.db').execute(sys.argv[1])\"",
         Verdict.HOLD, "code-sql-computed"),
        ("python3 -c \"import pymysql; pymysql.connect(host='db1').cursor()"
         ".execute(f'DROP TABLE {t}')\"", Verdict.HOLD, "code-sql-computed"),
        ("python3 -c \"import json; print(json.dumps({}))\"", Verdict.ALLOW, "code-inline-read"),
    ],
)  # fmt: skip
def test_sdk_and_driver_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line, CWD), rule_ids(line, CWD)
    assert verdict(line, CWD) is expected


def test_a_database_delete_is_stateful_and_critical() -> None:
    line = "python3 -c \"import boto3; boto3.client('rds').delete_db_instance(X='p')\""
    (found,) = [f for f in findings(line, CWD) if f.rule_id == "code-sdk-delete"]
    assert found.stateful
    assert found.environment is None  # unknown: the floor protects it


def test_the_host_of_the_connect_string_names_the_environment() -> None:
    code = "import psycopg2; psycopg2.connect('host=prod').cursor().execute('DROP TABLE u')"
    line = f'python3 -c "{code}"'
    (found,) = findings(line, CWD)
    assert found.environment == "production"


def test_connections_to_two_hosts_leave_the_host_unknown() -> None:
    effects = analyse(
        "import psycopg2\n"
        "psycopg2.connect(host='localhost')\n"
        "psycopg2.connect(host='prod').cursor().execute('DROP TABLE t')\n"
    )
    assert effects is not None
    (remote,) = [e.remote for e in effects if e.remote is not None]
    assert remote.host is None


def test_without_an_sdk_import_method_names_do_not_count() -> None:
    effects = analyse("class C:\n    def delete_all(self): pass\nC().delete_all()")
    assert effects == []

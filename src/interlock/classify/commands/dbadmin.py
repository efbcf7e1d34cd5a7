"""Database administration tools that talk to a server without running SQL text:
pg_dump/pg_dumpall/pg_restore, createdb/dropdb, createuser/dropuser, pg_isready,
mysqldump/mariadb-dump/mysqladmin, mongodump/mongorestore.

Each program has one fixed effect (``_PG_EFFECTS``): a dump reads, dropdb deletes a
whole database, createuser changes privileges. Options can only make it worse:
``pg_restore --clean`` drops objects before recreating them, ``mysqladmin drop``
destroys. The server is named as a SQL client names it (``-h``, ``PGHOST``, a connection
URI), so the findings carry sql.py's rules and targets and the floor judges a dropped
database the same whether ``dropdb`` or ``psql -c 'DROP DATABASE'`` dropped it.
PostgreSQL servers run on this machine (pg_ctl, pg_dropcluster) are system.py's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand
from interlock.classify.commands.paths import operands
from interlock.classify.commands.sql import (
    effect_finding,
    info_finding,
    option_value,
    remote_target,
    uri_in,
)
from interlock.classify.commands.sqltext import Effect
from interlock.models import Category, Finding, Risk


def _pg_admin(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """pg_dump/mysqldump read; dropdb/pg_restore --clean destroy; createdb creates."""
    args = cmd.args
    host = (
        option_value(args, ("-h", "--host")) or cmd.assignments.get("PGHOST") or uri_in(list(args))
    )
    names = operands(args, _ADMIN_VALUES)
    where = remote_target(ctx, host, f"database {names[-1] if names else 'default'}")
    prog = cmd.program
    if {"--help", "--version", "-V", "-?"} & set(args):
        return (info_finding(cmd, where, f"{prog} help"),)
    effect = _PG_EFFECTS.get(prog)
    if prog in ("pg_restore", "mongorestore") and ({"-c", "--clean", "--drop"} & set(args)):
        effect = Effect(Category.REPLACE, Risk.HIGH, f"{prog} drops objects before recreating")
    if prog == "mysqladmin":
        effect = _mysqladmin(names)
    if effect is None:
        effect = Effect(Category.WRITE, Risk.MEDIUM, f"{prog} changes the database")
    return (effect_finding(cmd, where, effect, " ".join(args)),)


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


HANDLERS: Mapping[str, Handler] = {**dict.fromkeys(_PG_EFFECTS, _pg_admin), "mysqladmin": _pg_admin}

#: Findings here use sql.py's rules (sql-read, sql-destructive, sql-privilege, ...).
RULES: tuple[Rule, ...] = ()

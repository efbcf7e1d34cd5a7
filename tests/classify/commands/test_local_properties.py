"""Properties of every local-tool handler: pure, total, never silent, never crashing."""

from __future__ import annotations

import importlib

from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.classify.command import CommandContext, Handler, SimpleCommand
from tests.classify.commands.localtools import CONFIG

FAMILIES = (
    "readonly",
    "files",
    "system",
    "git",
    "github",
    "sql",
    "nosql",
    "packages",
    "http",
    "interpreters",
    "containers",
    "services",
    "interlock_self",
    "archives",
    "sqlclients",
    "dbadmin",
    "hostconfig",
)
HANDLERS: dict[str, Handler] = {}
for _name in FAMILIES:
    HANDLERS.update(importlib.import_module(f"interlock.classify.commands.{_name}").HANDLERS)

TOKENS = st.sampled_from(
    [
        "-rf",
        "-f",
        "--force",
        "-c",
        "-e",
        "-i",
        "-X",
        "DELETE",
        "/",
        "~",
        "..",
        "*",
        "{}",
        "$HOME",
        "interlock.yaml",
        "--",
        "-",
        "=",
        "x=1",
        "'",
        '"',
        "`",
        "$(x)",
        "\x00",
        "",
        "push",
        "rm",
        "delete",
        "install",
        "-g",
        "main",
        "+main",
        ":main",
        "https://h.prod/x",
        "SELECT 1",
        "DROP TABLE t",
        "-o",
        "/etc/passwd",
        "print(",
        "os.system(x)",
        "-x",
        "a=b",
    ]
)
ARGS = st.lists(st.one_of(TOKENS, st.text(max_size=12)), max_size=8)


@settings(max_examples=200, deadline=None)
@given(program=st.sampled_from(sorted(HANDLERS)), args=ARGS, cwd=st.sampled_from([None, "/w"]))
def test_every_handler_is_total(program: str, args: list[str], cwd: str | None) -> None:
    """Any argv gives at least one finding, and no exception escapes."""
    cmd = SimpleCommand(argv=(program, *args), text=" ".join([program, *args]))
    found = list(HANDLERS[program](cmd, CommandContext(CONFIG, cwd=cwd)))
    assert found
    assert all(f.rule_id and f.explanation and f.evidence for f in found)


@settings(max_examples=100, deadline=None)
@given(program=st.sampled_from(sorted(HANDLERS)), args=ARGS)
def test_handlers_are_pure(program: str, args: list[str]) -> None:
    """The same command gives the same findings twice."""
    cmd = SimpleCommand(argv=(program, *args), text=" ".join([program, *args]))
    ctx = CommandContext(CONFIG)
    assert list(HANDLERS[program](cmd, ctx)) == list(HANDLERS[program](cmd, ctx))

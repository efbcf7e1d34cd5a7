"""The GNU sed script scanner finds the commands ``e`` runs and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.classify.sedscript import executed


@pytest.mark.parametrize(
    ("script", "found"),
    [
        ("1e rm -rf /", ("rm -rf /",)),
        ("$ e  date ", ("date",)),
        ("/x/I,+2 !e ls", ("ls",)),
        ("\\,a,e echo hi", ("echo hi",)),
        ("0~3{e uptime\n}", ("uptime",)),
        ("e", (None,)),
        ("s/x/y/e", (None,)),
        ("s,x,y,ge;e ls", (None, "ls")),
        ("p;e", (None,)),
        ("s/x/y/w e.txt\ne ls", ("ls",)),
    ],
)
def test_finds_what_e_runs(script: str, found: tuple[str | None, ...]) -> None:
    assert executed(script) == found


@pytest.mark.parametrize(
    "script",
    [
        "s/a/b/g",
        "/^#/d",
        "1,5p",
        "s|x|y|",
        "$a\\text",
        "/e/p",
        "s/e/E/",
        "s/\\/e/x/",
        "y/e/E/",
        "a echo e",
        "i\\\ne\\\ne",
        "c e",
        ":e\nbe",
        "te;Te",
        "r e\nw e",
        "# e\np",
        "s/x/e/2",
        "/x/M{s/a/b/;}",
        "1~2d;$!N;l 70;q 5",
        "v 4.2\n=",
    ],
)
def test_ordinary_scripts_run_nothing(script: str) -> None:
    assert executed(script) == ()


@pytest.mark.parametrize("script", ["s/x/y", "/x", "1,", "k", "s/x/y/q", "1a", "s\nx\ny\n", "p x"])
def test_unreadable_scripts_give_none(script: str) -> None:
    assert executed(script) is None


@settings(max_examples=300, deadline=None)
@given(st.text("se/;{}!1$,\\ \nxpa:btrwy~IMg#", max_size=24))
def test_any_text_is_read_or_refused(script: str) -> None:
    found = executed(script)
    assert found is None or all(c is None or isinstance(c, str) for c in found)

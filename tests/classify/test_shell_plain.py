"""The walker's short path for plain words gives exactly what the full path gives.

``classify/shell.py`` emits a command of plain words (no quotes, escapes, expansions
or operators) without resolving each word node; these tests switch that path off
(``_PLAIN_BYTES`` empty, so no text is plain) and compare, over every corpus line and over
random plain command lines, the walk and the whole assessment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.classify import plainline, shell
from interlock.classify.command import SimpleCommand
from interlock.classify.shell import split
from interlock.classify.shell_findings import assess
from interlock.config import default_config
from interlock.models import Action, ActionKind, Assessment
from tests.conftest import CORPUS

_CONFIG = default_config()


def _corpus() -> Iterator[str]:
    for name in ("dcg.jsonl", "dippy.jsonl"):
        with (CORPUS / "commands" / name).open(encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)["command"]


def _both(text: str) -> tuple[tuple[object, Assessment], tuple[object, Assessment]]:
    """(short path on, short path off) results of ``split`` and ``assess``."""
    action = Action(ActionKind.SHELL, text)
    fast = split(text), assess(action, _CONFIG)
    saved = shell._PLAIN_BYTES
    shell._PLAIN_BYTES = plainline.PLAIN_BYTES = b""  # the walker's, then ``plain``'s
    try:
        full = split(text), assess(action, _CONFIG)
    finally:
        shell._PLAIN_BYTES = plainline.PLAIN_BYTES = saved
    return fast, full


def test_corpus_lines_agree() -> None:
    texts = list(_corpus())
    plain = 0
    for text in texts:
        fast, full = _both(text)
        assert fast == full, text
        plain += isinstance(shell.plain(text), SimpleCommand)
    assert plain > len(texts) // 2  # the short path is really taken, and often


_TOKEN = st.text("abcdrmsx019-_./:@%+,=", min_size=1, max_size=6)
_PROGRAMS = st.sampled_from(
    [
        *("ls", "rm", "git", "aws", "sudo", "env", "bash", "python3", "cd", "time", "if"),
        *("done", "xargs", "curl", "tee", "alias", "perl", "php", "1", "/bin/rm", "kubectl"),
        *("X=1", "==", "docker", "uv", "npm", "find", "strace", "exec", "run", "-c", "--"),
        "core.pager=rm",
    ]
)


@settings(max_examples=600, deadline=None)
@given(_PROGRAMS, st.lists(st.one_of(_TOKEN, _PROGRAMS), max_size=6))
def test_random_plain_lines_agree(program: str, args: list[str]) -> None:
    text = " ".join([program, *args])
    fast, full = _both(text)
    assert fast == full


@pytest.mark.parametrize(
    "text",
    ["ls == x", "X=1 rm -rf /", "a.b=c ls", "ls -la 5 -1 +1", "cd / && rm -rf x", "ls | sh"],
)
def test_edge_lines_agree(text: str) -> None:
    fast, full = _both(text)
    assert fast == full

"""Properties of shell classification (hypothesis).

* Noise never makes a destructive command allowed: wrappers (``sudo``, ``env``,
  ``timeout``, ``bash -c`` ...), quotes in the program name (``r''m``), prefixes
  (``VAR=1``) and compound neighbours (``true && X``, ``(X)``, ``echo $(X)`` ...),
  in any order and nesting.
* The walker alone already guarantees its half: the destructive command is extracted
  with its arguments intact, or the line is opaque.
* Random input never crashes the walker, and input bash cannot run as written (NUL
  bytes, invalid UTF-8, syntax errors) is never allowed.
"""

from __future__ import annotations

from collections.abc import Callable

import tree_sitter_bash
from hypothesis import given, settings
from hypothesis import strategies as st
from tree_sitter import Language, Parser

from interlock.classify.shell import assess_shell, split
from interlock.classify.treefacts import CRASHES_PARSER as _CRASHES_PARSER
from interlock.config import default_config
from interlock.models import Action, ActionKind, Category, Verdict
from interlock.policy import decide

CONFIG = default_config()
PARSER = Parser(Language(tree_sitter_bash.language()))

DESTRUCTIVE = (
    "rm -rf /",
    "rm -rf ~",
    "git reset --hard",
    "kubectl delete ns prod --context prod",
    "terraform destroy -auto-approve",
    "aws rds delete-db-instance --db-instance-identifier x",
)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _first_word(text: str, how: Callable[[str], str]) -> str:
    head, sep, tail = text.partition(" ")
    return how(head) + sep + tail


def _ansi_c(word: str) -> str:
    return "$'" + "".join(f"\\x{ord(ch):02x}" for ch in word) + "'"


#: Each turns a command line into one that still runs it. ``PREFIX`` and ``QUOTE``
#: need a simple command (``sudo ! rm`` runs a program named ``!``); ``STATEMENT``
#: works on anything and yields a compound; ``STRING`` yields a simple command again.
PREFIX, QUOTE, STATEMENT, STRING = "prefix", "quote", "statement", "string"
ASSIGN = "assign"  # ``VAR=1 X``: X must be simple, and the result takes no more prefixes
NOISE: tuple[tuple[str, Callable[[str], str]], ...] = (
    (PREFIX, lambda x: f"sudo {x}"),
    (PREFIX, lambda x: f"sudo -u root {x}"),
    (PREFIX, lambda x: f"doas {x}"),
    (PREFIX, lambda x: f"env A=1 {x}"),
    (PREFIX, lambda x: f"env -i {x}"),
    (PREFIX, lambda x: f"timeout 5 {x}"),
    (PREFIX, lambda x: f"nice -n 5 {x}"),
    (PREFIX, lambda x: f"nohup {x}"),
    (PREFIX, lambda x: f"setsid {x}"),
    (PREFIX, lambda x: f"stdbuf -o0 {x}"),
    (PREFIX, lambda x: f"command {x}"),
    (PREFIX, lambda x: f"time {x}"),
    (STRING, lambda x: f"bash -c {_quote(x)}"),
    (STRING, lambda x: f"sh -c {_quote(x)}"),
    (STRING, lambda x: f"zsh -c {_quote(x)}"),
    (STRING, lambda x: f"eval {_quote(x)}"),
    (STRING, lambda x: f"ssh build1 {_quote(x)}"),
    (ASSIGN, lambda x: f"VAR=1 {x}"),
    (STATEMENT, lambda x: f"true && {x}"),
    (STATEMENT, lambda x: f"{x}; ls"),
    (STATEMENT, lambda x: f"({x})"),
    (STATEMENT, lambda x: f"{{ {x}; }}"),
    (STATEMENT, lambda x: f"if true; then {x}; fi"),
    (STATEMENT, lambda x: f"for i in 1; do {x}; done"),
    (STATEMENT, lambda x: f"{x} | cat"),
    (STATEMENT, lambda x: f"echo $({x})"),
    (STATEMENT, lambda x: f"{x} &"),
    (STATEMENT, lambda x: f"! {x}"),
    (STATEMENT, lambda x: f"{x} > /dev/null 2>&1"),
    (QUOTE, lambda x: _first_word(x, lambda w: w[0] + "''" + w[1:])),
    (QUOTE, lambda x: _first_word(x, lambda w: '"' + w + '"')),
    (QUOTE, lambda x: _first_word(x, lambda w: "\\" + w)),
    (QUOTE, lambda x: _first_word(x, _ansi_c)),
    (PREFIX, lambda x: f"echo x | xargs {x}"),
)

noisy_lines = st.tuples(
    st.sampled_from(DESTRUCTIVE),
    st.lists(st.sampled_from(range(len(NOISE))), max_size=4),
)


def _compose(base: str, layers: list[int]) -> str:
    """Apply the layers in order, skipping those that would not run the command."""
    text, simple = base, True
    for index in layers:
        kind, noise = NOISE[index]
        plain = text.split(" ", 1)[0].replace("-", "").replace(".", "").isalnum()
        if kind == PREFIX and simple:
            text = noise(text)
            simple = "|" not in text
        elif kind == ASSIGN and simple:
            text, simple = noise(text), False
        elif kind == QUOTE and simple and plain:
            text = noise(text)
        elif kind in (STATEMENT, STRING):
            text = noise(text)
            simple = kind == STRING
    return text


@settings(max_examples=300, deadline=None)
@given(noisy_lines)
def test_walker_keeps_the_destructive_command(line: tuple[str, list[int]]) -> None:
    base, layers = line
    text = _compose(base, layers)
    core = split(base).commands[0].argv
    analysis = split(text)
    extracted = any(c.argv[: len(core)] == core for c in analysis.commands)
    opaque = any(f.category is Category.OPAQUE for f in analysis.findings)
    assert extracted or opaque, text


@settings(max_examples=300, deadline=None)
@given(noisy_lines)
def test_noise_never_makes_a_destructive_command_allowed(line: tuple[str, list[int]]) -> None:
    base, layers = line
    text = _compose(base, layers)
    decision = decide(assess_shell(Action(ActionKind.SHELL, text), CONFIG), CONFIG)
    assert decision.verdict is not Verdict.ALLOW, text


def _unrunnable(payload: bytes) -> bool:
    if b"\x00" in payload:
        return True
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return True
    if _CRASHES_PARSER.search(payload):
        return True  # the grammar itself crashes on these; the walker holds them unparsed
    return bool(PARSER.parse(payload).root_node.has_error)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash_and_unrunnable_input_is_not_allowed(payload: bytes) -> None:
    assessment = assess_shell(Action(ActionKind.SHELL, payload), CONFIG)
    assert "shell-classifier-error" not in {f.rule_id for f in assessment.findings}
    decision = decide(assessment, CONFIG)
    if _unrunnable(payload):
        assert decision.verdict is not Verdict.ALLOW


shellish = st.text(
    alphabet=st.sampled_from(list("rm -f/~$()`'\"\\|&;<>{}[]*?#=\n\tabcxyz012!")),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(shellish, st.text(max_size=80)))
def test_random_text_never_crashes_the_walker(text: str) -> None:
    analysis = split(text)
    for cmd in analysis.commands:
        assert cmd.argv
        assert isinstance(cmd.program, str)
    if _unrunnable(text.encode("utf-8", "surrogatepass")):
        assert any(f.category is Category.OPAQUE for f in analysis.findings)

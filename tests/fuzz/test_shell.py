"""Fuzzing the shell classifier through ``interlock.classify.assess`` (``interlock check``).

* A known destructive command under any noise that keeps it running is never allowed.
* Random and mutated shell text never crashes the classifier, never trips its own
  safety net (``shell-classifier-error`` means a bug was caught, not understood), and
  input bash cannot run as written (NUL bytes, invalid UTF-8, syntax errors) is never
  allowed.
* No input takes more than 100 ms (``campaign.LIMIT``).
"""

from __future__ import annotations

import random

import pytest

from interlock.classify import assess
from interlock.config import default_config
from interlock.models import Action, ActionKind, Assessment, Decision, Verdict
from interlock.policy import decide
from tests.classify.test_shell_properties import _unrunnable
from tests.fuzz.campaign import Campaign
from tests.fuzz.commands import (
    OWN_DESTRUCTIVE,
    corpus_rows,
    destructive,
    is_simple,
    mutate,
    noisy,
    with_tail,
)

CONFIG = default_config()
#: The classifier's own safety net: present means a bug was caught.
INTERNAL_ERROR = "shell-classifier-error"

Payload = str | bytes
Outcome = tuple[Assessment, Decision]


def check(payload: Payload) -> Outcome:
    """What ``interlock check`` computes for ``payload`` (the timed call)."""
    assessment = assess(Action(ActionKind.SHELL, payload), CONFIG)
    return assessment, decide(assessment, CONFIG)


def _findings(assessment: Assessment) -> str:
    return ", ".join(f.rule_id for f in assessment.findings)


def test_every_base_is_stopped_as_written() -> None:
    """The fuzz bases mean something only if interlock stops each one bare."""
    bases = destructive()
    assert len(bases) > 400
    allowed = [b for b in bases if check(b)[1].verdict is Verdict.ALLOW]
    assert allowed == []
    assert set(OWN_DESTRUCTIVE) <= set(bases)


@pytest.mark.parametrize(
    ("line", "simple"),
    [
        ("rm -rf ~", True),
        ("psql -c 'DROP DATABASE ledger'", True),
        ("sudo git reset --hard", True),
        ("rm -rf /home; ls", False),
        ("FOO=1 rm -rf /", False),
        ("time rm -rf /", False),
        ("rm -rf $HOME", False),
        ("echo 'unbalanced", False),
    ],
)
def test_only_simple_commands_take_prefix_wrappers(line: str, simple: bool) -> None:
    assert is_simple(line) is simple


def test_noise_keeps_the_base_in_the_line() -> None:
    """The generator really wraps the base (or its quoted form) rather than dropping it."""
    rng = random.Random(7)
    lines = [noisy(rng, "git reset --hard") for _ in range(300)]
    assert sum(line != "git reset --hard" for line in lines) > 200
    assert all("reset" in line or "\\x72" in line for line in lines)


def _destructive_input(rng: random.Random) -> Payload:
    return with_tail(rng, noisy(rng, rng.choice(destructive())))


def _never_allowed(payload: Payload, outcome: Outcome) -> None:
    assessment, decision = outcome
    rules = _findings(assessment)
    assert INTERNAL_ERROR not in rules, f"classifier error: {rules}"
    assert decision.verdict is not Verdict.ALLOW, f"allowed; findings: {rules or 'none'}"


@pytest.mark.fuzz
def test_noisy_destructive_commands_are_never_allowed() -> None:
    tally = Campaign[Payload, Outcome]("shell-destructive").run(
        _destructive_input, check, _never_allowed, warm="rm -rf ~ | cat"
    )
    assert tally.clean, tally.report()


_RANDOM_ALPHABET = "rm -f/~$()`'\"\\|&;<>{}[]*?#=\n\tabcxyz012!%^:,.@+"


def _random_input(rng: random.Random) -> Payload:
    roll = rng.random()
    if roll < 0.45:
        line, _ = rng.choice(corpus_rows("dippy.jsonl" if rng.random() < 0.7 else "dcg.jsonl"))
        return mutate(rng, line)
    if roll < 0.6:
        return mutate(rng, noisy(rng, rng.choice(destructive())))
    if roll < 0.8:
        size = rng.randrange(0, 120)
        return "".join(rng.choice(_RANDOM_ALPHABET) for _ in range(size))
    return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))


def as_sent(payload: Payload) -> bytes:
    """The bytes bash receives for ``payload``.

    Text reaches bash as UTF-8. A lone surrogate (only a JSON escape can carry one)
    has no UTF-8 form: the agent's encoder (Node's) sends U+FFFD in its place, so that
    is what must be judged (see test_findings.py for where interlock did not).
    """
    if isinstance(payload, bytes):
        return payload
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in payload).encode()


def _robust(payload: Payload, outcome: Outcome) -> None:
    assessment, decision = outcome
    rules = _findings(assessment)
    assert INTERNAL_ERROR not in rules, f"classifier error: {rules}"
    assert assessment.findings, "no findings at all"
    if _unrunnable(as_sent(payload)):
        assert decision.verdict is not Verdict.ALLOW, f"unrunnable input allowed: {rules}"


@pytest.mark.fuzz
def test_random_shell_input_never_crashes() -> None:
    tally = Campaign[Payload, Outcome]("shell-random").run(
        _random_input, check, _robust, warm="ls -la"
    )
    assert tally.clean, tally.report()

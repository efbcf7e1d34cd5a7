"""Regression tests for what the fuzzers found (details in the fuzzing notes).

Each input is the smallest form of a failing fuzz input. The shell cases are bash
lines tree-sitter-bash reads differently from bash, so the destructive command
vanishes from the walk and the line is allowed; until the walker detects these
misreadings they fail, which is the point.
"""

from __future__ import annotations

import pytest

from interlock.classify.plans import detect
from interlock.errors import PlanFormatError
from interlock.models import Verdict
from tests.fuzz.test_plans import check as check_plan
from tests.fuzz.test_shell import check

#: Lines bash runs destructively that were allowed, by the shape that hides them.
MISREAD_LINES = [
    # A: after a newline, a command whose name starts with a backslash is read as more
    # arguments of the previous command (``ls \rm -rf /``); bash runs ``rm``.
    pytest.param("ls\n\\rm -rf /", id="newline-backslash-rm"),
    pytest.param("echo hi\n\\git reset --hard", id="newline-backslash-git"),
    pytest.param("ls || true\n\\rm -rf ~", id="newline-backslash-after-list"),
    # B: a here-document on the last command of an ``&&``/``||`` list is parsed as a
    # redirect of the whole list, and its body is not judged as the program's input.
    pytest.param('true && perl <<EOF\nsystem("rm -rf /");\nEOF', id="and-list-heredoc-perl"),
    pytest.param(
        'false || python3 <<EOF\nimport shutil\nshutil.rmtree("/")\nEOF', id="or-list-heredoc-py"
    ),
    pytest.param(
        'true && # note\nruby <<EOF\nFileUtils.rm_rf("/")\nEOF', id="list-over-comment-heredoc"
    ),
    # C: in a pipeline of three or more stages, the newline before a heredoc-fed
    # command is lost: ``c`` gets ``bash`` as an argument and the heredoc as input.
    pytest.param("a | b | c\nbash <<EOF\nrm -rf /\nEOF", id="pipeline-newline-heredoc"),
    pytest.param(
        "cat f | base64 | base64 -d\nsh <<'EOF'\ngit reset --hard\nEOF", id="pipeline-heredoc-git"
    ),
]


@pytest.mark.parametrize("line", MISREAD_LINES)
def test_misread_lines_are_not_allowed(line: str) -> None:
    assessment, decision = check(line)
    rules = [f.rule_id for f in assessment.findings]
    assert decision.verdict is not Verdict.ALLOW, rules


#: Plans with a byte that is not UTF-8 inside a JSON string: the format sniff skipped
#: it, then ``msgspec`` raised ``UnicodeDecodeError`` out of ``assess`` (a crash).
NOT_UTF8_PLANS = [
    pytest.param(b'{"resource_changes": [{"mode\xba": "managed"}]', id="terraform-broken"),
    pytest.param(
        b'{"resource_changes": [{"change": {"actions": ["delete"]}, "x": "\xff"}]}',
        id="terraform-valid-json",
    ),
    pytest.param(b'[{"resourceChange": {"action": "Remove", "x": "\xed\xa0\x80"}}]', id="cfn"),
    pytest.param(b'{"a": 1}\n{"resourcePreEvent\xf7": {}}\n', id="pulumi-stream"),
]


@pytest.mark.parametrize("data", NOT_UTF8_PLANS)
def test_plans_that_are_not_utf8_are_refused(data: bytes) -> None:
    with pytest.raises(PlanFormatError, match="not UTF-8"):
        detect(data)
    assert check_plan((data, "development")) is None


def test_utf8_plans_still_read() -> None:
    plan = '{"format_version": "1.2", "resource_changes": '
    plan += '[{"address": "a.café", "type": "null_resource", "change": {"actions": ["create"]}}]}'
    outcome = check_plan((plan.encode(), "development"))
    assert outcome is not None
    assert outcome[1].verdict is Verdict.ALLOW


def test_an_octal_escape_past_seven_is_not_a_classifier_error() -> None:
    """``$'\\8'`` is a backslash and an 8 to bash; ``words.decode_ansi_c`` raised
    ``ValueError`` on it, so any line holding one was held as unclassifiable."""
    assessment, _ = check("echo $'\\8' $'\\9x'")
    assert "shell-classifier-error" not in [f.rule_id for f in assessment.findings]


@pytest.mark.parametrize(
    "line",
    [
        's ""l$\ud800$\ud800',
        'aws rds describ"e-db-cl$\ud800{uscrib"e-db-cl$\ud800b-cl$\ud800{uster-snapshots',
    ],
)
def test_a_lone_surrogate_is_judged_as_what_bash_receives(line: str) -> None:
    """A lone surrogate (a JSON ``\\ud800`` escape) reaches bash as U+FFFD; interlock
    parsed its ``surrogatepass`` bytes instead, which tree-sitter reads differently
    (found by shell-random: allowed, while the U+FFFD form is held as unparseable)."""
    sent = line.replace("\ud800", "\ufffd")
    assert check(line)[1].verdict is check(sent)[1].verdict

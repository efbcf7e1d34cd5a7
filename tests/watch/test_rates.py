"""Rates: denied targets retried through other tools, first-time action classes."""

from __future__ import annotations

import pytest

from interlock.models import (
    Action,
    ActionKind,
    Assessment,
    Category,
    Decision,
    Finding,
    Risk,
    Scope,
    Verdict,
)
from interlock.watch.rates import FIRST_TIME_RULE, RETRY_RULE, action_class, is_attempt
from tests.watch.conftest import Session, rules, verdict


def test_a_denied_target_retried_through_another_tool_is_held(kiro: Session) -> None:
    first = kiro.run("aws rds delete-db-instance --db-instance-identifier ledger --profile staging")
    kiro.world.service.deny(first.record.id, kiro.world.human("bob"), comment="no")
    retry = kiro.run("terraform state rm aws_db_instance.ledger", cwd="/srv/staging")
    assert RETRY_RULE not in rules(retry)  # the address names a type, not the database
    again = kiro.run(
        "aws rds delete-db-instance --db-instance-identifier "
        "arn:aws:rds:eu-west-1:123456789012:db:ledger --profile staging"
    )
    assert RETRY_RULE in rules(again)
    other_tool = kiro.run("gcloud sql instances delete ledger --project staging")
    (reason,) = [r for r in other_tool.decision.reasons if r.rule_id == RETRY_RULE]
    assert "through another tool (gcloud:sql/instances)" in reason.message
    assert first.record.id in reason.message
    assert verdict(other_tool) is Verdict.HOLD


def test_a_merely_held_target_is_not_a_refused_one(kiro: Session) -> None:
    kiro.run("kubectl delete ns payments --context prod")
    assert RETRY_RULE not in rules(kiro.run("kubectl create ns payments --context prod"))


def test_first_time_action_classes_are_noted_once(kiro: Session) -> None:
    first = kiro.run("git status")
    assert FIRST_TIME_RULE in rules(first)
    assert verdict(first) is Verdict.ALLOW
    assert FIRST_TIME_RULE not in rules(kiro.run("ls -la"))
    destroy = kiro.run("aws s3 rb s3://logs --force --profile staging")
    (reason,) = [r for r in destroy.decision.reasons if r.rule_id == FIRST_TIME_RULE]
    assert reason.message.startswith("first time agent kiro asks to destroy in staging")
    assert reason.verdict is Verdict.ALLOW


def _f(category: Category, scope: Scope, env: str | None = None) -> Finding:
    return Finding("t", category, scope, "x", "x", "x", Risk.LOW, env)


ALLOW = Decision(Verdict.ALLOW, Risk.NONE, 0, ())


@pytest.mark.parametrize(
    ("finding", "decision", "counted"),
    [
        (_f(Category.DELETE, Scope.WORKSPACE), ALLOW, False),
        (_f(Category.DELETE, Scope.HOST), ALLOW, True),
        (_f(Category.REPLACE, Scope.REMOTE), ALLOW, True),
        (_f(Category.WRITE, Scope.REMOTE), ALLOW, False),
        (_f(Category.READ, Scope.REMOTE), Decision(Verdict.HOLD, Risk.LOW, 1, ()), True),
        (_f(Category.READ, Scope.REMOTE), Decision(Verdict.DENY, Risk.LOW, 0, ()), True),
        (_f(Category.READ, Scope.REMOTE), Decision(Verdict.ASK, Risk.LOW, 0, ()), False),
    ],
)
def test_what_counts_as_an_attempt(finding: Finding, decision: Decision, counted: bool) -> None:
    assessment = Assessment(Action(ActionKind.SHELL, "x"), (finding,))
    assert is_attempt(assessment, decision) is counted


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ((_f(Category.READ, Scope.WORKSPACE),), "read@-"),
        (
            (
                _f(Category.READ, Scope.REMOTE, "production"),
                _f(Category.DELETE, Scope.REMOTE, "production"),
            ),
            "destroy@production",
        ),
        (
            (_f(Category.CREATE, Scope.REMOTE, "staging"), _f(Category.READ, Scope.REMOTE, "dev")),
            "change@dev,staging",
        ),
        ((), "destroy@-"),
    ],
)
def test_action_classes(findings: tuple[Finding, ...], expected: str) -> None:
    assert action_class(Assessment(Action(ActionKind.SHELL, "x"), findings)) == expected

"""Intent mismatch between the human's task and what the action does."""

from __future__ import annotations

import json

import pytest

from interlock.config import default_config
from interlock.demo.incident import incident_plan, minimal_fix_plan, to_bytes
from interlock.models import (
    Action,
    ActionKind,
    Assessment,
    BlastRadius,
    Category,
    Finding,
    Risk,
    Scope,
    Target,
    Verdict,
)
from interlock.watch.intent import ENVIRONMENT_RULE, SCOPE_RULE, mismatches
from tests.watch.conftest import Session, rules, verdict

CONFIG = default_config()


def test_a_staging_task_followed_by_a_production_delete_is_a_mismatch(kiro: Session) -> None:
    kiro.task = "refresh the staging environment"
    kiro.run("aws rds describe-db-instances --profile staging")
    submitted = kiro.run(
        "aws rds delete-db-instance --db-instance-identifier ledger --profile prod"
    )
    assert verdict(submitted) is Verdict.HOLD
    (finding,) = [f for f in submitted.assessment.findings if f.rule_id == ENVIRONMENT_RULE]
    assert finding.environment == "production"
    assert finding.explanation.startswith("task says 'refresh the staging environment'")
    assert "deletes aws rds delete-db-instance ledger in production" in finding.explanation
    reasons = [r for r in submitted.decision.reasons if r.rule_id == ENVIRONMENT_RULE]
    assert [r.verdict for r in reasons] == [Verdict.HOLD]


def test_the_incident_plan_under_a_minor_bug_task(kiro: Session) -> None:
    action = Action(
        ActionKind.TERRAFORM_PLAN,
        to_bytes(incident_plan()),
        task="fix a minor bug in Cost Explorer",
        session_id="s-1",
    )
    submitted = kiro.world.service.submit(kiro.token, action)
    (finding,) = [f for f in submitted.assessment.findings if f.rule_id == SCOPE_RULE]
    assert finding.explanation == (
        "task says 'fix a minor bug in Cost Explorer'; action replaces 17 resources "
        "incl. 1 database"
    )
    assert verdict(submitted) is Verdict.HOLD


def _assessment(task: str, *findings: Finding, counts: dict[str, int] | None = None) -> Assessment:
    action = Action(ActionKind.SHELL, "x", task=task)
    envs = tuple(sorted({f.environment for f in findings if f.environment}))
    return Assessment(action, findings, envs, BlastRadius(counts=counts or {}))


def _f(category: Category, env: str | None, scope: Scope = Scope.REMOTE) -> Finding:
    return Finding("t", category, scope, "db", "evidence", "why", Risk.MEDIUM, env)


@pytest.mark.parametrize(
    ("task", "finding", "counts", "expected"),
    [
        (
            "refresh the staging environment",
            _f(Category.WRITE, "production"),
            None,
            {ENVIRONMENT_RULE},
        ),
        ("try it on dev first", _f(Category.DELETE, "production"), None, {ENVIRONMENT_RULE}),
        ("refresh the staging environment", _f(Category.READ, "production"), None, set()),
        ("refresh the staging environment", _f(Category.DELETE, "staging"), None, set()),
        ("roll staging then production", _f(Category.DELETE, "production"), None, set()),
        ("fix a typo in the README", _f(Category.DELETE, "development"), None, {SCOPE_RULE}),
        ("fix the rounding bug", _f(Category.REPLACE, "staging"), None, {SCOPE_RULE}),
        ("small cleanup", _f(Category.WRITE, "development"), {"update": 11}, {SCOPE_RULE}),
        ("small cleanup", _f(Category.WRITE, "development"), {"update": 10}, set()),
        ("small cleanup", _f(Category.DELETE, None, Scope.WORKSPACE), None, set()),
        ("migrate the billing service to aurora", _f(Category.REPLACE, "staging"), None, set()),
        ("", _f(Category.DELETE, "production"), None, set()),
    ],
)
def test_mismatch_table(
    task: str, finding: Finding, counts: dict[str, int] | None, expected: set[str]
) -> None:
    found = mismatches(task, _assessment(task, finding, counts=counts), CONFIG)
    assert {m.finding.rule_id for m in found} == expected
    for m in found:
        assert m.reason.verdict is Verdict.HOLD
        assert m.finding.explanation == m.reason.message
        assert m.finding.explanation.startswith("task says '")


def _update_plan(count: int) -> bytes:
    """A development plan updating ``count`` parameters: the floor allows it."""
    tags = {"Environment": "development"}
    changes = [
        {
            "address": f"aws_ssm_parameter.p{i}",
            "mode": "managed",
            "type": "aws_ssm_parameter",
            "name": f"p{i}",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["update"],
                "before": {"value": "a", "tags": tags},
                "after": {"value": "b", "tags": tags},
                "after_unknown": {},
                "before_sensitive": {},
                "after_sensitive": {},
            },
        }
        for i in range(count)
    ]
    plan = {"format_version": "1.2", "resource_changes": changes, "complete": True}
    return json.dumps(plan).encode()


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("rotate the development parameters", Verdict.ALLOW),
        ("fix a small typo", Verdict.HOLD),
    ],
)
def test_an_intent_mismatch_raises_an_allowed_action_to_hold(
    kiro: Session, task: str, expected: Verdict
) -> None:
    action = Action(
        ActionKind.TERRAFORM_PLAN,
        _update_plan(12),
        Target(workspace="dev"),
        task=task,
        session_id="s-1",
    )
    submitted = kiro.world.service.submit(kiro.token, action)
    assert verdict(submitted) is expected
    if expected is Verdict.HOLD:
        (reason,) = [r for r in submitted.decision.reasons if r.rule_id == SCOPE_RULE]
        assert reason.message == "task says 'fix a small typo'; action changes 12 resources"
        assert submitted.record.required_approvals >= 1


def test_a_small_production_fix_plan_needs_no_intent_finding(kiro: Session) -> None:
    action = Action(
        ActionKind.TERRAFORM_PLAN,
        to_bytes(minimal_fix_plan()),
        task="fix a minor bug in Cost Explorer",
        session_id="s-1",
    )
    submitted = kiro.world.service.submit(kiro.token, action)
    assert not {SCOPE_RULE, ENVIRONMENT_RULE} & rules(submitted)

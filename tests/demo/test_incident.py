"""The founding incident plan and its variants, through classification and the floor."""

from __future__ import annotations

import orjson
import pytest

from interlock.classify import assess
from interlock.cli.render import ordered
from interlock.config import default_config
from interlock.demo.incident import (
    incident_plan,
    incomplete_plan,
    invalid_action_plan,
    minimal_fix_plan,
    to_bytes,
)
from interlock.models import Action, ActionKind, Assessment, Category, Risk, Target, Verdict
from interlock.policy import decide

CONFIG = default_config()


def _assess(plan: dict[str, object], env: str | None = None) -> Assessment:
    action = Action(ActionKind.TERRAFORM_PLAN, to_bytes(plan), Target(environment=env))
    return assess(action, CONFIG)


def test_the_plan_has_41_resources_and_replaces_the_database() -> None:
    plan = incident_plan()
    changes = plan["resource_changes"]
    assert isinstance(changes, list)
    assert len(changes) == 41
    db = next(rc for rc in changes if rc["address"] == "aws_db_instance.ledger")
    assert db["change"]["actions"] == ["delete", "create"]
    assert db["change"]["replace_paths"] == [["identifier"], ["engine"]]
    assert orjson.loads(to_bytes(plan)) == plan


def test_incident_is_held_for_two_humans_and_names_the_database_first() -> None:
    assessment = _assess(incident_plan())
    decision = decide(assessment, CONFIG)
    assert decision.verdict is Verdict.HOLD
    assert decision.required_approvals == 2
    assert decision.risk is Risk.CRITICAL
    first = ordered(assessment.findings)[0]
    assert (first.rule_id, first.target) == ("tf-replace-stateful", "aws_db_instance.ledger")
    assert first.environment == "production"
    assert first.stateful
    assert "`identifier`, `engine` cannot be updated in place" in first.explanation
    assert assessment.blast_radius.stateful == ("aws_db_instance.ledger",)
    assert assessment.blast_radius.large is True
    assert assessment.environments == ("production",)


def test_incident_shows_the_protections_switched_off() -> None:
    rules = {f.rule_id for f in _assess(incident_plan()).findings}
    assert {"tf-deletion-protection-off", "tf-skip-final-snapshot-on"} <= rules


def test_counts_match_the_plan() -> None:
    names = {("delete", "create"): "replace", ("create", "delete"): "replace"}
    expected: dict[str, int] = {}
    for rc in incident_plan()["resource_changes"]:
        actions = tuple(rc["change"]["actions"])
        name = names.get(actions, actions[0])
        expected[name] = expected.get(name, 0) + 1
    counts = _assess(incident_plan()).blast_radius.counts
    assert counts == expected
    assert sum(counts.values()) == 41
    assert counts["replace"] == 17


@pytest.mark.parametrize(
    ("plan", "verdict", "approvals"),
    [
        (minimal_fix_plan(), Verdict.HOLD, 2),  # a write to protected production
        (minimal_fix_plan("staging"), Verdict.ALLOW, 0),
        (incident_plan("staging"), Verdict.HOLD, 1),  # destructive in staging: its approvers
        (incomplete_plan(), Verdict.HOLD, 2),
        (invalid_action_plan(), Verdict.HOLD, 2),
    ],
)
def test_variants(plan: dict[str, object], verdict: Verdict, approvals: int) -> None:
    decision = decide(_assess(plan), CONFIG)
    assert (decision.verdict, decision.required_approvals) == (verdict, approvals)


def test_forced_environment_wins_over_tags() -> None:
    assessment = _assess(incident_plan("staging"), env="production")
    assert assessment.environments == ("production",)
    assert decide(assessment, CONFIG).required_approvals == 2


def test_invalid_action_is_opaque() -> None:
    (finding,) = _assess(invalid_action_plan()).findings
    assert (finding.rule_id, finding.category) == ("tf-unknown-action", Category.OPAQUE)

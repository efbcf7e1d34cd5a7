"""Terraform/OpenTofu plan reading: the corpus, the action tuples, the plan-level keys."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from interlock.classify import assess
from interlock.config import default_config
from interlock.models import (
    Action,
    ActionKind,
    Assessment,
    Category,
    Risk,
    Target,
    Verdict,
)
from interlock.policy import decide

CONFIG = default_config()
DEFINED = {
    ("no-op",),
    ("create",),
    ("read",),
    ("update",),
    ("delete", "create"),
    ("create", "delete"),
    ("delete",),
    ("forget",),
    ("create", "forget"),
    ("forget", "create"),
}


def _assess(plan: dict[str, Any] | bytes, env: str | None = None) -> Assessment:
    data = plan if isinstance(plan, bytes) else orjson.dumps(plan)
    return assess(Action(ActionKind.TERRAFORM_PLAN, data, Target(environment=env)), CONFIG)


def _plans(corpus: Path) -> list[Path]:
    return sorted((corpus / "tfplan").glob("*.json"))


def _expected(plan: Any) -> tuple[set[tuple[str, str]], set[str]]:
    """(category, address) of every delete and replace, and addresses of undefined tuples,
    computed with the standard library straight from the document."""
    destructive: set[tuple[str, str]] = set()
    undefined: set[str] = set()
    for rc in plan.get("resource_changes") or []:
        actions = tuple(rc["change"]["actions"])
        if actions in {("delete", "create"), ("create", "delete")}:
            destructive.add(("replace", rc["address"]))
        elif actions == ("delete",):
            destructive.add(("delete", rc["address"]))
        elif actions not in DEFINED:
            undefined.add(rc["address"])
    return destructive, undefined


def test_corpus_holds_the_documented_deletes_and_replaces(corpus: Path) -> None:
    with_destructive = [p for p in _plans(corpus) if _expected(json.loads(p.read_text()))[0]]
    assert len(with_destructive) == 19


def test_every_corpus_delete_and_replace_is_reported(corpus: Path) -> None:
    for path in _plans(corpus):
        plan = json.loads(path.read_text())
        expected, _ = _expected(plan)
        assessment = _assess(path.read_bytes())
        found = {
            (f.category.value, f.target)
            for f in assessment.findings
            if f.category in (Category.DELETE, Category.REPLACE)
        }
        assert found == expected, path.name
        if expected:
            assert decide(assessment, CONFIG).verdict is Verdict.HOLD, path.name


def test_undefined_action_lists_in_the_corpus_are_held(corpus: Path) -> None:
    seen = 0
    for path in _plans(corpus):
        _, undefined = _expected(json.loads(path.read_text()))
        if not undefined:
            continue
        seen += len(undefined)
        assessment = _assess(path.read_bytes(), env="development")
        opaque = {f.target for f in assessment.findings if f.category is Category.OPAQUE}
        assert undefined <= opaque
        assert decide(assessment, CONFIG).verdict is Verdict.HOLD
    assert seen == 3  # one invalid list and two empty ones


def test_no_corpus_plan_crashes_and_each_has_a_finding(corpus: Path) -> None:
    for path in _plans(corpus):
        assessment = _assess(path.read_bytes())
        assert assessment.findings, path.name
        assert assessment.facts["format"] == "terraform"


def test_replace_explains_the_paths_that_cannot_be_updated(corpus: Path) -> None:
    name = (
        "opentofu__opentofu__internal__command__testdata__show-json__requires-replace__output.json"
    )
    (finding,) = list(_assess((corpus / "tfplan" / name).read_bytes()).findings)
    assert finding.rule_id == "tf-replace"
    assert "because `ami` cannot be updated in place" in finding.explanation
    assert finding.risk is Risk.HIGH


def _rc(address: str, actions: list[str], **change: Any) -> dict[str, Any]:
    rtype, name = address.split(".")[-2:]
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": actions, "before": {}, "after": {}, **change},
    }


def _plan(*changes: Any, **top: Any) -> dict[str, Any]:
    return {"format_version": "1.2", "resource_changes": list(changes), **top}


@pytest.mark.parametrize(
    ("actions", "rule", "category", "risk"),
    [
        (["delete", "create"], "tf-replace-stateful", Category.REPLACE, Risk.CRITICAL),
        (["create", "delete"], "tf-replace-stateful", Category.REPLACE, Risk.CRITICAL),
        (["delete"], "tf-delete-stateful", Category.DELETE, Risk.CRITICAL),
        (["forget"], "tf-forget", Category.WRITE, Risk.MEDIUM),
        (["create", "forget"], "tf-forget", Category.WRITE, Risk.MEDIUM),
        (["forget", "create"], "tf-forget", Category.WRITE, Risk.MEDIUM),
        (["update"], "tf-update", Category.WRITE, Risk.MEDIUM),
        (["create"], "tf-create", Category.CREATE, Risk.LOW),
        (["read"], "tf-read", Category.READ, Risk.NONE),
        (["delete", "delete"], "tf-unknown-action", Category.OPAQUE, Risk.HIGH),
        (["destroy"], "tf-unknown-action", Category.OPAQUE, Risk.HIGH),
        ([], "tf-unknown-action", Category.OPAQUE, Risk.HIGH),
        ("delete", "tf-unknown-action", Category.OPAQUE, Risk.HIGH),
        ([["delete"]], "tf-unknown-action", Category.OPAQUE, Risk.HIGH),
    ],
)
def test_action_tuples(actions: Any, rule: str, category: Category, risk: Risk) -> None:
    assessment = _assess(_plan(_rc("aws_db_instance.ledger", actions)))
    (finding,) = assessment.findings
    assert (finding.rule_id, finding.category, finding.risk) == (rule, category, risk)
    assert finding.target == "aws_db_instance.ledger"
    assert finding.stateful is (category in (Category.REPLACE, Category.DELETE))


def test_stateless_replace_is_high_not_critical() -> None:
    (finding,) = _assess(_plan(_rc("aws_instance.web", ["delete", "create"]))).findings
    assert (finding.rule_id, finding.risk, finding.stateful) == ("tf-replace", Risk.HIGH, False)


@pytest.mark.parametrize(
    ("key", "before", "after", "rule"),
    [
        ("deletion_protection", True, False, "tf-deletion-protection-off"),
        ("enable_deletion_protection", True, False, "tf-deletion-protection-off"),
        ("skip_final_snapshot", False, True, "tf-skip-final-snapshot-on"),
        ("force_destroy", False, True, "tf-force-destroy-on"),
    ],
)
def test_flags_that_make_a_later_delete_silent(
    key: str, before: bool, after: bool, rule: str
) -> None:
    rc = _rc("aws_s3_bucket.logs", ["update"], before={key: before}, after={key: after})
    findings = _assess(_plan(rc), env="staging").findings
    flagged = [f for f in findings if f.rule_id == rule]
    assert len(flagged) == 1
    assert flagged[0].risk is Risk.HIGH
    assert flagged[0].stateful
    back = _rc("aws_s3_bucket.logs", ["update"], before={key: after}, after={key: before})
    assert not [f for f in _assess(_plan(back)).findings if f.rule_id == rule]


@pytest.mark.parametrize(
    ("top", "rule"),
    [
        ({"complete": False}, "tf-plan-incomplete"),
        ({"complete": "yes"}, "tf-plan-incomplete"),
        ({"errored": True}, "tf-plan-errored"),
        ({"format_version": "2.0"}, "tf-format-unknown"),
        ({"format_version": None}, "tf-format-unknown"),
        ({"deferred_changes": [{"reason": "provider_config_unknown"}]}, "tf-deferred"),
        (
            {"action_invocations": [{"address": "action.aws_lambda_invoke.x"}]},
            "tf-action-invocation",
        ),
        ({"resource_changes": {"not": "a list"}}, "tf-plan-malformed"),
        ({"resource_changes": [1, _rc("aws_instance.a", ["create"])]}, "tf-change-malformed"),
    ],
)
def test_plan_level_problems_are_held(top: dict[str, Any], rule: str) -> None:
    plan = {**_plan(_rc("aws_instance.web", ["create"])), **top}
    assessment = _assess(plan, env="development")
    assert rule in {f.rule_id for f in assessment.findings if f.category is Category.OPAQUE}
    assert decide(assessment, CONFIG).verdict is Verdict.HOLD


def test_one_bad_entry_does_not_hide_the_others() -> None:
    plan = _plan("junk", _rc("aws_rds_cluster.main", ["delete"]), {"change": 5}, {})
    rules = [f.rule_id for f in _assess(plan).findings]
    assert rules.count("tf-change-malformed") == 2
    assert "tf-delete-stateful" in rules
    assert "tf-unknown-action" in rules


def test_a_plan_without_changes_still_has_a_finding(corpus: Path) -> None:
    name = "hashicorp__terraform-json__testdata__no_changes__plan.json"
    assessment = _assess((corpus / "tfplan" / name).read_bytes(), env="development")
    assert [f.rule_id for f in assessment.findings] == ["tf-no-changes"]
    decision = decide(assessment, CONFIG)
    assert decision.verdict is Verdict.ALLOW
    assert "floor-empty" not in {r.rule_id for r in decision.reasons}


def test_drift_is_reported_as_a_read(corpus: Path) -> None:
    name = "opentofu__opentofu__internal__command__testdata__show-json__drift__output.json"
    findings = _assess((corpus / "tfplan" / name).read_bytes()).findings
    assert [f.category for f in findings if f.rule_id == "tf-drift"] == [Category.READ]


def test_import_without_other_change_is_a_write() -> None:
    rc = _rc("aws_s3_bucket.logs", ["no-op"], importing={"id": "logs"})
    (finding,) = _assess(_plan(rc)).findings
    assert (finding.rule_id, finding.category) == ("tf-import", Category.WRITE)
    assert _assess(_plan(rc)).blast_radius.counts == {"import": 1}


def test_deposed_object_delete_is_named() -> None:
    rc = {**_rc("aws_db_instance.main", ["delete"]), "deposed": "00000001"}
    (finding,) = _assess(_plan(rc)).findings
    assert "deposed object 00000001" in finding.explanation


def test_blast_radius_counts_modules_providers_and_large() -> None:
    changes = [_rc(f"module.app.aws_instance.w{i}", ["create"]) for i in range(25)]
    for rc in changes:
        rc["module_address"] = "module.app"
    changes.append(_rc("aws_db_instance.ledger", ["delete", "create"]))
    blast = _assess(_plan(*changes)).blast_radius
    assert blast.counts == {"create": 25, "replace": 1}
    assert blast.stateful == ("aws_db_instance.ledger",)
    assert blast.modules == ("module.app",)
    assert blast.providers == ("registry.terraform.io/hashicorp/aws",)
    assert blast.large is True
    assert _assess(_plan(*changes[-3:])).blast_radius.large is False


def test_routine_changes_fold_into_one_finding_per_rule_and_environment() -> None:
    changes = [_rc(f"aws_instance.w{i}", ["update"]) for i in range(30)]
    (finding,) = _assess(_plan(*changes)).findings
    assert finding.target == "30 resources"
    assert finding.evidence.endswith("and 22 more")


def test_facts_are_small_and_carry_no_values() -> None:
    plan = _plan(_rc("aws_instance.web", ["create"], after={"user_data": "x" * 10_000}))
    facts = _assess({**plan, "terraform_version": "1.9.5" + "9" * 500}).facts
    assert facts["format"] == "terraform"
    assert facts["complete"] is None
    assert len(orjson.dumps(facts)) < 400


def test_huge_strings_are_clipped_in_findings() -> None:
    address = "aws_db_instance." + "x" * 100_000
    (finding,) = _assess(_plan(_rc(address, ["delete"]))).findings
    assert len(finding.target) <= 600
    assert len(finding.evidence) <= 600


def test_reading_does_not_modify_a_shared_plan() -> None:
    plan = _plan(_rc("aws_instance.web", ["update"]))
    before = copy.deepcopy(plan)
    _assess(plan)
    assert plan == before

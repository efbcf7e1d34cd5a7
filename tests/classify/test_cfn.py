"""CloudFormation change sets: the corpus samples and the cases they do not show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from interlock.classify import assess
from interlock.config import default_config
from interlock.models import Action, ActionKind, Assessment, Category, Risk, Target, Verdict
from interlock.policy import decide

CONFIG = default_config()


def _assess(doc: Any, env: str | None = None) -> Assessment:
    data = doc if isinstance(doc, bytes) else orjson.dumps(doc)
    return assess(Action(ActionKind.TERRAFORM_PLAN, data, Target(environment=env)), CONFIG)


def _expected(doc: Any) -> set[tuple[str, str]]:
    """(category, logical id) of removes and replacements, read with the stdlib."""
    changes = doc if isinstance(doc, list) else doc["Changes"]
    out: set[tuple[str, str]] = set()
    for change in changes:
        rc = change.get("ResourceChange") or change.get("resourceChange")
        action = rc.get("Action") or rc.get("action")
        replacement = rc.get("Replacement") or rc.get("replacement")
        logical = rc.get("LogicalResourceId") or rc.get("logicalResourceId")
        if action == "Remove":
            out.add(("delete", logical))
        elif action == "Modify" and replacement in ("True", "Conditional"):
            out.add(("replace", logical))
    return out


def test_every_corpus_remove_and_replacement_is_reported(corpus: Path) -> None:
    files = sorted((corpus / "other" / "cloudformation" / "extracted").glob("*.json"))
    destructive = 0
    for path in files:
        expected = _expected(json.loads(path.read_text()))
        destructive += len(expected)
        assessment = _assess(path.read_bytes())
        found = {
            (f.category.value, f.target)
            for f in assessment.findings
            if f.category in (Category.DELETE, Category.REPLACE)
        }
        assert found == expected, path.name
        verdict = decide(assessment, CONFIG).verdict
        assert verdict is (Verdict.HOLD if expected else Verdict.ASK), path.name
    assert destructive >= 4


def _change(action: str, rtype: str = "AWS::RDS::DBInstance", **extra: Any) -> dict[str, Any]:
    rc = {"Action": action, "LogicalResourceId": "Ledger", "ResourceType": rtype, **extra}
    return {"Type": "Resource", "ResourceChange": rc}


@pytest.mark.parametrize(
    ("change", "rule", "category", "risk"),
    [
        (_change("Remove"), "cfn-remove-stateful", Category.DELETE, Risk.CRITICAL),
        (
            _change("Remove", PolicyAction="Snapshot"),
            "cfn-remove-stateful",
            Category.DELETE,
            Risk.HIGH,
        ),
        (_change("Remove", PolicyAction="Retain"), "cfn-remove", Category.DELETE, Risk.HIGH),
        (
            _change("Modify", Replacement="True"),
            "cfn-replace-stateful",
            Category.REPLACE,
            Risk.CRITICAL,
        ),
        (
            _change("Modify", Replacement="Conditional", ResourceType="AWS::EC2::Instance"),
            "cfn-replace",
            Category.REPLACE,
            Risk.HIGH,
        ),
        (_change("Modify", Replacement="False"), "cfn-modify", Category.WRITE, Risk.MEDIUM),
        (_change("Add"), "cfn-add", Category.CREATE, Risk.LOW),
        (_change("Dynamic"), "cfn-dynamic", Category.OPAQUE, Risk.HIGH),
        (_change("Explode"), "cfn-unknown-action", Category.OPAQUE, Risk.HIGH),
        (
            _change("Modify", "AWS::CloudFormation::Stack"),
            "cfn-nested-stack",
            Category.OPAQUE,
            Risk.HIGH,
        ),
        ({"Type": "Hook"}, "cfn-unknown-change", Category.OPAQUE, Risk.HIGH),
    ],
)
def test_change_kinds(change: dict[str, Any], rule: str, category: Category, risk: Risk) -> None:
    (finding,) = _assess({"Changes": [change], "StackName": "ledger"}).findings
    assert (finding.rule_id, finding.category, finding.risk) == (rule, category, risk)


def test_replacement_names_the_properties_that_force_it() -> None:
    details = [{"Target": {"Name": "DBInstanceIdentifier", "RequiresRecreation": "Always"}}]
    change = _change("Modify", Replacement="True", Details=details)
    (finding,) = _assess({"Changes": [change]}).findings
    assert "because `DBInstanceIdentifier` requires recreation" in finding.explanation


@pytest.mark.parametrize(
    "meta",
    [
        {"Status": "FAILED", "StatusReason": "no changes"},
        {"Status": "CREATE_PENDING"},
        {"NextToken": "abc"},
    ],
)
def test_incomplete_change_sets_are_held(meta: dict[str, Any]) -> None:
    assessment = _assess({"Changes": [_change("Add")], **meta}, env="development")
    assert "cfn-changeset-incomplete" in {f.rule_id for f in assessment.findings}
    assert decide(assessment, CONFIG).verdict is Verdict.HOLD


def test_environment_from_stack_tags_and_account() -> None:
    tags = [{"Key": "Environment", "Value": "production"}]
    assessment = _assess({"Changes": [_change("Add")], "Tags": tags})
    assert assessment.environments == ("production",)
    staged = _assess({"Changes": [_change("Add")], "StackName": "ledger-staging"})
    assert staged.environments == ("staging",)


def test_camel_case_change_list() -> None:
    rc = {"action": "Remove", "logicalResourceId": "Cache", "resourceType": "AWS::SQS::Queue"}
    (finding,) = _assess([{"type": "Resource", "resourceChange": rc}]).findings
    assert (finding.rule_id, finding.target) == ("cfn-remove-stateful", "Cache")


def test_empty_change_set_has_a_finding() -> None:
    (finding,) = _assess({"Changes": [], "StackName": "s"}).findings
    assert finding.rule_id == "cfn-no-changes"

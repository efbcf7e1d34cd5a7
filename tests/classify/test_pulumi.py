"""Pulumi previews and engine-event streams: the corpus and the ops it lacks."""

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
REPLACING = {"replace", "create-replacement", "delete-replaced", "discard-replaced"}


def _assess(data: bytes | dict[str, Any], env: str | None = None) -> Assessment:
    raw = data if isinstance(data, bytes) else orjson.dumps(data)
    return assess(Action(ActionKind.TERRAFORM_PLAN, raw, Target(environment=env)), CONFIG)


def _metadata(path: Path) -> list[dict[str, Any]]:
    text = path.read_text()
    if path.suffix == ".json":
        return list(json.loads(text)["steps"])
    events = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [e["resourcePreEvent"]["metadata"] for e in events if "resourcePreEvent" in e]


def _expected(path: Path) -> set[tuple[str, str]]:
    ops: dict[str, set[str]] = {}
    for step in _metadata(path):
        ops.setdefault(step["urn"], set()).add(step["op"])
    out: set[tuple[str, str]] = set()
    for urn, seen in ops.items():
        if seen & REPLACING:
            out.add(("replace", urn))
        elif "delete" in seen:
            out.add(("delete", urn))
    return out


def test_every_corpus_replace_and_delete_is_reported(corpus: Path) -> None:
    files = sorted(p for p in (corpus / "other" / "pulumi").iterdir() if p.is_file())
    total = 0
    for path in files:
        expected = _expected(path)
        total += len(expected)
        assessment = _assess(path.read_bytes())
        found = {
            (f.category.value, f.target)
            for f in assessment.findings
            if f.category in (Category.DELETE, Category.REPLACE)
        }
        assert found == expected, path.name
        if expected:
            assert decide(assessment, CONFIG).verdict is Verdict.HOLD, path.name
    assert total >= 20


def test_preview_errors_are_held(corpus: Path) -> None:
    name = (
        "pulumi__pulumi__pkg__engine__lifecycletest__testdata__output__"
        "TestDestroyTargetWithChildren__a-no-target-dependents-0-0-preview__eventstream.jsonl"
    )
    findings = _assess((corpus / "other" / "pulumi" / name).read_bytes()).findings
    assert "pulumi-preview-error" in {f.rule_id for f in findings}


def _step(op: str, type_: str = "aws:rds/instance:Instance", **extra: Any) -> dict[str, Any]:
    urn = f"urn:pulumi:prod::ledger::{type_}::db"
    return {"op": op, "urn": urn, "newState": {"type": type_}, **extra}


@pytest.mark.parametrize(
    ("op", "rule", "category", "risk"),
    [
        ("replace", "pulumi-replace-stateful", Category.REPLACE, Risk.CRITICAL),
        ("delete", "pulumi-delete-stateful", Category.DELETE, Risk.CRITICAL),
        ("discard", "pulumi-delete-stateful", Category.DELETE, Risk.CRITICAL),
        ("update", "pulumi-update", Category.WRITE, Risk.MEDIUM),
        ("create", "pulumi-create", Category.CREATE, Risk.LOW),
        ("obliterate", "pulumi-unknown-op", Category.OPAQUE, Risk.HIGH),
    ],
)
def test_step_ops(op: str, rule: str, category: Category, risk: Risk) -> None:
    assessment = _assess({"steps": [_step(op)]})
    (finding,) = assessment.findings
    assert (finding.rule_id, finding.category, finding.risk) == (rule, category, risk)
    assert finding.environment == "production"  # the stack is called prod


def test_replace_names_the_keys_that_force_it() -> None:
    step = _step("replace", replaceReasons=["engine"])
    (finding,) = _assess({"steps": [step]}).findings
    assert "because `engine` changed" in finding.explanation


def test_retained_delete_is_a_write() -> None:
    step = {**_step("delete"), "oldState": {"retainOnDelete": True, "type": "x:y:Z"}}
    (finding,) = _assess({"steps": [step]}).findings
    assert (finding.rule_id, finding.category) == ("pulumi-delete-retained", Category.WRITE)


def test_only_same_steps_still_give_a_finding() -> None:
    (finding,) = _assess({"steps": [_step("same")]}).findings
    assert finding.rule_id == "pulumi-no-changes"


def test_diagnostic_errors_in_a_preview_document_are_held() -> None:
    doc = {"steps": [_step("create")], "diagnostics": [{"severity": "error", "message": "x"}]}
    assessment = _assess(doc, env="development")
    assert decide(assessment, CONFIG).verdict is Verdict.HOLD

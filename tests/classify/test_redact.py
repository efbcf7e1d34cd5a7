"""Sensitive values never leave a plan: masking, whole-plan redaction, every CLI output."""

from __future__ import annotations

import argparse
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import orjson
import pytest

from interlock.classify import assess
from interlock.classify.redact import (
    REDACTED,
    mask,
    redact_plan,
    redact_plan_bytes,
    sensitive_variables,
)
from interlock.cli import check
from interlock.config import default_config
from interlock.demo.incident import INCIDENT_PASSWORD, incident_plan
from interlock.errors import PlanFormatError
from interlock.models import Action, ActionKind, Target, to_plain

PLANTED = "planted-Secret-7c41e9"


@pytest.mark.parametrize(
    ("value", "marker", "expected"),
    [
        ("pw", True, REDACTED),
        ("pw", False, "pw"),
        ({"a": 1, "b": "pw"}, {"b": True}, {"a": 1, "b": REDACTED}),
        ({"a": {"b": "pw", "c": 2}}, {"a": {"b": True}}, {"a": {"b": REDACTED, "c": 2}}),
        (["x", "pw"], [False, True], ["x", REDACTED]),
        (["x", "pw"], [False], ["x", "pw"]),
        ({"a": "pw"}, "weird", REDACTED),
        ("pw", {"a": True}, REDACTED),
        (None, {"a": True}, None),
    ],
)
def test_mask(value: Any, marker: Any, expected: Any) -> None:
    assert mask(value, marker) == expected


def _marked(value: Any, marker: Any, redacted: Any) -> int:
    """Check, position by position, that every marked value was replaced; count them."""
    if marker is True:
        assert redacted == REDACTED or (value is None and redacted is None)
        return 1
    if isinstance(marker, dict) and isinstance(value, dict):
        return sum(_marked(value.get(k), m, redacted.get(k)) for k, m in marker.items())
    if isinstance(marker, list) and isinstance(value, list):
        return sum(_marked(v, m, r) for v, m, r in zip(value, marker, redacted, strict=False))
    return 0


SENSITIVE_PLANS = [
    "hashicorp__terraform-json__testdata__110_sensitive_values__plan.json",
    "opentofu__opentofu__internal__command__testdata__show-json-sensitive__output.json",
    "opentofu__opentofu__internal__command__testdata__show-json__sensitive-values__output.json",
    "ovsds__tf-plan-format__tests__data__plans__sensitive__terraform.tfplan.json",
]


@pytest.mark.parametrize("name", SENSITIVE_PLANS)
def test_redact_plan_replaces_every_marked_value(corpus: Path, name: str) -> None:
    plan = json.loads((corpus / "tfplan" / name).read_text())
    redacted = redact_plan(plan)
    pairs = list(zip(plan.get("resource_changes", []), redacted["resource_changes"], strict=True))
    pairs += [
        (plan["output_changes"][k], redacted["output_changes"][k])
        for k in plan.get("output_changes", {})
    ]
    marked = 0
    for original, masked in pairs:
        change = original.get("change", original)
        out = masked.get("change", masked)
        for side in ("before", "after"):
            marked += _marked(change.get(side), change.get(f"{side}_sensitive"), out.get(side))
    assert marked, "the fixture should hold sensitive values"


def _planted_plan() -> dict[str, Any]:
    plan = incident_plan()
    db = next(rc for rc in plan["resource_changes"] if rc["type"] == "aws_db_instance")
    db["change"]["after"] = {**db["change"]["after"], "tags": {"Owner": PLANTED}}
    db["change"]["after"]["deletion_protection"] = PLANTED
    db["change"]["after_sensitive"] = {
        "password": True,
        "tags": {"Owner": True},
        "deletion_protection": True,
    }
    plan["variables"] = {"environment": {"value": PLANTED}, "db_password": {"value": PLANTED}}
    plan["configuration"]["root_module"]["variables"] = {
        "environment": {"sensitive": True},
        "db_password": {"sensitive": True},
    }
    plan["output_changes"] = {
        "dsn": {"actions": ["update"], "after": PLANTED, "after_sensitive": True}
    }
    return plan


def test_redact_plan_covers_variables_and_outputs() -> None:
    plan = _planted_plan()
    assert sensitive_variables(plan) == {"environment", "db_password"}
    text = orjson.dumps(redact_plan(plan)).decode()
    assert PLANTED not in text
    assert INCIDENT_PASSWORD in orjson.dumps(plan).decode()  # the plan really had it


def test_redact_plan_bytes_for_stored_copies() -> None:
    stored = redact_plan_bytes(orjson.dumps(_planted_plan()))
    assert PLANTED.encode() not in stored
    assert INCIDENT_PASSWORD.encode() not in stored
    assert b"aws_db_instance.ledger" in stored
    with pytest.raises(PlanFormatError):
        redact_plan_bytes(b"[1]")
    with pytest.raises(PlanFormatError):
        redact_plan_bytes(b"{")


def test_assessment_carries_no_sensitive_value() -> None:
    data = orjson.dumps(_planted_plan())
    assessment = assess(Action(ActionKind.TERRAFORM_PLAN, data, Target()), default_config())
    plain = json.dumps(to_plain(assessment.findings)) + json.dumps(to_plain(assessment.facts))
    plain += json.dumps(to_plain(assessment.blast_radius)) + str(assessment.environments)
    for secret in (PLANTED, INCIDENT_PASSWORD):
        assert secret not in plain


def _run_check(argv: list[str]) -> str:
    parser = argparse.ArgumentParser()
    check.register(parser.add_subparsers())
    args = parser.parse_args(["check", *argv])
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        args.run(args)
    return out.getvalue() + err.getvalue()


def test_no_cli_output_contains_a_sensitive_value(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_bytes(orjson.dumps(_planted_plan()))
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"plan": str(plan_file), "env": "production"}) + "\n")
    outputs = [
        _run_check(["--plan", str(plan_file)]),
        _run_check(["--plan", str(plan_file), "--json"]),
        _run_check(["--plan", str(plan_file), "--env", "staging", "--json"]),
        _run_check(["--batch", str(batch)]),
    ]
    assert all("aws_db_instance.ledger" in o for o in outputs)
    for output in outputs:
        assert PLANTED not in output
        assert INCIDENT_PASSWORD not in output

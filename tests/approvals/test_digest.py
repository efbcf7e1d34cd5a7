"""The digest binds exactly what will run: every input changes it, nothing else does."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.approvals.digest import (
    Subject,
    canonical_json,
    compute,
    digest_document,
    document,
    plan_fingerprint,
    same,
)
from interlock.models import ActionKind, Target

WHEN = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PLAN = json.dumps(
    {"format_version": "1.2", "resource_changes": [{"address": "aws_db_instance.main"}]}
)

BASE = Subject(
    kind=ActionKind.SHELL,
    payload="terraform apply prod.tfplan",
    target=Target(cwd="/srv/infra", environment="production"),
    environments=("production",),
    credential_scope="arn:aws:iam::123456789012:role/deploy",
    requester_human="alice",
    requester_agent="kiro",
    expires_at=WHEN,
)


@pytest.mark.parametrize(
    "change",
    [
        {"payload": "terraform apply prod.tfplan "},
        {"payload": "terraform  apply prod.tfplan"},
        {"kind": ActionKind.SQL},
        {"target": Target(cwd="/srv/other", environment="production")},
        {"target": Target(cwd="/srv/infra", environment="staging")},
        {"target": Target(cwd="/srv/infra", environment="production", aws_profile="prod")},
        {"environments": ("production", "staging")},
        {"credential_scope": "arn:aws:iam::123456789012:role/admin"},
        {"credential_scope": None},
        {"requester_human": "bob"},
        {"requester_agent": None},
        {"requester_agent": "claude"},
        {"expires_at": WHEN + timedelta(microseconds=1)},
    ],
    ids=lambda c: next(iter(c)),
)
def test_every_bound_field_changes_the_digest(change: dict[str, Any]) -> None:
    assert compute(dataclasses.replace(BASE, **change)) != compute(BASE)


def test_digest_is_deterministic_and_timezone_independent() -> None:
    east = WHEN.astimezone(timezone(timedelta(hours=8)))
    assert compute(BASE) == compute(dataclasses.replace(BASE, expires_at=east))
    assert compute(BASE) == digest_document(json.loads(json.dumps(document(BASE))))
    env_order = dataclasses.replace(BASE, environments=("production", "production"))
    assert compute(env_order) == compute(BASE)


def test_naive_expiry_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        compute(dataclasses.replace(BASE, expires_at=WHEN.replace(tzinfo=None)))


def test_one_byte_of_a_plan_is_a_new_digest() -> None:
    plan = dataclasses.replace(BASE, kind=ActionKind.TERRAFORM_PLAN, payload=PLAN.encode())
    changed = PLAN.replace("main", "maim").encode()
    assert len(changed) == len(PLAN.encode())
    assert compute(dataclasses.replace(plan, payload=changed)) != compute(plan)


def test_plan_fingerprint_keeps_bytes_and_parsed_form() -> None:
    compact = plan_fingerprint(PLAN.encode())
    pretty = plan_fingerprint(json.dumps(json.loads(PLAN), indent=2).encode())
    assert compact["sha256"] == hashlib.sha256(PLAN.encode()).hexdigest()
    assert compact["sha256"] != pretty["sha256"]
    assert compact["json_sha256"] == pretty["json_sha256"] is not None


def test_non_json_plan_has_no_parsed_hash() -> None:
    assert plan_fingerprint(b"\x00binary plan")["json_sha256"] is None


def test_huge_integers_in_plans_still_hash() -> None:
    assert plan_fingerprint(b'{"n": 123456789012345678901234567890}')["json_sha256"]


def test_document_names_requester_and_agent() -> None:
    doc = document(BASE)
    assert doc["requester"] == {"human": "alice", "agent": "kiro"}
    assert doc["expires_at"] == "2026-11-22T12:00:00.000000Z"
    assert doc["payload"] == {"command": "terraform apply prod.tfplan"}


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'.encode()
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json({"x": float("nan")})


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("ab" * 32, "ab" * 32, True),
        ("AB" * 32, "ab" * 32, True),
        ("ab" * 32, "ab" * 31 + "ac", False),
        ("ab" * 32, "ab" * 31, False),
        ("", "", False),
    ],
)
def test_same_compares_whole_digests(a: str, b: str, equal: bool) -> None:
    assert same(a, b) is equal


@settings(max_examples=200)
@given(st.text(min_size=1), st.text(min_size=1))
def test_distinct_commands_never_share_a_digest(a: str, b: str) -> None:
    left = compute(dataclasses.replace(BASE, payload=a))
    right = compute(dataclasses.replace(BASE, payload=b))
    assert (left == right) is (a == b)

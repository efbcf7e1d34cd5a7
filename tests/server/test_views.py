"""What the request page shows, computed from a request's stored detail (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from interlock.approvals import Status
from interlock.approvals.quorum import Requirement
from interlock.models import Principal, PrincipalKind
from interlock.server.views import (
    danger_targets,
    eligibility,
    findings_of,
    plan_groups,
    viewer_of,
    what_it_does,
)


def finding(rule_id: str, category: str, target: str, **extra: Any) -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "category": category,
        "target": target,
        "evidence": extra.pop("evidence", ""),
        "explanation": extra.pop("explanation", f"{rule_id} on {target}"),
        "risk": extra.pop("risk", "high"),
        "stateful": extra.pop("stateful", False),
        **extra,
    }


DB = finding(
    "tf-replace-stateful",
    "replace",
    "aws_db_instance.ledger",
    evidence="resource_changes[9]: aws_db_instance.ledger actions=['delete', 'create']",
    explanation="REPLACE aws_db_instance.ledger (stateful: data loss) because `identifier`, "
    "`engine` cannot be updated in place; destroyed, then re-created",
    risk="critical",
    stateful=True,
)
LB = finding(
    "tf-replace",
    "replace",
    "aws_lb.public",
    evidence="resource_changes[24]: aws_lb.public actions=['create', 'delete']",
    explanation="REPLACE aws_lb.public because `name` cannot be updated in place",
)
PROTECTION = finding(
    "tf-deletion-protection-off",
    "write",
    "aws_db_instance.ledger",
    explanation="aws_db_instance.ledger: deletion_protection True -> False turns it off",
    stateful=True,
)
UPDATES = finding(
    "tf-update", "write", "2 resources", evidence="aws_iam_role.exec, aws_lambda_function.report"
)
READ = finding("tf-read", "read", "data.x", risk="none")
MISMATCH = finding("intent-scope-mismatch", "replace", "aws_db_instance.ledger", risk="critical")


def test_findings_put_destructive_stateful_first() -> None:
    shown = findings_of([READ, UPDATES, LB, PROTECTION, DB])
    assert [f.rule_id for f in shown] == [
        "tf-replace-stateful",
        "tf-deletion-protection-off",
        "tf-replace",
        "tf-update",
        "tf-read",
    ]
    assert shown[0].highlight == "destructive stateful"
    assert shown[1].highlight == "stateful"


@pytest.mark.parametrize(
    ("raw", "destructive"),
    [
        (finding("x", "delete", "t"), True),
        (finding("x", "opaque", "t"), True),
        (finding("x", "write", "t"), False),
        (finding("x", "something-new", "t"), True),
    ],
)
def test_unknown_categories_count_as_destructive(raw: dict[str, Any], destructive: bool) -> None:
    assert findings_of([raw])[0].destructive is destructive


def test_unknown_risk_sorts_as_the_worst() -> None:
    shown = findings_of([finding("a", "delete", "t1"), finding("b", "delete", "t2", risk="?!")])
    assert shown[0].rule_id == "b"


def test_plan_groups_by_action_with_reasons_and_order() -> None:
    groups = {g.action: g for g in plan_groups(findings_of([READ, UPDATES, LB, PROTECTION, DB]))}
    assert list(groups) == ["replace", "write", "read"]
    db, lb = groups["replace"].items
    assert (db.address, db.stateful) == ("aws_db_instance.ledger", True)
    assert db.reason == "identifier, engine cannot be updated in place"
    assert db.order == "destroyed first, then re-created"
    assert db.notes == ("deletion_protection True -> False turns it off",)
    assert lb.order == "new one created first, then the old one destroyed"
    updates = [i.address for i in groups["write"].items]
    assert updates == ["aws_iam_role.exec", "aws_lambda_function.report"]
    assert groups["replace"].destructive
    assert not groups["write"].destructive


def test_danger_merges_per_target_and_leaves_intent_out() -> None:
    danger = danger_targets(findings_of([LB, PROTECTION, DB, MISMATCH, READ]))
    assert [d.target for d in danger] == ["aws_db_instance.ledger", "aws_lb.public"]
    db = danger[0]
    assert db.categories == ("replace", "write")
    assert db.lines[1] == "deletion_protection True -> False turns it off"
    assert "`" not in db.lines[0]


@pytest.mark.parametrize(
    ("counts", "stateful", "sentence"),
    [
        ({"replace": 17, "update": 8, "no-op": 15}, ["db"], "Replaces 17 resources, updates 8"),
        ({"delete": 1}, [], "Deletes 1 resource."),
        ({"no-op": 3}, [], "Nothing interlock recognises as a change."),
    ],
)
def test_what_it_does(counts: dict[str, int], stateful: list[str], sentence: str) -> None:
    text = what_it_does((), {"counts": counts, "stateful": stateful})
    assert text.startswith(sentence)
    assert ("db (its data is lost)" in text) is bool(stateful)


ALICE = Principal("alice", PrincipalKind.HUMAN, ("dev",))
BOB = Principal("bob", PrincipalKind.HUMAN, ("sre",))
DAVE = Principal("dave", PrincipalKind.HUMAN, ("dev",))
KIRO = Principal("kiro", PrincipalKind.AGENT, acts_for="alice")
NEED = Requirement(2, ("sre",), "alice")


@pytest.mark.parametrize(
    ("who", "voted", "status", "can", "why"),
    [
        (BOB, [], Status.PENDING, True, None),
        (ALICE, [], Status.PENDING, False, "alice is the requester"),
        (DAVE, [], Status.PENDING, False, "not in any approver group"),
        (KIRO, [], Status.PENDING, False, "only humans approve"),
        (BOB, ["bob"], Status.PENDING, False, "voted on this request already"),
        (BOB, [], Status.APPROVED, False, "votes are closed"),
    ],
)
def test_viewer(
    who: Principal, voted: list[str], status: Status, can: bool, why: str | None
) -> None:
    viewer = viewer_of(who, NEED, voted, status)
    assert viewer.can_vote is can
    if why is None:
        assert viewer.why_not is None
    else:
        assert viewer.why_not is not None
        assert why in viewer.why_not


def test_eligibility_names_everyone_with_a_reason() -> None:
    rows = {e.name: e for e in eligibility([DAVE, BOB, ALICE], NEED, [])}
    assert list(rows) == ["alice", "bob", "dave"]
    assert rows["bob"].may
    assert rows["bob"].why == "member of sre"
    assert not rows["alice"].may
    assert "requester" in rows["alice"].why
    assert not rows["dave"].may

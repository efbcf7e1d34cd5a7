"""Delete-then-create across a session's commands, replayed through ``submit``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from interlock.models import Category, Scope, Verdict
from interlock.policy import decide
from interlock.watch.sequence import RULE_ID
from tests.watch.conftest import Session, rules, verdict

DELETE_LEDGER = "aws rds delete-db-instance --db-instance-identifier ledger --profile prod"
CREATE_LEDGER = (
    "aws rds create-db-instance --db-instance-identifier ledger --db-instance-class "
    "db.t3.micro --engine postgres --profile prod"
)


def test_the_two_step_database_replacement_is_held_at_the_second_step(kiro: Session) -> None:
    first = kiro.run(DELETE_LEDGER)
    assert RULE_ID not in rules(first)
    second = kiro.run(CREATE_LEDGER)
    assert verdict(second) is Verdict.HOLD
    assert second.decision.required_approvals >= 2
    (finding,) = [f for f in second.assessment.findings if f.rule_id == RULE_ID]
    assert (finding.category, finding.scope) == (Category.REPLACE, Scope.REMOTE)
    assert finding.environment == "production"
    assert finding.target == "aws:rds:db-instance:ledger"
    assert first.record.id in finding.explanation
    assert DELETE_LEDGER in finding.explanation
    assert "2026-11-22T09:00:05Z" in finding.explanation
    assert "floor-two-person" in rules(second)
    stored = [f["rule_id"] for f in second.record.detail["findings"]]
    assert RULE_ID in stored
    flagged = kiro.world.audit_bodies("watch-flagged")
    assert any(f["rule"] == RULE_ID for body in flagged for f in body["findings"])


@pytest.mark.parametrize(
    ("delete", "create"),
    [
        (
            "kubectl delete ns payments --context staging",
            "kubectl create namespace payments --context staging",
        ),
        (
            "kubectl -n web delete deployment/api --context staging",
            "kubectl create deployment api -n web --image=nginx --context staging",
        ),
        (
            "helm uninstall web -n shop --kube-context staging",
            "helm install web ./chart -n shop --kube-context staging",
        ),
        (
            "aws s3 rb s3://assets-staging --force --profile staging",
            "aws s3 mb s3://assets-staging --profile staging",
        ),
        (
            "aws rds delete-db-instance --db-instance-identifier "
            "arn:aws:rds:eu-west-1:123456789012:db:ledger --profile staging",
            "aws rds create-db-instance --db-instance-identifier ledger --engine postgres "
            "--profile staging",
        ),
    ],
)
def test_each_step_alone_passes_but_the_pair_is_held(
    kiro: Session, delete: str, create: str
) -> None:
    kiro.run(delete)
    alone = kiro.run(create)
    plain = decide(
        alone.assessment.__class__(
            alone.assessment.action,
            tuple(f for f in alone.assessment.findings if f.rule_id != RULE_ID),
            alone.assessment.environments,
        ),
        kiro.world.config,
    )
    assert plain.verdict in (Verdict.ALLOW, Verdict.ASK)
    assert RULE_ID in rules(alone)
    assert verdict(alone) is Verdict.HOLD


@pytest.mark.parametrize(
    ("delete", "create"),
    [
        (
            "terraform state rm aws_db_instance.ledger",
            "terraform import aws_db_instance.ledger ledger",
        ),
        (
            "terraform destroy -target=aws_db_instance.ledger",
            "terraform apply -target=aws_db_instance.ledger",
        ),
        ("terraform destroy", "terraform apply -auto-approve"),
        (
            "psql -h db.staging -c 'DROP TABLE invoices'",
            "psql -h db.staging -c 'CREATE TABLE invoices (id int)'",
        ),
    ],
)
def test_terraform_and_sql_sequences_are_flagged(kiro: Session, delete: str, create: str) -> None:
    kiro.run(delete, cwd="/srv/infra")
    second = kiro.run(create, cwd="/srv/infra")
    assert RULE_ID in rules(second)
    assert verdict(second) is Verdict.HOLD


@pytest.mark.parametrize(
    "create",
    [
        "aws rds create-db-instance --db-instance-identifier reports --profile prod",
        "aws rds create-db-instance --db-instance-identifier ledger --profile staging",
        "aws dynamodb create-table --table-name ledger --profile prod",
    ],
)
def test_other_targets_are_not_a_replacement(kiro: Session, create: str) -> None:
    kiro.run(DELETE_LEDGER)
    assert RULE_ID not in rules(kiro.run(create))


def test_a_create_after_the_window_is_not_a_replacement(kiro: Session) -> None:
    kiro.run(DELETE_LEDGER)
    window = kiro.world.config.watch.sequence_window
    kiro.world.clock.advance(timedelta(seconds=window + 1))
    assert RULE_ID not in rules(kiro.run(CREATE_LEDGER))


def test_another_session_does_not_complete_the_sequence(kiro: Session) -> None:
    kiro.run(DELETE_LEDGER)
    other = Session(kiro.world, kiro.token, "s-2")
    assert RULE_ID not in rules(other.run(CREATE_LEDGER))


def test_a_missing_session_id_is_still_watched(kiro: Session) -> None:
    bare = Session(kiro.world, kiro.token, "")
    bare.run(DELETE_LEDGER)
    assert RULE_ID in rules(bare.run(CREATE_LEDGER))

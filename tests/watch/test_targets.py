"""Target identity across CLIs: the same resource gets the same key however named."""

from __future__ import annotations

import pytest

from interlock.classify import assess
from interlock.config import default_config
from interlock.models import Action, ActionKind, Target
from interlock.watch.targets import TargetRef, resource_name, targets_of

CONFIG = default_config()


def _refs(command: str, cwd: str | None = None) -> list[tuple[str, str, str | None]]:
    action = Action(ActionKind.SHELL, command, Target(cwd=cwd))
    assessment = assess(action, CONFIG)
    refs: list[TargetRef] = [t for f in assessment.findings for t in targets_of(f, action)]
    return [(t.key, t.op.value, t.environment) for t in refs]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            "aws rds delete-db-instance --db-instance-identifier ledger --profile prod",
            [("aws:rds:db-instance:ledger", "delete", "production")],
        ),
        (
            "aws --profile prod rds delete-db-instance --db-instance-identifier "
            "arn:aws:rds:us-east-1:123456789012:db:ledger",
            [("aws:rds:db-instance:ledger", "delete", "production")],
        ),
        (
            "aws rds create-db-instance --db-instance-identifier Ledger --engine postgres "
            "--profile prod",
            [("aws:rds:db-instance:ledger", "create", "production")],
        ),
        ("aws s3 rb s3://assets --force", [("aws:s3:bucket:assets", "delete", None)]),
        ("aws s3api create-bucket --bucket assets", [("aws:s3:bucket:assets", "create", None)]),
        (
            "kubectl delete ns payments --context prod",
            [("k8s:namespace:payments", "delete", "production")],
        ),
        (
            "kubectl create namespace payments --context prod",
            [("k8s:namespace:payments", "create", "production")],
        ),
        ("kubectl -n web delete deployments/api", [("k8s:deployment/web:api", "delete", None)]),
        ("kubectl delete deploy api -n web", [("k8s:deployment/web:api", "delete", None)]),
        ("kubectl delete -f app.yaml", [("k8s:file:app.yaml", "delete", None)]),
        ("kubectl apply -f app.yaml", [("k8s:file:app.yaml", "create", None)]),
        (
            "terraform -chdir=infra destroy -target=aws_db_instance.ledger",
            [("tf:infra:aws_db_instance.ledger", "delete", None)],
        ),
        ("terraform destroy", [("tf:/srv/x:*", "delete", None)]),
        (
            "tofu state rm module.db.aws_db_instance.main",
            [("tf:/srv/x:module.db.aws_db_instance.main", "delete", None)],
        ),
        ("helm uninstall web -n shop", [("helm:shop:web", "delete", None)]),
        ("helm upgrade --install web ./chart -n shop", [("helm:shop:web", "create", None)]),
        ("gcloud sql instances delete ledger", [("gcloud:sql/instances:ledger", "delete", None)]),
        ("git status", []),
        ("aws rds describe-db-instances --profile prod", []),
    ],
)
def test_normalised_targets(command: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert _refs(command, cwd="/srv/x") == expected


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("arn:aws:rds:us-east-1:123456789012:db:ledger", "ledger"),
        ("arn:aws:s3:::assets", "assets"),
        ("arn:aws:dynamodb:eu-west-1:123456789012:table/Orders", "Orders"),
        ("arn:aws:lambda:eu-west-1:123456789012:function:resize", "resize"),
        ("https://sqs.eu-west-1.amazonaws.com/123456789012/jobs", "jobs"),
        ("s3://assets/prefix/key", "assets"),
        ("ledger", "ledger"),
    ],
)
def test_resource_names(value: str, name: str) -> None:
    assert resource_name(value) == name


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("tf:.", "*", "production"), ("tf:.", "aws_db_instance.x", "production"), True),
        (("tf:.", "a.x", None), ("tf:.", "a.x", "production"), True),
        (("tf:.", "a.x", "staging"), ("tf:.", "a.x", "production"), False),
        (("tf:a", "a.x", None), ("tf:b", "a.x", None), False),
    ],
)
def test_same_resource(
    a: tuple[str, str, str | None], b: tuple[str, str, str | None], same: bool
) -> None:
    from interlock.watch.targets import Op

    left = TargetRef(a[0], a[1], Op.DELETE, a[2])
    right = TargetRef(b[0], b[1], Op.CREATE, b[2])
    assert left.same_resource(right) is same


@pytest.mark.parametrize(
    ("command", "key"),
    [
        ("kubectl delete --force --now pod api-0 -n web", "k8s:pod/web:api-0"),
        ("helm install --atomic --create-namespace web ./chart -n shop", "helm:shop:web"),
        (
            "aws rds delete-db-instance --skip-final-snapshot --db-instance-identifier x",
            "aws:rds:db-instance:x",
        ),
    ],
)
def test_switches_do_not_swallow_names(command: str, key: str) -> None:
    assert [k for k, _, _ in _refs(command)] == [key]

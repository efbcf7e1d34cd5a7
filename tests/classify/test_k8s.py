"""Kubernetes: ``kubectl diff`` output and manifests."""

from __future__ import annotations

import pytest

from interlock.classify import assess
from interlock.classify.k8s import parse_object_path
from interlock.config import default_config
from interlock.errors import PlanFormatError
from interlock.models import Action, ActionKind, Assessment, Category, Risk, Target, Verdict
from interlock.policy import decide

CONFIG = default_config()


def _assess(text: str, env: str | None = None, context: str | None = None) -> Assessment:
    target = Target(environment=env, kube_context=context)
    return assess(Action(ActionKind.TERRAFORM_PLAN, text.encode(), target), CONFIG)


def _diff(name: str, hunk: str, body: str) -> str:
    return (
        f"diff -u -N /tmp/LIVE-1/{name} /tmp/MERGED-2/{name}\n"
        f"--- /tmp/LIVE-1/{name}\t2026-01-01 00:00:00\n"
        f"+++ /tmp/MERGED-2/{name}\t2026-01-01 00:00:00\n"
        f"{hunk}\n{body}"
    )


DIFF = "".join(
    [
        _diff(
            "v1.Namespace..payments", "@@ -1,3 +0,0 @@", "-apiVersion: v1\n-kind: Namespace\n-x\n"
        ),
        _diff("v1.PersistentVolumeClaim.payments.ledger-data", "@@ -1,2 +0,0 @@", "-a\n-b\n"),
        _diff(
            "apiextensions.k8s.io.v1.CustomResourceDefinition..certs.cert-manager.io",
            "@@ -1 +0,0 @@",
            "-a\n",
        ),
        _diff("v1.ConfigMap.payments.old", "@@ -1,2 +0,0 @@", "-a\n-b\n"),
        _diff(
            "apps.v1.Deployment.payments.web", "@@ -5,7 +5,7 @@", " a\n-replicas: 2\n+replicas: 3\n"
        ),
        _diff("v1.Service.payments.web", "@@ -0,0 +1,4 @@", "+a\n+b\n+c\n+d\n"),
    ]
)


def test_kubectl_diff_deletions_creations_and_updates() -> None:
    assessment = _assess(DIFF, context="prod-eu")
    by_target = {f.target: f for f in assessment.findings}
    assert by_target["Namespace/payments"].rule_id == "k8s-delete-namespace"
    assert by_target["payments/PersistentVolumeClaim/ledger-data"].rule_id == "k8s-delete-pvc"
    crd = by_target["CustomResourceDefinition/certs.cert-manager.io"]
    assert (crd.rule_id, crd.risk, crd.stateful) == ("k8s-delete-crd", Risk.CRITICAL, True)
    assert by_target["payments/ConfigMap/old"].rule_id == "k8s-delete"
    assert by_target["payments/Deployment/web"].rule_id == "k8s-update"
    assert by_target["payments/Service/web"].rule_id == "k8s-create"
    assert assessment.environments == ("production",)
    decision = decide(assessment, CONFIG)
    assert (decision.verdict, decision.required_approvals) == (Verdict.HOLD, 2)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("apps.v1.Deployment.default.web", ("Deployment", "default", "web")),
        ("v1.Namespace..payments", ("Namespace", "", "payments")),
        ("v1.ConfigMap.ns.name.with.dots", ("ConfigMap", "ns", "name.with.dots")),
        ("networking.k8s.io.v1beta1.Ingress.a.b", ("Ingress", "a", "b")),
        ("garbage", ("", "", "garbage")),
    ],
)
def test_parse_object_path(base: str, expected: tuple[str, str, str]) -> None:
    assert parse_object_path(base) == expected


def test_unreadable_diff_is_held() -> None:
    assessment = _assess("diff -u -N /tmp/a /tmp/b\n--- x\n+++ y\n", env="development")
    assert {f.category for f in assessment.findings} == {Category.OPAQUE}
    assert decide(assessment, CONFIG).verdict is Verdict.HOLD


MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels: {environment: staging}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: payments}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: a
          securityContext: {privileged: true}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: everyone-admin
  labels: {applyset.kubernetes.io/part-of: applyset-abc-v1}
roleRef: {kind: ClusterRole, name: cluster-admin}
"""


def test_manifests_report_privilege_and_prune() -> None:
    assessment = _assess(MANIFESTS)
    rules = {f.rule_id: f for f in assessment.findings}
    assert rules["k8s-privileged-pod"].category is Category.PRIVILEGE
    assert rules["k8s-host-access"].target == "payments/DaemonSet/agent"
    assert rules["k8s-rbac-cluster-admin"].target == "ClusterRoleBinding/everyone-admin"
    assert rules["k8s-prune"].category is Category.DELETE
    applied = {f.environment for f in assessment.findings if f.rule_id == "k8s-apply"}
    assert applied == {"staging", None}  # the labelled namespace; the rest is unknown
    assert decide(assessment, CONFIG).verdict is Verdict.HOLD


def test_plain_manifest_in_development_is_allowed() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: dev}\n"
    assessment = _assess(text)
    assert [f.rule_id for f in assessment.findings] == ["k8s-apply"]
    assert decide(assessment, CONFIG).verdict is Verdict.ALLOW


def test_json_list_and_malformed_documents() -> None:
    text = '{"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod"}, 3]}'
    rules = [f.rule_id for f in _assess(text).findings]
    assert rules.count("k8s-malformed") == 2


def test_alias_bombs_are_bounded() -> None:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}", "a0: &a0 [x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    rules = {f.rule_id for f in _assess("\n".join(lines) + "\n").findings}
    assert "k8s-too-complex" in rules


def test_invalid_yaml_is_refused() -> None:
    with pytest.raises(PlanFormatError, match="not valid YAML"):
        _assess("apiVersion: v1\nkind: [unclosed\n")

"""helm lines: releases read, installed, upgraded, forced and uninstalled."""

from __future__ import annotations

import shlex

import pytest

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands import helm
from interlock.config import default_config
from interlock.models import Category, Finding, Scope

CTX = CommandContext(default_config())


def findings(line: str) -> list[Finding]:
    cmd = SimpleCommand(argv=tuple(shlex.split(line)), text=line)
    return list(helm.handle_helm(cmd, CTX))


@pytest.mark.parametrize(
    ("line", "rule_id", "category"),
    [
        ("helm list -A", "helm-read", Category.READ),
        ("helm -n production list", "helm-read", Category.READ),
        ("helm --kube-context prod status web", "helm-read", Category.READ),
        ("helm get values web --all", "helm-read", Category.READ),
        ("helm template web ./chart -f values.yaml", "helm-read", Category.READ),
        ("helm install --help", "helm-read", Category.READ),
        ("helm install web ./chart --dry-run", "helm-read", Category.READ),
        ("helm upgrade web ./chart --dry-run=server", "helm-read", Category.READ),
        ("helm uninstall web --dry-run", "helm-read", Category.READ),
        ("helm repo list", "helm-read", Category.READ),
        ("helm plugin list", "helm-read", Category.READ),
        ("helm install web ./chart --dry-run=none", "helm-install", Category.CREATE),
        (
            "helm install web bitnami/nginx -n web --create-namespace",
            "helm-install",
            Category.CREATE,
        ),
        ("helm upgrade --install web ./chart", "helm-upgrade", Category.WRITE),
        ("helm rollback web 3", "helm-upgrade", Category.WRITE),
        ("helm upgrade web ./chart --force", "helm-upgrade-force", Category.REPLACE),
        ("helm rollback web 2 --force", "helm-upgrade-force", Category.REPLACE),
        ("helm uninstall web", "helm-uninstall", Category.DELETE),
        ("helm delete web -n web", "helm-uninstall", Category.DELETE),
        ("helm del web", "helm-uninstall", Category.DELETE),
        ("helm un web --keep-history", "helm-uninstall", Category.DELETE),
        ("helm test web --logs", "helm-test", Category.WRITE),
        ("helm push c-1.0.0.tgz oci://r/c", "helm-push", Category.WRITE),
        ("helm create mychart", "helm-local", Category.WRITE),
        ("helm dep update ./chart", "helm-local", Category.WRITE),
        ("helm pull bitnami/nginx --untar", "helm-local", Category.WRITE),
        ("helm repo index ./charts", "helm-local", Category.WRITE),
        ("helm repo add x https://x", "helm-host", Category.WRITE),
        ("helm repo update", "helm-host", Category.WRITE),
        ("helm plugin install ./p", "helm-host", Category.WRITE),
        ("helm registry login r.example.com -u me", "helm-host", Category.WRITE),
        ("helm frobnicate", "helm-unknown", Category.WRITE),
    ],
)
def test_verb_table(line: str, rule_id: str, category: Category) -> None:
    (found,) = findings(line)
    assert (found.rule_id, found.category) == (rule_id, category)


@pytest.mark.parametrize(
    ("line", "scope"),
    [
        ("helm uninstall web", Scope.REMOTE),
        ("helm package ./chart", Scope.WORKSPACE),
        ("helm repo add x https://x", Scope.HOST),
    ],
)
def test_scope(line: str, scope: Scope) -> None:
    assert findings(line)[0].scope is scope


@pytest.mark.parametrize(
    ("line", "environment"),
    [
        ("helm uninstall web --kube-context prod", "production"),
        ("helm --kube-context=stg upgrade web ./c", "staging"),
        ("helm uninstall web -n production", None),
        ("helm uninstall web --kubeconfig /k/prod.yaml", "production"),
        ("helm uninstall web", None),
    ],
)
def test_environment_is_the_kube_context(line: str, environment: str | None) -> None:
    assert findings(line)[0].environment == environment


def test_target_names_release_and_namespace() -> None:
    (found,) = findings("helm uninstall ledger -n payments")
    assert found.target == "helm release ledger in namespace payments"
    assert "ledger" in found.explanation

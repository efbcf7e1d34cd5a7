"""Argo CD and Flux: the controller changes the cluster, so their CLIs are judged."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import rule_ids, verdict


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("argocd app list", Verdict.ALLOW, "gitops-read"),
        ("argocd app diff web", Verdict.ALLOW, "gitops-read"),
        ("argocd app sync web", Verdict.ASK, "gitops-write"),
        ("argocd app rollback web 3", Verdict.ASK, "gitops-write"),
        ("argocd app sync prod-app --prune --force", Verdict.HOLD, "gitops-delete"),
        ("argocd app set prod-app --sync-policy automated --auto-prune", Verdict.HOLD,
         "gitops-delete"),
        ("argocd app sync web --sync-option Prune=true", Verdict.HOLD, "gitops-delete"),
        ("argocd app delete prod-app --yes", Verdict.HOLD, "gitops-delete"),
        ("argocd proj delete prod", Verdict.HOLD, "gitops-delete"),
        ("argocd repo rm https://github.com/o/r", Verdict.HOLD, "gitops-delete"),
        ("argocd account generate-token", Verdict.HOLD, "gitops-privilege"),
        ("argocd cluster add prod", Verdict.HOLD, "gitops-privilege"),
        ("flux get kustomizations -A", Verdict.ALLOW, "gitops-read"),
        ("flux logs", Verdict.ALLOW, "gitops-read"),
        ("flux suspend kustomization apps", Verdict.ASK, "gitops-write"),
        ("flux reconcile ks apps --with-source", Verdict.ASK, "gitops-write"),
        ("flux uninstall --silent", Verdict.HOLD, "gitops-delete"),
        ("flux delete source git x", Verdict.HOLD, "gitops-delete"),
    ],
)  # fmt: skip
def test_gitops_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected

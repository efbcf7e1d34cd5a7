"""kubectl and oc lines: verbs, destructive shapes, secrets, and the context."""

from __future__ import annotations

import shlex

import pytest

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands import kubectl
from interlock.config import default_config
from interlock.models import Category, Finding, Risk, Scope

CTX = CommandContext(default_config())


def findings(line: str, ctx: CommandContext = CTX) -> list[Finding]:
    cmd = SimpleCommand(argv=tuple(shlex.split(line)), text=line)
    return list(kubectl.HANDLERS[cmd.program](cmd, ctx))


@pytest.mark.parametrize(
    ("line", "rule_id", "category"),
    [
        ("kubectl get pods -A -o wide", "k8s-read", Category.READ),
        ("kubectl -n delete get pods", "k8s-read", Category.READ),
        ("kubectl --context delete get pods", "k8s-read", Category.READ),
        ("kubectl describe secret db", "k8s-read", Category.READ),
        ("kubectl get secrets", "k8s-read", Category.READ),
        ("kubectl get secret db -o name", "k8s-read", Category.READ),
        ("kubectl get configmap cfg -o yaml", "k8s-read", Category.READ),
        ("kubectl logs -f deploy/api --since=1h", "k8s-read", Category.READ),
        ("kubectl rollout status deploy/api", "k8s-read", Category.READ),
        ("kubectl auth can-i '*' '*'", "k8s-read", Category.READ),
        ("kubectl delete --help", "k8s-read", Category.READ),
        ("kubectl delete pod web --dry-run=client", "k8s-read", Category.READ),
        ("kubectl apply -f app.yaml --dry-run=server", "k8s-read", Category.READ),
        ("kubectl config get-contexts", "k8s-read", Category.READ),
        ("kubectl get secret db -o yaml", "k8s-secret-read", Category.EXPOSURE),
        ("kubectl get secret/db -o jsonpath='{.data.pw}'", "k8s-secret-read", Category.EXPOSURE),
        ("kubectl get secret,configmap --output=json", "k8s-secret-read", Category.EXPOSURE),
        ("kubectl get secret db -o $FORMAT", "k8s-secret-read", Category.EXPOSURE),
        ("kubectl get $RESOURCE -o yaml", "k8s-secret-read", Category.EXPOSURE),
        ("kubectl config view --raw --minify", "k8s-secret-read", Category.EXPOSURE),
        ("kubectl config view $RAW", "k8s-secret-read", Category.EXPOSURE),
        ("kubectl config use-context prod", "k8s-local", Category.WRITE),
        ("kubectl config $(echo set-context) prod", "k8s-unknown", Category.WRITE),
        ("kubectl create deployment web --image=nginx", "k8s-create", Category.CREATE),
        ("kubectl run -it tmp --image=busybox -- sh", "k8s-create", Category.CREATE),
        ("kubectl apply -f app.yaml", "k8s-write", Category.WRITE),
        ("kubectl apply --dry-run=none -f app.yaml", "k8s-write", Category.WRITE),
        ('kubectl patch deploy web -p \'{"spec":{"replicas":3}}\'', "k8s-write", Category.WRITE),
        ("kubectl scale deploy web --replicas=3", "k8s-write", Category.WRITE),
        ("kubectl rollout undo deploy/web", "k8s-write", Category.WRITE),
        ("kubectl cordon node-1", "k8s-write", Category.WRITE),
        ("kubectl delete pod web", "k8s-delete", Category.DELETE),
        ("kubectl delete -f app.yaml", "k8s-delete", Category.DELETE),
        ("kubectl delete pods --all -n web", "k8s-delete", Category.DELETE),
        ("kubectl delete ns payments", "k8s-delete-namespace", Category.DELETE),
        ("kubectl delete namespace/payments", "k8s-delete-namespace", Category.DELETE),
        ("oc delete project payments", "k8s-delete-namespace", Category.DELETE),
        ("kubectl delete pvc data-db-0", "k8s-delete-stateful", Category.DELETE),
        ("kubectl delete pv,pvc --all", "k8s-delete-stateful", Category.DELETE),
        ("kubectl delete statefulset db --cascade=orphan", "k8s-delete-stateful", Category.DELETE),
        ("kubectl delete crd widgets.acme.io", "k8s-delete-stateful", Category.DELETE),
        ("kubectl replace --force -f pod.yaml", "k8s-replace-force", Category.REPLACE),
        ("kubectl apply --force -f pod.yaml", "k8s-replace-force", Category.REPLACE),
        ("kubectl scale deploy web --replicas=0", "k8s-scale-zero", Category.DELETE),
        ("kubectl scale --replicas 0 sts/db", "k8s-scale-zero", Category.DELETE),
        (
            """kubectl patch deploy api -p '{"spec":{"replicas":0}}'""",
            "k8s-scale-zero",
            Category.DELETE,
        ),
        (
            "kubectl patch deploy api --type=json"
            """ -p='[{"op":"replace","path":"/spec/replicas","value":0}]'""",
            "k8s-scale-zero",
            Category.DELETE,
        ),
        ("""kubectl patch deploy api -p '{"spec":{"replicas":3}}'""", "k8s-write", Category.WRITE),
        ("kubectl drain node-1 --force", "k8s-drain", Category.DELETE),
        ("oc adm drain node-1", "k8s-drain", Category.DELETE),
        ("oc adm prune images --confirm", "k8s-delete", Category.DELETE),
        (
            'kubectl patch pvc d -p \'{"metadata":{"finalizers":null}}\'',
            "k8s-finalizer-patch",
            Category.DELETE,
        ),
        (
            'kubectl patch ns x --type=json -p=\'[{"op":"remove","path":"/metadata/finalizers"}]\'',
            "k8s-finalizer-patch",
            Category.DELETE,
        ),
        ("kubectl apply --prune -l app=web -f dir/", "k8s-apply-prune", Category.DELETE),
        ("kubectl certificate approve csr-1", "k8s-privilege", Category.PRIVILEGE),
        (
            "kubectl create rolebinding x --role=admin --user=me",
            "k8s-privilege",
            Category.PRIVILEGE,
        ),
        ("oc policy add-role-to-user admin me", "k8s-privilege", Category.PRIVILEGE),
        ("kubectl create token ci-bot --duration=24h", "k8s-privilege", Category.PRIVILEGE),
        ("kubectl debug node/worker-1 -it --image=ubuntu", "k8s-privilege", Category.PRIVILEGE),
        # a pod with its node's powers, as docker run --privileged has the host's
        (
            "kubectl run pwn --image=alpine --privileged -- rm -rf /host",
            "k8s-privilege",
            Category.PRIVILEGE,
        ),
        (
            """kubectl run t --image=a --overrides='{"spec":{"hostPID": true}}'""",
            "k8s-privilege",
            Category.PRIVILEGE,
        ),
        ("kubectl debug web -it --image=busybox", "k8s-create", Category.CREATE),
        ("kubectl alpha frob", "k8s-unknown", Category.WRITE),
        ("kubectl delete pod web --dry-run", "k8s-read", Category.READ),
        ("kubectl port-forward svc/db 5432:5432", "k8s-expose", Category.EXPOSURE),
        ("kubectl proxy --port=8001", "k8s-expose", Category.EXPOSURE),
        ("kubectl exec web -- ls /", "k8s-exec", Category.READ),
        ("kubectl exec -it web -- bash", "k8s-exec-interactive", Category.WRITE),
        ("kubectl exec web", "k8s-exec-interactive", Category.WRITE),
        ("kubectl attach web -c app", "k8s-exec-interactive", Category.WRITE),
        ("kubectl frobnicate", "k8s-unknown", Category.WRITE),
    ],
)
def test_verb_table(line: str, rule_id: str, category: Category) -> None:
    found = findings(line)[0]
    assert (found.rule_id, found.category) == (rule_id, category)


@pytest.mark.parametrize(
    ("line", "rules"),
    [
        ("kubectl cp web:/var/log/app.log ./app.log", ["k8s-read", "cloud-download-write"]),
        ("kubectl cp web:/x .claude/settings.json", ["k8s-read", "cloud-download-self-tamper"]),
        ("kubectl cp ./fix.sh web:/tmp/fix.sh", ["k8s-write"]),
    ],
)
def test_cp_direction(line: str, rules: list[str]) -> None:
    assert [f.rule_id for f in findings(line)] == rules


def test_data_losing_deletes_are_critical_and_stateful() -> None:
    for line in ("kubectl delete ns prod", "kubectl delete pvc data", "kubectl delete all --all"):
        (found,) = findings(line)
        assert found.risk is Risk.CRITICAL, line
    assert findings("kubectl delete pvc data")[0].stateful
    assert not findings("kubectl delete pod web")[0].stateful


def test_secret_disclosure_is_local_and_kubeconfig_switch_is_workspace() -> None:
    assert findings("kubectl get secret db -o yaml")[0].scope is Scope.HOST
    assert findings("kubectl config use-context prod")[0].scope is Scope.WORKSPACE
    assert findings("kubectl delete pod web")[0].scope is Scope.REMOTE


@pytest.mark.parametrize(
    ("line", "environment"),
    [
        ("kubectl --context prod-eu delete pod web", "production"),
        ("kubectl delete pod web --context=staging", "staging"),
        ("kubectl --context dev get pods", "development"),
        ("kubectl delete pod web", None),
        ("kubectl delete ns prod", None),
        ("kubectl --context minikube delete pod web", None),
        ("kubectl --kubeconfig ~/.kube/prod.yaml delete pod web", "production"),
        ("kubectl --cluster staging-eu delete pod web", "staging"),
    ],
)
def test_environment_is_the_context(line: str, environment: str | None) -> None:
    assert findings(line)[0].environment == environment


def test_kubeconfig_variable_names_the_environment() -> None:
    line = "kubectl delete pod web"
    cmd = SimpleCommand(argv=tuple(line.split()), text=line, assignments={"KUBECONFIG": "/k/prod"})
    assert next(iter(kubectl.handle_kubectl(cmd, CTX))).environment == "production"


def test_explanation_names_object_and_context() -> None:
    (found,) = findings("kubectl --context prod delete ns payments")
    assert "payments" in found.explanation
    assert "prod" in found.explanation
    assert found.target == "kubectl delete ns payments"

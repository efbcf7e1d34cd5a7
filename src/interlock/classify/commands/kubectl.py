"""``kubectl`` and OpenShift ``oc`` command lines.

Verbs follow the kubectl reference: ``get``/``describe``/``logs``/``top``/``diff``
read; ``create``/``apply``/``patch``/``edit``/``label`` write; ``delete`` deletes,
and deleting a namespace, a persistent volume (claim), a stateful set or a custom
resource definition loses data (risk critical); ``replace --force`` deletes and
re-creates; ``scale --replicas=0`` and ``drain`` take workloads down; a patch that
empties ``metadata.finalizers`` lets stuck deletions complete and orphans what the
finalizer protected; ``apply --prune`` deletes whatever the manifests omit.

Reading Secrets with an output format that prints their data (``-o yaml``/``json``/
``jsonpath`` ...) and ``config view --raw`` expose credentials. ``--dry-run=client``
or ``=server`` changes nothing. ``exec`` with a command is unwrapped by the shell
walker, which judges the inner command on its own (``container`` set); an ``exec``
without one opens an interactive shell nobody can review.

The environment is the ``--context`` (or ``--cluster``, or the name of the
``--kubeconfig``/``KUBECONFIG`` file: ``prod.yaml`` reads as ``prod``), matched as a
kube context; without one it is unknown, which the floor treats as protected for
destructive work.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand
from interlock.classify.commands.cloudverbs import (
    Words,
    emit,
    is_help,
    local_copy,
    split_words,
)
from interlock.classify.commands.cloudverbs import variable as var
from interlock.models import Category, Finding, Risk, Scope

R = Rule
RULES: tuple[Rule, ...] = (
    R("k8s-read", Category.READ, "kubectl verb that only reads",
      ("kubectl get pods -A", "kubectl --context prod describe deploy api", "oc status")),
    R("k8s-secret-read", Category.EXPOSURE, "prints Secret data or raw kubeconfig credentials",
      ("kubectl get secret db -o yaml", "kubectl config view --raw")),
    R("k8s-local", Category.WRITE, "changes only client configuration (kubeconfig, project)",
      ("kubectl config use-context prod", "oc project payments")),
    R("k8s-create", Category.CREATE, "creates cluster objects",
      ("kubectl create namespace qa", "kubectl run tmp --image=busybox")),
    R("k8s-write", Category.WRITE, "changes cluster objects in place",
      ("kubectl apply -f deploy.yaml", "kubectl rollout restart deploy/api",
       "kubectl label pod web tier=front", "kubectl cordon node-1")),
    R("k8s-delete", Category.DELETE, "deletes cluster objects",
      ("kubectl delete pod web-1", "kubectl delete -f app.yaml")),
    R("k8s-delete-namespace", Category.DELETE, "deletes a namespace and everything in it",
      ("kubectl delete namespace payments", "oc delete project payments")),
    R("k8s-delete-stateful", Category.DELETE,
      "deletes persistent volumes, claims, stateful sets or CRDs (their data or objects)",
      ("kubectl delete pvc data-db-0", "kubectl delete crd certificates.cert-manager.io")),
    R("k8s-replace-force", Category.REPLACE, "deletes and re-creates objects",
      ("kubectl replace --force -f pod.yaml", "kubectl apply --force -f app.yaml")),
    R("k8s-scale-zero", Category.DELETE, "scales a workload to zero replicas",
      ("kubectl scale deploy api --replicas=0",)),
    R("k8s-drain", Category.DELETE, "evicts every pod from a node",
      ("kubectl drain node-1 --ignore-daemonsets --delete-emptydir-data",)),
    R("k8s-finalizer-patch", Category.DELETE,
      "removes finalizers: stuck deletions complete and protected resources are orphaned",
      ("""kubectl patch ns old -p '{"metadata":{"finalizers":null}}'""",
       """kubectl patch pvc d --type=merge -p '{"metadata":{"finalizers":[]}}'""")),
    R("k8s-apply-prune", Category.DELETE, "apply --prune deletes objects the manifests omit",
      ("kubectl apply --prune -l app=web -f dir/",)),
    R("k8s-privilege", Category.PRIVILEGE, "grants cluster credentials or roles",
      ("kubectl certificate approve csr-1",
       "kubectl create clusterrolebinding x --clusterrole=cluster-admin --user=me",
       "oc adm policy add-cluster-role-to-user cluster-admin me")),
    R("k8s-expose", Category.EXPOSURE, "opens network access to cluster workloads",
      ("kubectl port-forward svc/db 5432", "kubectl expose deploy api --type=LoadBalancer")),
    R("k8s-exec-interactive", Category.WRITE,
      "opens an interactive session in a container; what it runs cannot be reviewed",
      ("kubectl exec -it web -- bash", "kubectl attach web -it")),
    R("k8s-exec", Category.READ,
      "runs a command in a container; the command itself is judged separately",
      ("kubectl exec web -- ls /",)),
    R("k8s-unknown", Category.WRITE, "kubectl verb interlock does not know",
      ("kubectl frobnicate",)),
)  # fmt: skip
_RULE = {r.rule_id: r for r in RULES}

_VALUE = frozenset(
    {"--context", "-n", "--namespace", "--kubeconfig", "--cluster", "--user", "-s", "--server",
     "--token", "--as", "--as-group", "--as-uid", "--request-timeout", "-v", "--v",
     "--certificate-authority", "--client-key", "--client-certificate", "--tls-server-name",
     "--cache-dir", "-o", "--output", "-f", "--filename", "-l", "--selector", "-c",
     "--container", "-p", "--patch", "--type", "--replicas", "--image", "--field-selector",
     "--for", "--timeout", "--sort-by", "-k", "--kustomize", "--since", "--tail", "--port",
     "--target-port", "--revision", "--to-revision", "--grace-period", "--subresource",
     "--patch-file", "--field-manager", "--template", "--resource-version", "--current-replicas",
     "--output-directory", "--cascade", "--clusterrole", "--role", "--serviceaccount",
     "--address", "--api-group", "--prune-allowlist", "--min", "--max",
     "--cpu-percent", "--restart", "--overrides", "--env", "--limits", "--requests"}
)  # fmt: skip
_READ = frozenset(
    {"get", "describe", "logs", "top", "explain", "api-resources", "api-versions", "version",
     "cluster-info", "diff", "wait", "events", "completion", "kustomize", "plugin", "help",
     "options", "whoami", "status", "projects", "can-i"}
)  # fmt: skip
_WRITE = frozenset(
    {"apply", "patch", "edit", "label", "annotate", "set", "rollout", "cordon", "uncordon",
     "taint", "replace", "autoscale", "cp", "start-build", "rollback", "deploy", "tag",
     "import-image", "import", "process", "rsh", "rsync", "debug", "new-build", "cancel-build"}
)  # fmt: skip
_CREATE = frozenset({"create", "run", "new-app", "new-project", "new-build", "debug"})
_NAMESPACES = frozenset({"namespace", "namespaces", "ns", "project", "projects"})
_STATEFUL = frozenset(
    {"pvc", "pv", "persistentvolumeclaim", "persistentvolumeclaims", "persistentvolume",
     "persistentvolumes", "statefulset", "statefulsets", "sts", "crd", "crds",
     "customresourcedefinition", "customresourcedefinitions", "volumesnapshot",
     "volumesnapshots", "storageclass", "storageclasses", "sc"}
)  # fmt: skip
_CONFIG_WRITES = frozenset(
    {"use-context", "use", "set-context", "set-cluster", "set-credentials", "set", "unset",
     "delete-context", "delete-cluster", "delete-user", "rename-context"}
)  # fmt: skip
_SHELLS = frozenset({"bash", "sh", "zsh", "ash", "dash", "ksh", "fish", "/bin/bash", "/bin/sh"})


def handle_kubectl(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for ``kubectl`` and ``oc``."""
    words = split_words(cmd.args, _VALUE)
    pos = words.positionals
    verb = pos[0] if pos else "help"
    env = ctx.environment or _environment(cmd, ctx, words)
    namespace = words.value("-n", "--namespace")
    rule_id, category, risk, what, stateful = _judge(verb, pos[1:], words, cmd.args)
    # Switching contexts changes no cluster: a later command without --context is
    # of unknown environment anyway. A disclosed secret lands with the agent, here.
    scope = Scope.WORKSPACE if rule_id == "k8s-local" else Scope.REMOTE
    if rule_id == "k8s-secret-read":
        scope = Scope.HOST
    objects = " ".join(pos[1:3]) or ",".join(words.values("-f", "--filename")) or "(cluster)"
    where = f" in namespace {namespace}" if namespace else ""
    target = f"{cmd.program} {verb} {objects}{where}".strip()
    context = words.value("--context") or "the current context"
    found = emit(_RULE[rule_id], cmd, target=target, environment=env, category=category,
                 explanation=f"{what} (context: {context})", scope=scope, risk=risk,
                 stateful=stateful)  # fmt: skip
    if verb == "cp" and rule_id == "k8s-read":
        return (found, *local_copy(cmd, ctx, pos[-1]))
    return (found,)


def _environment(cmd: SimpleCommand, ctx: CommandContext, words: Words) -> str | None:
    """``resolve`` of ``--context``, ``--cluster``, then the kubeconfig's name, spelled
    out so that options the line does not give cost nothing (this runs per command)."""
    options = words.options
    for name in ("--context", "--cluster"):
        if name in options:
            env = ctx.resolve_environment("kube_contexts", words.value(name))
            if env:
                return env
    config = _config_name(words.value("--kubeconfig") or var(cmd, ctx, "KUBECONFIG"))
    return ctx.resolve_environment("kube_contexts", config) or None


def _config_name(path: str | None) -> str | None:
    """``~/.kube/prod.yaml`` names context-like ``prod``; several files, the first."""
    if not path:
        return None
    first = path.split(":", 1)[0].rstrip("/")
    return posixpath.basename(first).split(".", 1)[0] or None


def _dry_run(words: Words) -> bool:
    values = words.options.get("--dry-run", [])
    return bool(values) and all(v in ("", "client", "server", "true") for v in values)


_Judged = tuple[str, Category | None, Risk | None, str, bool]


def _judge(verb: str, rest: tuple[str, ...], words: Words, args: tuple[str, ...]) -> _Judged:
    if is_help(args):
        return "k8s-read", None, None, f"shows help for {verb}", False
    if _dry_run(words) and verb not in ("exec", "config"):
        return "k8s-read", None, None, f"dry-runs `{verb}`", False
    if verb in ("get", "describe") and rest:
        return _judge_get(verb, rest, words, args)
    if verb in ("rollout", "auth", "certificate", "config", "adm", "policy"):
        return _judge_group(verb, rest, words, args)
    if verb in _READ:
        return "k8s-read", None, None, f"runs `{verb}`, which only reads", False
    if verb == "delete":
        return _judge_delete(rest, words)
    if verb in ("exec", "attach", "rsh"):
        return _judge_exec(verb, words)
    if verb == "cp" and len(rest) >= 2 and _in_pod(rest[0]) and not _in_pod(rest[-1]):
        return "k8s-read", None, None, f"copies {rest[0]} out of the pod", False
    if verb in ("port-forward", "proxy", "expose"):
        return "k8s-expose", None, None, f"runs `{verb}`", False
    if verb == "scale":
        replicas = words.value("--replicas")
        if replicas == "0":
            return "k8s-scale-zero", None, None, f"scales {' '.join(rest)} to zero", False
        return "k8s-write", None, None, f"scales {' '.join(rest)} to {replicas}", False
    if verb == "drain":
        return "k8s-drain", None, None, f"evicts every pod from node {' '.join(rest)}", False
    if verb in ("replace", "apply") and words.has("--force"):
        return "k8s-replace-force", None, None, f"{verb} --force deletes and re-creates", False
    if verb == "apply" and words.has("--prune"):
        return "k8s-apply-prune", None, None, "deletes objects missing from the manifests", False
    if verb == "patch" and _drops_finalizers(words):
        return "k8s-finalizer-patch", None, None, f"removes finalizers of {' '.join(rest)}", False
    if verb == "patch" and _patches_zero_replicas(words):
        return "k8s-scale-zero", None, None, f"patches {' '.join(rest)} to zero replicas", False
    if verb == "create" and rest[:1] in (("clusterrolebinding",), ("rolebinding",)):
        return "k8s-privilege", None, None, f"binds a role: {' '.join(rest[:2])}", False
    if verb == "create" and rest[:1] == ("token",):
        return "k8s-privilege", None, None, f"mints a token for {' '.join(rest[1:2])}", False
    if verb == "debug" and any(r.startswith(("node/", "nodes/")) for r in rest):
        return "k8s-privilege", None, None, "opens a privileged pod on a node's host", False
    if verb == "run" and _host_pod(words):
        return "k8s-privilege", None, None, "runs a pod with its node's powers", False
    if verb in _CREATE:
        return "k8s-create", None, None, f"runs `{verb}` {' '.join(rest[:2])}", False
    if verb in _WRITE:
        return "k8s-write", None, None, f"runs `{verb}` {' '.join(rest[:2])}", False
    if verb in ("login", "logout", "project"):
        return "k8s-local", None, Risk.LOW, f"runs `{verb}` (local configuration)", False
    return "k8s-unknown", None, None, f"runs unknown verb `{verb}`", False


#: What in ``kubectl run --overrides`` (or ``--privileged``) hands a pod its node: a
#: privileged container, the node's process, network or IPC namespace, a host path.
_HOST_POD = ('"privileged":true', '"hostpid":true', '"hostnetwork":true', '"hostipc":true')


def _host_pod(words: Words) -> bool:
    """``kubectl run --privileged`` or ``--overrides`` giving the pod the node's powers
    (as ``docker run --privileged`` gives a container the host's)."""
    if words.has("--privileged") and words.value("--privileged") not in ("false", "False"):
        return True
    overrides = "".join(words.values("--overrides")).lower().replace(" ", "")
    return any(part in overrides for part in _HOST_POD) or '"hostpath"' in overrides


def _judge_get(verb: str, rest: tuple[str, ...], words: Words, args: tuple[str, ...]) -> _Judged:
    kinds = {k for part in rest[0].split(",") for k in (part.split("/")[0].lower(),)}
    # A computed word may name Secrets or an output format: assume the worst.
    secret = kinds & {"secret", "secrets"} or _dynamic(rest[:1])
    formats = words.values("-o", "--output")
    printing = any(f not in ("name", "wide") for f in formats) or _dynamic(args)
    if verb == "get" and secret and printing:
        return "k8s-secret-read", None, None, f"prints the data of {' '.join(rest)}", False
    return "k8s-read", None, None, f"runs `{verb}`, which only reads", False


def _judge_group(verb: str, rest: tuple[str, ...], words: Words, args: tuple[str, ...]) -> _Judged:
    sub = rest[0] if rest else ""
    if verb == "rollout":
        if sub in ("status", "history"):
            return "k8s-read", None, None, f"runs `rollout {sub}`", False
        return "k8s-write", None, None, f"runs `rollout {sub}` on {' '.join(rest[1:])}", False
    if verb == "auth":
        if sub in ("can-i", "whoami"):
            return "k8s-read", None, None, f"runs `auth {sub}`", False
        return "k8s-privilege", None, None, f"runs `auth {sub}` (RBAC reconcile)", False
    if verb == "certificate":
        if sub == "approve":
            return "k8s-privilege", None, None, f"approves certificate {rest[1:]}", False
        return "k8s-write", None, None, f"runs `certificate {sub}`", False
    if verb == "config":
        if sub == "view" and (words.has("--raw") or _dynamic(args)):
            return "k8s-secret-read", None, None, "prints kubeconfig with credentials", False
        if sub in ("view", "get-contexts", "get-clusters", "get-users", "current-context"):
            return "k8s-read", None, None, f"runs `config {sub}`", False
        if sub in _CONFIG_WRITES:
            return "k8s-local", None, Risk.LOW, f"runs `config {sub}` on the kubeconfig", False
        return "k8s-unknown", None, None, f"runs unknown `config {sub}`", False
    if "policy" in (verb, sub) or any(w.startswith("add-") for w in rest):
        return "k8s-privilege", None, None, f"changes access: {' '.join(rest[:3])}", False
    if sub == "drain":
        return "k8s-drain", None, None, f"evicts every pod from {' '.join(rest[1:])}", False
    if sub == "prune":
        return "k8s-delete", None, None, f"prunes {' '.join(rest[1:]) or 'objects'}", False
    return "k8s-write", None, None, f"runs `{verb} {sub}`", False


def _in_pod(operand: str) -> bool:
    """``pod:/path`` or ``ns/pod:/path`` names a file in a container, not a local one."""
    head = operand.split(":", 1)[0]
    return ":" in operand and bool(head) and not operand.startswith(("/", ".", "~"))


def _dynamic(args: tuple[str, ...]) -> bool:
    """Whether a word was computed by the shell (the walker keeps its raw text)."""
    return any("$" in a or "`" in a for a in args)


def _judge_delete(rest: tuple[str, ...], words: Words) -> _Judged:
    kinds = {p.split("/")[0].lower() for w in rest[:1] for p in w.split(",")}
    kinds |= {w.split("/")[0].lower() for w in rest if "/" in w}
    broad = words.has("--all", "-A", "--all-namespaces") or "all" in kinds
    what = " ".join(rest) or "objects in " + (",".join(words.values("-f", "--filename")) or "?")
    if kinds & _NAMESPACES:
        text = f"deletes {what} and everything in it"
        return "k8s-delete-namespace", None, Risk.CRITICAL, text, True
    if kinds & _STATEFUL:
        return "k8s-delete-stateful", None, Risk.CRITICAL, f"deletes {what}", True
    risk = Risk.CRITICAL if broad else None
    return "k8s-delete", None, risk, f"deletes {what}{' (every match)' if broad else ''}", False


def _judge_exec(verb: str, words: Words) -> _Judged:
    inner = words.after_dashdash
    if verb == "exec" and inner and not (inner[0] in _SHELLS and len(inner) == 1):
        return "k8s-exec", None, None, f"runs `{' '.join(inner)}` in a container", False
    return "k8s-exec-interactive", None, Risk.HIGH, f"opens an interactive `{verb}`", False


def _patches_zero_replicas(words: Words) -> bool:
    """Whether a patch sets ``spec.replicas`` to 0 (``scale --replicas=0`` by another
    name): a merge or strategic patch ``{"spec": {"replicas": 0}}`` or a JSON patch
    replacing ``/spec/replicas`` with 0. A patch that does not parse is not read."""
    for text in words.values("-p", "--patch"):
        try:
            patch = json.loads(text)
        except ValueError:
            continue
        if isinstance(patch, dict):
            spec = patch.get("spec")
            if isinstance(spec, dict) and spec.get("replicas") == 0:
                return True
        if isinstance(patch, list) and any(
            isinstance(op, dict) and op.get("path") == "/spec/replicas" and op.get("value") == 0
            for op in patch
        ):
            return True
    return False


def _drops_finalizers(words: Words) -> bool:
    """Whether a patch empties or removes ``metadata.finalizers``."""
    for text in words.values("-p", "--patch"):
        try:
            patch = json.loads(text)
        except ValueError:
            if "finalizers" in text:
                return True
            continue
        if _finalizers_cleared(patch):
            return True
    return False


def _finalizers_cleared(patch: object) -> bool:
    if isinstance(patch, dict):
        meta = patch.get("metadata")
        if isinstance(meta, dict) and "finalizers" in meta and not meta["finalizers"]:
            return True
    if isinstance(patch, list):
        for op in patch:
            if (
                isinstance(op, dict)
                and "/metadata/finalizers" in str(op.get("path", ""))
                and op.get("op") in ("remove", "replace")
            ):
                return True
    return False


HANDLERS: Mapping[str, Handler] = {"kubectl": handle_kubectl, "oc": handle_kubectl}

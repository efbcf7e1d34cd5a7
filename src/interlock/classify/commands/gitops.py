"""GitOps controllers' CLIs: Argo CD (``argocd``) and Flux (``flux``).

They change clusters through the controller rather than through kubectl, so a cluster
they manage is changed by ``argocd app sync`` or ``flux reconcile`` as surely as by
``kubectl apply``: those are remote writes. Deleting an application, a project, a
source or the controller itself deletes what it manages (Argo CD cascades to the
application's resources by default); syncing with ``--prune`` or turning on automated
pruning deletes whatever the repository no longer lists, which is how a one-line
change in git removes a production database. Suspending reconciliation freezes a
cluster's drift correction, so it is a write as well. Minting account tokens is a
privilege. Listing, getting, diffing and tracing only read.

The environment is the kube context (``flux --context``, ``argocd --kube-context``)
or, for Argo CD, the application or project named, matched against the configured
environment names; unknown, the floor treats it as protected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import read_finding, word_table
from interlock.models import Category, Finding, Risk, Scope

GITOPS_READ = Rule(
    "gitops-read",
    Category.READ,
    "Listing, getting, diffing or tracing GitOps applications and sources.",
    ("argocd app list", "argocd app diff web", "flux get kustomizations -A"),
)
GITOPS_WRITE = Rule(
    "gitops-write",
    Category.WRITE,
    "Syncing, reconciling, suspending or changing GitOps applications: the controller "
    "changes the cluster.",
    ("argocd app sync web", "flux reconcile kustomization apps", "flux suspend source git x"),
)
GITOPS_DELETE = Rule(
    "gitops-delete",
    Category.DELETE,
    "Deleting GitOps applications, projects, sources or the controller (what they manage "
    "goes with them), or syncing with pruning, which deletes what git no longer lists.",
    ("argocd app delete web", "argocd app sync web --prune", "flux uninstall"),
)
GITOPS_PRIVILEGE = Rule(
    "gitops-privilege",
    Category.PRIVILEGE,
    "Minting Argo CD account or project tokens, changing passwords, or registering a "
    "cluster (Argo CD gets admin rights on it).",
    ("argocd account generate-token", "argocd cluster add prod"),
)

_ARGO_VALUES = word_table(
    """
        --server --auth-token --config --kube-context --grpc-web-root-path --header
        --http-retry-max --loglevel --logformat --port-forward-namespace --redis-name
        --repo-server-name --server-name --client-crt --client-crt-key --controller-name
        -o --output --revision --resource --label --selector -l --project -p --dest-server
        --dest-namespace --dest-name --path --repo --sync-policy --timeout --retry-limit
        --name --account --id --expires-in --namespace -N --app-namespace
    """
)
_FLUX_VALUES = word_table(
    """
        --context --kubeconfig --namespace -n --timeout --verbose --label-selector -l
        --source --path --interval --url --branch --tag --output -o --cache-dir
    """
)
_READS = word_table(
    """
        list get diff history logs manifests resources wait version context tree trace
        stats check events export completion help lint
    """
)
_DELETES = word_table("delete delete-resource rm remove uninstall terminate-op")
_PRIVILEGE = word_table("generate-token update-password create-token")


def _argocd(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    words = _operands(cmd.args, _ARGO_VALUES)
    if not words or words[0] in ("version", "login", "logout", "relogin", "context"):
        return (read_finding(GITOPS_READ, cmd, "argocd client settings"),)
    noun, verb = words[0], words[1] if len(words) > 1 else "list"
    target = words[2] if len(words) > 2 else ""
    env = ctx.resolve_environment("kube_contexts", _value(cmd.args, "--kube-context"))
    env = env or ctx.resolve_environment("names", target or None)
    what = f"argocd {noun} {verb} {target}".strip()
    if verb in _PRIVILEGE or (noun == "cluster" and verb == "add"):
        return (_remote(GITOPS_PRIVILEGE, cmd, what, "grants access", env, risk=Risk.HIGH),)
    if verb in _DELETES or (noun, verb) == ("repo", "rm") or _prunes(cmd.args):
        why = "deletes what it manages" if verb in _DELETES or verb == "rm" else "prunes"
        return (_remote(GITOPS_DELETE, cmd, what, why, env, risk=Risk.CRITICAL),)
    if verb in _READS:
        return (read_finding(GITOPS_READ, cmd, what),)
    return (_remote(GITOPS_WRITE, cmd, what, "changes what the controller deploys", env),)


def _flux(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    words = _operands(cmd.args, _FLUX_VALUES)
    verb = words[0] if words else "help"
    kind = " ".join(words[1:3])
    env = ctx.resolve_environment("kube_contexts", _value(cmd.args, "--context"))
    what = f"flux {verb} {kind}".strip()
    if verb in _READS or verb in ("build", "diff"):
        return (read_finding(GITOPS_READ, cmd, what),)
    if verb in _DELETES:
        why = "deletes what it manages"
        return (_remote(GITOPS_DELETE, cmd, what, why, env, risk=Risk.CRITICAL),)
    return (_remote(GITOPS_WRITE, cmd, what, "changes what the controller deploys", env),)


def _prunes(args: tuple[str, ...]) -> bool:
    """``--prune``, ``--auto-prune`` or ``--sync-option Prune=true``: deletes by omission."""
    return any(
        a in ("--prune", "--auto-prune") or "prune=true" in a.lower().replace(" ", "") for a in args
    )


def _operands(args: tuple[str, ...], values: frozenset[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = arg in values
        else:
            out.append(arg)
    return out


def _value(args: tuple[str, ...], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.partition("=")[2]
    return None


def _remote(
    rule: Rule,
    cmd: SimpleCommand,
    what: str,
    why: str,
    env: str | None,
    *,
    risk: Risk = Risk.MEDIUM,
) -> Finding:
    return finding(
        rule,
        cmd,
        scope=Scope.REMOTE,
        target=what,
        explanation=f"{what}: {why}",
        risk=risk,
        environment=env,
        stateful=rule is GITOPS_DELETE,
    )


HANDLERS: Mapping[str, Handler] = {"argocd": _argocd, "flux": _flux}

RULES: tuple[Rule, ...] = (GITOPS_READ, GITOPS_WRITE, GITOPS_DELETE, GITOPS_PRIVILEGE)

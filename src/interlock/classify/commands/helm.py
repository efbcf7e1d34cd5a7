"""``helm`` command lines: releases installed, upgraded, rolled back or removed.

Per the Helm command reference: ``list``/``status``/``get``/``history``/``show``/
``template``/``lint``/``search`` read; ``install``/``upgrade``/``rollback`` change a
release; ``uninstall`` (aliases ``delete``, ``del``, ``un``) deletes it and every
object it owns; ``--force`` on ``upgrade`` or ``rollback`` replaces resources
through delete and re-create. ``--dry-run`` (any mode) changes nothing. Chart and
repository housekeeping (``create``, ``package``, ``pull``, ``repo add``,
``dependency update``) touches only local files; ``push`` publishes a chart.

The environment is the ``--kube-context`` (or the name of the ``--kubeconfig``/
``KUBECONFIG`` file), matched as a kube context, else unknown.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand
from interlock.classify.commands.cloudverbs import (
    Words,
    emit,
    is_help,
    resolve,
    split_words,
    variable,
)
from interlock.models import Category, Finding, Risk, Scope

R = Rule
RULES: tuple[Rule, ...] = (
    R("helm-read", Category.READ, "helm command that only reads or renders",
      ("helm list -A", "helm template web ./chart", "helm upgrade web ./chart --dry-run")),
    R("helm-local", Category.WRITE, "helm command that touches only local charts or repos",
      ("helm dependency update ./chart", "helm package ./chart")),
    R("helm-host", Category.WRITE,
      "changes the user's helm settings: plugins, repositories, registry credentials",
      ("helm plugin install https://github.com/databus23/helm-diff",
       "helm registry login ghcr.io", "helm repo update")),
    R("helm-install", Category.CREATE, "installs a release",
      ("helm install web ./chart -n web",)),
    R("helm-upgrade", Category.WRITE, "upgrades or rolls back a release",
      ("helm upgrade --install web ./chart", "helm rollback web 3")),
    R("helm-upgrade-force", Category.REPLACE,
      "--force replaces resources through delete and re-create",
      ("helm upgrade web ./chart --force", "helm rollback web 2 --force")),
    R("helm-uninstall", Category.DELETE, "uninstalls a release and every object it owns",
      ("helm uninstall web --kube-context prod", "helm delete web")),
    R("helm-test", Category.WRITE, "runs a release's test pods in the cluster",
      ("helm test web",)),
    R("helm-push", Category.WRITE, "publishes a chart to a registry",
      ("helm push chart-1.0.0.tgz oci://ghcr.io/acme/charts",)),
    R("helm-unknown", Category.WRITE, "helm command interlock does not know",
      ("helm frobnicate",)),
)  # fmt: skip
_RULE = {r.rule_id: r for r in RULES}

_VALUE = frozenset(
    {"--kube-context", "--kubeconfig", "-n", "--namespace", "-f", "--values", "--set",
     "--set-string", "--set-file", "--set-json", "--version", "-o", "--output", "--timeout",
     "--repo", "--username", "--password", "--max", "--revision", "--filter", "-d",
     "--destination", "--untardir", "--app-version", "--keyring", "--starter",
     "--max-col-width", "--post-renderer", "--description", "--registry-config",
     "--repository-config", "--repository-cache", "--kube-apiserver", "--kube-token",
     "--kube-as-user", "--burst-limit", "--url", "--merge", "-u"}
)  # fmt: skip
_READ = frozenset(
    {"list", "ls", "status", "get", "history", "hist", "show", "inspect", "template", "lint",
     "search", "version", "env", "help", "completion", "verify"}
)  # fmt: skip
_LOCAL = frozenset({"create", "package", "pull", "fetch", "dependency", "dep", "dependencies"})
_UNINSTALL = frozenset({"uninstall", "delete", "del", "un"})


def handle_helm(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for ``helm``."""
    words = split_words(cmd.args, _VALUE)
    pos = words.positionals
    verb = pos[0] if pos else "help"
    context = words.value("--kube-context")
    kubeconfig = words.value("--kubeconfig") or variable(cmd, ctx, "KUBECONFIG")
    config_name = (
        posixpath.basename(kubeconfig.split(":", 1)[0]).split(".", 1)[0] if kubeconfig else None
    )
    env = resolve(ctx, ("kube_contexts", context), ("kube_contexts", config_name))
    rule_id, risk, what = _judge(verb, pos[1:], words, cmd.args)
    rule = _RULE[rule_id]
    scope = {"helm-local": Scope.WORKSPACE, "helm-host": Scope.HOST}.get(rule_id, Scope.REMOTE)
    release = pos[1] if len(pos) > 1 else "(none)"
    namespace = words.value("-n", "--namespace")
    target = f"helm release {release}" + (f" in namespace {namespace}" if namespace else "")
    return (emit(rule, cmd, target=target, environment=env, scope=scope, risk=risk,
                 explanation=f"helm {what} ({context or 'the current context'})"),)  # fmt: skip


def _judge(
    verb: str, rest: tuple[str, ...], words: Words, args: tuple[str, ...]
) -> tuple[str, Risk | None, str]:
    first = rest[0] if rest else ""
    if is_help(args) or verb in _READ:
        return "helm-read", None, f"runs `{verb}`, which only reads"
    if "--dry-run" in words.options and words.options["--dry-run"] != ["none"]:
        return "helm-read", None, f"dry-runs `{verb}`"
    if verb in _UNINSTALL:
        return "helm-uninstall", None, f"uninstalls {first or '?'} and every object it owns"
    if verb in ("upgrade", "rollback"):
        if words.has("--force", "--force-replace"):
            return "helm-upgrade-force", None, f"{verb} --force re-creates resources of {first}"
        return "helm-upgrade", None, f"runs `{verb}` on {first}"
    if verb == "install":
        return "helm-install", None, f"installs {first}"
    if verb == "test":
        return "helm-test", Risk.LOW, f"runs the tests of {first}"
    if verb == "push":
        return "helm-push", None, f"publishes {first}"
    if verb in _LOCAL:
        return "helm-local", Risk.LOW, f"runs `{verb}` on local charts"
    if verb == "repo":
        if first in ("list", "ls"):
            return "helm-read", None, "lists repositories"
        if first == "index":
            return "helm-local", Risk.LOW, "indexes local charts"
        return "helm-host", Risk.LOW, f"runs `repo {first}` on the user's repository settings"
    if verb in ("plugin", "registry"):
        if first in ("list", "ls", "verify"):
            return "helm-read", None, f"runs `{verb} {first}`"
        if verb == "plugin" and first == "package":
            return "helm-local", Risk.LOW, "packages a plugin"
        return "helm-host", Risk.LOW, f"runs `{verb} {first}` in the home directory"
    return "helm-unknown", None, f"runs unknown command `{verb}`"


HANDLERS: Mapping[str, Handler] = {"helm": handle_helm}

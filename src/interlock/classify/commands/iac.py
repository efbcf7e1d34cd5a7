"""AWS CDK and Pulumi command lines: deploy and destroy whole stacks.

``cdk deploy`` and ``pulumi up`` apply whatever the program synthesises, with no
reviewed plan in between (CDK Toolkit and Pulumi CLI references); ``cdk destroy``,
``pulumi destroy``, ``pulumi stack rm`` and ``pulumi state delete`` delete. Reading
verbs (``cdk diff``/``synth``/``list``, ``pulumi preview``/``stack output``) only
read. ``cdk bootstrap --trust ACCOUNT`` lets another account deploy here: a grant.

Environments come from ``--profile``/``AWS_PROFILE`` (CDK), the stack names and
``-c key=value`` context values (CDK) and ``--stack`` (Pulumi), matched against the
configured workspaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand
from interlock.classify.commands.cloudverbs import Words, emit, is_help, resolve, split_words
from interlock.classify.commands.cloudverbs import variable as var
from interlock.models import Category, Finding, Risk, Scope

R = Rule
RULES: tuple[Rule, ...] = (
    R("cdk-read", Category.READ, "CDK command that only synthesises or reads",
      ("cdk diff MyStack", "cdk synth", "cdk list")),
    R("cdk-local", Category.WRITE, "CDK command that writes only the project directory",
      ("cdk init app --language python", "cdk context --clear")),
    R("cdk-deploy", Category.OPAQUE,
      "deploys stacks without a reviewed change set: deletions and replacements no one "
      "has seen, so it is held like anything not understood (prepare a change set instead)",
      ("cdk deploy --all --require-approval never", "cdk watch --hotswap")),
    R("cdk-destroy", Category.DELETE, "destroys CloudFormation stacks and their resources",
      ("cdk destroy --force MyStack",)),
    R("cdk-bootstrap-trust", Category.PRIVILEGE,
      "bootstrap trusting another account: it may then deploy into this one",
      ("cdk bootstrap --trust 123456789012",)),
    R("cdk-gc", Category.DELETE, "garbage-collects deployed assets (S3 objects, ECR images)",
      ("cdk gc --type all",)),
    R("cdk-write", Category.WRITE, "other CDK command that changes the account",
      ("cdk bootstrap", "cdk import MyStack", "cdk refactor")),
    R("pulumi-read", Category.READ, "Pulumi command that only previews or reads",
      ("pulumi preview", "pulumi stack output -s prod", "pulumi whoami")),
    R("pulumi-secret-read", Category.EXPOSURE, "prints stack secrets in clear text",
      ("pulumi stack output --show-secrets", "pulumi config --show-secrets")),
    R("pulumi-local", Category.WRITE, "Pulumi command that writes only the project or stack file",
      ("pulumi config set region us-east-1", "pulumi stack select dev")),
    R("pulumi-up", Category.OPAQUE,
      "applies a Pulumi program without a reviewed plan: deletions and replacements no "
      "one has seen, so it is held like anything not understood (review a preview instead)",
      ("pulumi up --yes", "pulumi update -s prod -y")),
    R("pulumi-replace", Category.REPLACE, "forces resources to be replaced",
      ("pulumi up --replace urn:pulumi:prod::app::aws:rds/instance:Instance::db",)),
    R("pulumi-destroy", Category.DELETE, "destroys every resource in the stack",
      ("pulumi destroy --yes -s prod",)),
    R("pulumi-stack-rm", Category.DELETE, "removes a stack and its state",
      ("pulumi stack rm prod --force",)),
    R("pulumi-state-delete", Category.DELETE,
      "edits state destructively (delete, unprotect, import over it)",
      ("pulumi state delete urn:pulumi:prod::app::aws:s3/bucket:Bucket::logs",
       "pulumi state unprotect --all")),
    R("pulumi-write", Category.WRITE, "other Pulumi command that changes a stack",
      ("pulumi refresh --yes", "pulumi import aws:s3/bucket:Bucket b my-bucket")),
    R("iac-unknown", Category.WRITE, "CDK or Pulumi command interlock does not know",
      ("cdk frobnicate", "pulumi frobnicate")),
)  # fmt: skip
_RULE = {r.rule_id: r for r in RULES}

_CDK_VALUE = frozenset(
    {"--app", "-a", "--profile", "--context", "-c", "--output", "-o", "--role-arn", "-r",
     "--plugin", "-p", "--ca-bundle-path", "--proxy", "--trust", "--language", "-l",
     "--method", "--exclusively", "-e", "--parameters", "--toolkit-stack-name",
     "--template", "--type", "--from-path", "--from-stack", "--concurrency", "--rollback"}
)  # fmt: skip
_CDK_READ = frozenset(
    {"list", "ls", "diff", "synth", "synthesize", "docs", "doc", "doctor", "metadata",
     "notices", "acknowledge", "ack", "version", "help", "drift"}
)  # fmt: skip
_PULUMI_VALUE = frozenset(
    {"--stack", "-s", "--cwd", "-C", "--color", "--verbose", "-v", "--target", "-t",
     "--replace", "--target-replace", "--message", "-m", "--config", "-c", "--parallel",
     "-p", "--exclude", "--config-file", "--secrets-provider", "--tracing", "--policy-pack"}
)  # fmt: skip
_PULUMI_READ = frozenset(
    {"preview", "pre", "whoami", "about", "version", "help", "logs", "schema", "console",
     "gen-completion", "view-trace"}
)  # fmt: skip
_PULUMI_LOCAL = frozenset({"new", "convert", "install", "plugin", "package", "policy"})


def handle_cdk(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for the AWS CDK Toolkit (``cdk``)."""
    words = split_words(cmd.args, _CDK_VALUE)
    verb = words.positionals[0] if words.positionals else "help"
    stacks = words.positionals[1:]
    contexts = [v.partition("=")[2] for v in words.values("--context", "-c")]
    env = resolve(
        ctx,
        ("aws_profiles", words.value("--profile") or var(cmd, ctx, "AWS_PROFILE")),
        *(("workspaces", s) for s in (*stacks, *contexts)),
    )
    rule_id, risk, what, scope = _judge_cdk(verb, words, cmd.args)
    target = f"cdk {verb} {' '.join(stacks) or '(all stacks in the app)'}"
    return (emit(_RULE[rule_id], cmd, target=target, explanation=f"cdk {what}",
                 environment=env, scope=scope, risk=risk),)  # fmt: skip


def _judge_cdk(
    verb: str, words: Words, args: tuple[str, ...]
) -> tuple[str, Risk | None, str, Scope]:
    remote, local = Scope.REMOTE, Scope.WORKSPACE
    if is_help(args) or verb in _CDK_READ:
        return "cdk-read", None, f"runs `{verb}`, which only reads", local
    if verb == "context":
        if words.has("--reset", "--clear"):
            return "cdk-local", Risk.LOW, "edits cdk.context.json", local
        return "cdk-read", None, "shows cached context", local
    if verb in ("init", "migrate"):
        return "cdk-local", Risk.LOW, f"runs `{verb}` in the project directory", local
    if verb in ("deploy", "watch"):
        if words.value("--method") == "prepare-change-set" or words.has("--no-execute"):
            return "cdk-write", Risk.LOW, "prepares a change set without executing it", remote
        how = (
            " without asking for approval" if "never" in words.values("--require-approval") else ""
        )
        return "cdk-deploy", Risk.HIGH, f"deploys unreviewed changes{how}", remote
    if verb == "destroy":
        return "cdk-destroy", Risk.CRITICAL, "destroys stacks and every resource in them", remote
    if verb == "bootstrap" and words.values("--trust", "--trust-for-lookup"):
        accounts = ", ".join(words.values("--trust", "--trust-for-lookup"))
        return "cdk-bootstrap-trust", None, f"lets account {accounts} deploy here", remote
    if verb == "gc":
        return "cdk-gc", None, "deletes assets it believes unused", remote
    if verb == "refactor" and words.has("--dry-run"):
        return "cdk-read", None, "previews a refactor", remote
    if verb in ("bootstrap", "import", "refactor", "rollback", "publish-assets"):
        return "cdk-write", None, f"runs `{verb}` against the account", remote
    return "iac-unknown", None, f"runs unknown command `{verb}`", remote


def handle_pulumi(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for the Pulumi CLI."""
    words = split_words(cmd.args, _PULUMI_VALUE)
    pos = words.positionals
    verb = pos[0] if pos else "help"
    stack = words.value("--stack", "-s") or var(cmd, ctx, "PULUMI_STACK")
    short = stack.rsplit("/", 1)[-1] if stack else None
    if verb == "stack" and len(pos) > 2 and pos[1] in ("rm", "select", "init"):
        short = pos[2].rsplit("/", 1)[-1]
    env = resolve(
        ctx, ("workspaces", stack), ("workspaces", short), ("paths", words.value("--cwd", "-C"))
    )
    rule_id, category, risk, what, scope = _judge_pulumi(verb, pos[1:], words, cmd.args)
    if rule_id == "pulumi-read" and words.has("--show-secrets"):
        rule_id, what, scope = "pulumi-secret-read", f"{verb} --show-secrets", Scope.HOST
    target = f"pulumi stack {stack or short or '(current stack)'}"
    return (emit(_RULE[rule_id], cmd, target=target, explanation=f"pulumi {what}",
                 environment=env, category=category, scope=scope, risk=risk),)  # fmt: skip


def _judge_pulumi(
    verb: str, sub: tuple[str, ...], words: Words, args: tuple[str, ...]
) -> tuple[str, Category | None, Risk | None, str, Scope]:
    remote, local = Scope.REMOTE, Scope.WORKSPACE
    first = sub[0] if sub else ""
    if is_help(args) or verb in _PULUMI_READ or words.has("--preview-only"):
        return "pulumi-read", None, None, f"runs `{verb}`, which only reads", remote
    if verb in ("up", "update", "watch"):
        if words.has("--replace", "--target-replace"):
            urns = ", ".join(words.values("--replace", "--target-replace"))
            return "pulumi-replace", None, None, f"replaces {urns}", remote
        auto = " without confirmation" if words.has("--yes", "-y", "--skip-preview") else ""
        return "pulumi-up", None, Risk.HIGH, f"applies unreviewed changes{auto}", remote
    if verb == "destroy":
        return "pulumi-destroy", None, Risk.CRITICAL, "destroys every resource in the stack", remote
    if verb in ("refresh", "import", "cancel"):
        return "pulumi-write", None, None, f"runs `{verb}` against the stack", remote
    if verb == "stack":
        return _judge_pulumi_stack(first, sub, words)
    if verb == "state":
        if first in ("delete", "unprotect"):
            return "pulumi-state-delete", None, None, f"runs `state {first}`", remote
        return "pulumi-write", None, None, f"runs `state {first or '?'}`", remote
    if verb == "config":
        if first in ("", "get", "ls", "list", "env") and sub[1:2] != ("add",):
            return "pulumi-read", None, None, "reads stack configuration", local
        return "pulumi-local", None, Risk.LOW, f"runs `config {first}` on the stack file", local
    if verb in ("login", "logout"):
        return "pulumi-local", None, Risk.LOW, f"runs `{verb}`", Scope.HOST
    if verb in _PULUMI_LOCAL:
        return "pulumi-local", None, Risk.LOW, f"runs `{verb}` locally", local
    return "iac-unknown", None, None, f"runs unknown command `{verb}`", remote


def _judge_pulumi_stack(
    first: str, sub: tuple[str, ...], words: Words
) -> tuple[str, Category | None, Risk | None, str, Scope]:
    remote = Scope.REMOTE
    if first in ("", "ls", "output", "history", "export", "graph") or sub[:2] == ("tag", "ls"):
        return "pulumi-read", None, None, f"runs `stack {first or 'show'}`", remote
    if first == "rm":
        risk = Risk.CRITICAL if words.has("--force", "-f") else None
        return "pulumi-stack-rm", None, risk, "removes the stack and its state", remote
    if first == "import":
        return "pulumi-state-delete", None, None, "overwrites the stack's state", remote
    if first in ("select", "unselect"):
        return "pulumi-local", None, Risk.LOW, f"runs `stack {first}`", Scope.WORKSPACE
    if first == "init":
        return "pulumi-write", Category.CREATE, Risk.LOW, "creates a stack", remote
    return "pulumi-write", None, None, f"runs `stack {first}`", remote


HANDLERS: Mapping[str, Handler] = {"cdk": handle_cdk, "pulumi": handle_pulumi}

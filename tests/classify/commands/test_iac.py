"""AWS CDK and Pulumi lines: deploys, destroys, reads, and the stack they touch."""

from __future__ import annotations

import shlex

import pytest

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands import iac
from interlock.config import default_config
from interlock.models import Category, Finding, Risk, Scope

CTX = CommandContext(default_config())


def findings(line: str, ctx: CommandContext = CTX, **assignments: str) -> list[Finding]:
    cmd = SimpleCommand(argv=tuple(shlex.split(line)), text=line, assignments=assignments)
    return list(iac.HANDLERS[cmd.program](cmd, ctx))


@pytest.mark.parametrize(
    ("line", "rule_id", "category"),
    [
        ("cdk ls --long", "cdk-read", Category.READ),
        ("cdk diff --app 'npx ts-node bin/app.ts' MyStack", "cdk-read", Category.READ),
        ("cdk synth --quiet", "cdk-read", Category.READ),
        ("cdk context --json", "cdk-read", Category.READ),
        ("cdk deploy --help", "cdk-read", Category.READ),
        ("cdk context --reset key", "cdk-local", Category.WRITE),
        ("cdk init app --language typescript", "cdk-local", Category.WRITE),
        ("cdk deploy", "cdk-deploy", Category.OPAQUE),
        ("cdk deploy --hotswap MyStack", "cdk-deploy", Category.OPAQUE),
        ("cdk watch", "cdk-deploy", Category.OPAQUE),
        ("cdk deploy --method=prepare-change-set", "cdk-write", Category.WRITE),
        ("cdk destroy --all --force", "cdk-destroy", Category.DELETE),
        ("cdk bootstrap aws://123456789012/us-east-1", "cdk-write", Category.WRITE),
        ("cdk bootstrap --trust 210987654321", "cdk-bootstrap-trust", Category.PRIVILEGE),
        ("cdk gc", "cdk-gc", Category.DELETE),
        ("cdk refactor --dry-run", "cdk-read", Category.READ),
        ("cdk frobnicate", "iac-unknown", Category.WRITE),
        ("pulumi preview --diff", "pulumi-read", Category.READ),
        ("pulumi stack ls", "pulumi-read", Category.READ),
        ("pulumi stack output dbPassword", "pulumi-read", Category.READ),
        ("pulumi stack output dbPassword --show-secrets", "pulumi-secret-read", Category.EXPOSURE),
        ("pulumi config get aws:region", "pulumi-read", Category.READ),
        ("pulumi up --yes --skip-preview", "pulumi-up", Category.OPAQUE),
        ("pulumi update", "pulumi-up", Category.OPAQUE),
        ("pulumi up --target-replace urn:x -y", "pulumi-replace", Category.REPLACE),
        ("pulumi destroy -s prod --yes", "pulumi-destroy", Category.DELETE),
        ("pulumi destroy --preview-only", "pulumi-read", Category.READ),
        ("pulumi stack rm dev --yes", "pulumi-stack-rm", Category.DELETE),
        ("pulumi stack import --file s.json", "pulumi-state-delete", Category.DELETE),
        ("pulumi state delete urn:x --force", "pulumi-state-delete", Category.DELETE),
        ("pulumi state unprotect urn:x", "pulumi-state-delete", Category.DELETE),
        ("pulumi state rename urn:x y", "pulumi-write", Category.WRITE),
        ("pulumi refresh --yes", "pulumi-write", Category.WRITE),
        ("pulumi stack init dev", "pulumi-write", Category.CREATE),
        ("pulumi stack select dev", "pulumi-local", Category.WRITE),
        ("pulumi config set --secret dbPassword x", "pulumi-local", Category.WRITE),
        ("pulumi login s3://state", "pulumi-local", Category.WRITE),
        ("pulumi frobnicate", "iac-unknown", Category.WRITE),
    ],
)
def test_command_table(line: str, rule_id: str, category: Category) -> None:
    (found,) = findings(line)
    assert (found.rule_id, found.category) == (rule_id, category)


def test_destroys_are_critical_and_remote() -> None:
    for line in ("cdk destroy --force", "pulumi destroy --yes"):
        (found,) = findings(line)
        assert (found.risk, found.scope) == (Risk.CRITICAL, Scope.REMOTE)


def test_local_work_stays_in_the_workspace() -> None:
    assert findings("cdk init app")[0].scope is Scope.WORKSPACE
    assert findings("pulumi config set region x")[0].scope is Scope.WORKSPACE
    assert findings("pulumi login")[0].scope is Scope.HOST


@pytest.mark.parametrize(
    ("line", "assignments", "environment"),
    [
        ("cdk deploy --profile prod", {}, "production"),
        ("cdk deploy", {"AWS_PROFILE": "staging"}, "staging"),
        ("cdk deploy app-prod", {}, "production"),
        ("cdk deploy -c stage=dev", {}, "development"),
        ("cdk deploy", {}, None),
        ("pulumi destroy -s acme/web/prod --yes", {}, "production"),
        ("pulumi up --stack dev", {}, "development"),
        ("pulumi stack rm prod", {}, "production"),
        ("pulumi up", {}, None),
    ],
)
def test_environment(line: str, assignments: dict[str, str], environment: str | None) -> None:
    assert findings(line, CTX, **assignments)[0].environment == environment

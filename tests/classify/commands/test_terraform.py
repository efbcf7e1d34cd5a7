"""Terraform, OpenTofu and Terragrunt lines: what each does and where it runs."""

from __future__ import annotations

import shlex

import pytest

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands import terraform
from interlock.config import default_config
from interlock.models import Category, Finding, Risk, Scope

CTX = CommandContext(default_config())


def findings(line: str, ctx: CommandContext = CTX, **assignments: str) -> list[Finding]:
    cmd = SimpleCommand(argv=tuple(shlex.split(line)), text=line, assignments=assignments)
    return list(terraform.HANDLERS[cmd.program](cmd, ctx))


@pytest.mark.parametrize(
    ("line", "rule_id", "category"),
    [
        ("terraform plan", "tf-read", Category.READ),
        ("terraform plan -destroy -out=d.plan", "tf-read", Category.READ),
        ("terraform show -json tf.plan", "tf-read", Category.READ),
        ("terraform state list", "tf-read", Category.READ),
        ("terraform state pull", "tf-read", Category.READ),
        ("terraform fmt -check", "tf-read", Category.READ),
        ("terraform fmt -write=false", "tf-read", Category.READ),
        ("terraform providers schema -json", "tf-read", Category.READ),
        ("terraform apply --help", "tf-read", Category.READ),
        ("terraform -version", "tf-read", Category.READ),
        ("terraform workspace list", "tf-read", Category.READ),
        ("terraform fmt -recursive", "tf-local", Category.WRITE),
        ("terraform init -upgrade", "tf-local", Category.WRITE),
        ("terraform providers lock", "tf-local", Category.WRITE),
        ("terraform workspace select dev", "tf-local", Category.WRITE),
        ("terraform init -migrate-state", "tf-state-write", Category.WRITE),
        ("terraform apply", "tf-apply-without-plan", Category.OPAQUE),
        ("terraform apply -auto-approve -var env=qa", "tf-apply-without-plan", Category.OPAQUE),
        ("terraform apply -target aws_instance.a", "tf-apply-without-plan", Category.OPAQUE),
        ("terraform apply tf.plan", "tf-apply-plan", Category.WRITE),
        ("terraform apply -input=false tf.plan", "tf-apply-plan", Category.WRITE),
        ("terraform apply -refresh-only -auto-approve", "tf-state-write", Category.WRITE),
        ("terraform destroy", "tf-destroy", Category.DELETE),
        ("terraform destroy -target=aws_db_instance.main", "tf-destroy", Category.DELETE),
        ("terraform apply -destroy -auto-approve", "tf-destroy", Category.DELETE),
        ("terraform apply --destroy", "tf-destroy", Category.DELETE),
        ("terraform apply -replace aws_db_instance.main", "tf-replace", Category.REPLACE),
        ("terraform apply -replace=a.b -replace=c.d", "tf-replace", Category.REPLACE),
        ("terraform taint aws_instance.web", "tf-replace", Category.REPLACE),
        ("terraform untaint aws_instance.web", "tf-state-write", Category.WRITE),
        ("terraform state rm module.db", "tf-state-rm", Category.DELETE),
        ("terraform state push -force x.tfstate", "tf-state-push", Category.DELETE),
        ("terraform state mv a.b a.c", "tf-state-write", Category.WRITE),
        ("terraform import aws_instance.a i-1", "tf-state-write", Category.WRITE),
        ("terraform refresh", "tf-state-write", Category.WRITE),
        ("terraform force-unlock -force 1234", "tf-force-unlock", Category.DELETE),
        ("terraform workspace delete -force staging", "tf-workspace-delete", Category.DELETE),
        ("terraform workspace new qa", "tf-state-write", Category.CREATE),
        ("terraform test", "tf-test", Category.WRITE),
        ("terraform login", "tf-login", Category.WRITE),
        ("terraform", "tf-read", Category.READ),
        ("terraform frobnicate", "tf-unknown", Category.WRITE),
        ("tofu destroy -auto-approve", "tf-destroy", Category.DELETE),
        ("tofu apply", "tf-apply-without-plan", Category.OPAQUE),
        ("/usr/local/bin/terraform destroy", "tf-destroy", Category.DELETE),
        ("terragrunt plan", "tf-read", Category.READ),
        ("terragrunt hclfmt", "tf-read", Category.READ),
        ("terragrunt run-all destroy", "tf-destroy", Category.DELETE),
        ("terragrunt destroy-all", "tf-destroy", Category.DELETE),
        ("terragrunt run --all -- destroy", "tf-destroy", Category.DELETE),
        ("terragrunt run --all apply", "tf-apply-without-plan", Category.OPAQUE),
        ("terragrunt --non-interactive run-all apply", "tf-apply-without-plan", Category.OPAQUE),
        ("terragrunt apply -replace=aws_instance.a", "tf-replace", Category.REPLACE),
    ],
)
def test_subcommand_table(line: str, rule_id: str, category: Category) -> None:
    (found,) = findings(line)
    assert (found.rule_id, found.category) == (rule_id, category)
    assert found.evidence == line


@pytest.mark.parametrize(
    ("line", "scope"),
    [
        ("terraform apply", Scope.REMOTE),
        ("terraform destroy", Scope.REMOTE),
        ("terraform init", Scope.WORKSPACE),
        ("terraform fmt", Scope.WORKSPACE),
        ("terraform login", Scope.HOST),
    ],
)
def test_scope(line: str, scope: Scope) -> None:
    assert findings(line)[0].scope is scope


def test_destroy_of_every_module_is_critical() -> None:
    (one,) = findings("terraform apply -auto-approve")
    (every,) = findings("terragrunt run-all apply")
    assert one.risk is Risk.HIGH
    assert every.risk is Risk.CRITICAL
    assert "every module" in every.explanation


@pytest.mark.parametrize(
    ("line", "assignments", "cwd", "environment"),
    [
        ("terraform destroy", {"TF_WORKSPACE": "prod"}, None, "production"),
        ("terraform destroy", {"TF_WORKSPACE": "dev"}, None, "development"),
        ("terraform destroy", {}, None, None),
        ("terraform -chdir=envs/prod destroy", {}, None, "production"),
        ("terraform -chdir=prod destroy", {}, "/repo/envs", "production"),
        ("terraform destroy", {}, "/repo/envs/staging", "staging"),
        ("terraform apply -var-file=envs/prod.tfvars", {}, None, "production"),
        ("terraform workspace delete prod", {}, None, "production"),
        ("terragrunt run-all destroy --terragrunt-working-dir live/prod", {}, None, "production"),
        ("terraform destroy", {}, "/repo/app", None),
    ],
)
def test_environment(
    line: str, assignments: dict[str, str], cwd: str | None, environment: str | None
) -> None:
    ctx = CommandContext(default_config(), cwd=cwd)
    assert findings(line, ctx, **assignments)[0].environment == environment


def test_forced_environment_wins() -> None:
    ctx = CommandContext(default_config(), environment="staging")
    assert findings("terraform destroy", ctx, TF_WORKSPACE="prod")[0].environment == "staging"


def test_workspace_from_context_variables() -> None:
    ctx = CommandContext(default_config(), variables={"TF_WORKSPACE": "prod"})
    assert findings("terraform apply", ctx)[0].environment == "production"


def test_explanation_names_what_happens() -> None:
    (found,) = findings("terraform apply -replace=aws_db_instance.ledger")
    assert "aws_db_instance.ledger" in found.explanation
    assert found.explanation.startswith("terraform ")


@pytest.mark.parametrize(
    ("assignments", "line", "rule"),
    [
        ({"TF_CLI_ARGS_apply": "-destroy -auto-approve"}, "terraform apply", "tf-destroy"),
        ({"TF_CLI_ARGS": "-replace=aws_db_instance.x"}, "terraform apply tf.plan", "tf-replace"),
        ({"TF_CLI_ARGS_plan": "-no-color"}, "terraform plan", "tf-read"),
        ({"TF_CLI_ARGS_plan": "-destroy"}, "terraform apply tf.plan", "tf-apply-plan"),
    ],
)
def test_cli_args_from_the_environment_count_as_flags(
    assignments: dict[str, str], line: str, rule: str
) -> None:
    """Terraform inserts ``TF_CLI_ARGS`` and ``TF_CLI_ARGS_<subcommand>`` after the
    subcommand; the one for another subcommand changes nothing."""
    cmd = SimpleCommand(argv=tuple(shlex.split(line)), text=line, assignments=assignments)
    assert [f.rule_id for f in terraform.HANDLERS[cmd.program](cmd, CTX)] == [rule]

"""az lines: command words after the groups, credentials, exposure, subscriptions."""

from __future__ import annotations

import shlex

import pytest

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands import azure
from interlock.config import default_config
from interlock.models import Category, Finding, Risk, Scope

CTX = CommandContext(default_config())


def findings(line: str, ctx: CommandContext = CTX, **assignments: str) -> list[Finding]:
    cmd = SimpleCommand(argv=tuple(shlex.split(line)), text=line, assignments=assignments)
    return list(azure.handle_az(cmd, ctx))


@pytest.mark.parametrize(
    ("line", "rule_id", "category"),
    [
        ("az vm list -g rg", "az-read", Category.READ),
        ("az --subscription delete vm list", "az-read", Category.READ),
        ("az --query delete vm show -n x", "az-read", Category.READ),
        ("az -o delete vm list", "az-read", Category.READ),
        ("az storage blob download -c c -n b -f f --account-name st", "az-read", Category.READ),
        (
            "az monitor log-analytics query --workspace w --analytics-query q",
            "az-read",
            Category.READ,
        ),
        ("az deployment group what-if -g rg --template-file m.bicep", "az-read", Category.READ),
        ("az acr repository show-tags -n r --repository x", "az-read", Category.READ),
        ("az sshkey list", "az-read", Category.READ),
        ("az vm delete --help", "az-read", Category.READ),
        ("az version", "az-read", Category.READ),
        ("az devops configure --list", "az-read", Category.READ),
        ("az rest --method get --url https://management.azure.com/x", "az-read", Category.READ),
        ("az keyvault secret show --vault-name kv -n s", "az-secret-read", Category.EXPOSURE),
        ("az account get-access-token", "az-secret-read", Category.EXPOSURE),
        ("az storage account show-connection-string -n st", "az-secret-read", Category.EXPOSURE),
        (
            "az servicebus namespace authorization-rule keys list -n r --namespace-name n",
            "az-secret-read",
            Category.EXPOSURE,
        ),
        ("az account set -s dev", "az-local", Category.WRITE),
        ("az config set defaults.group=rg", "az-local", Category.WRITE),
        ("az aks get-credentials -g rg -n c", "az-local", Category.WRITE),
        ("az login --use-device-code", "az-host", Category.WRITE),
        ("az extension add -n x", "az-host", Category.WRITE),
        ("az group create -n rg -l eastus", "az-create", Category.CREATE),
        ("az vm restart -g rg -n vm", "az-write", Category.WRITE),
        ("az keyvault secret set --vault-name kv -n s --value v", "az-write", Category.WRITE),
        (
            "az vm run-command invoke -g rg -n vm --command-id RunShellScript",
            "az-run-command",
            Category.WRITE,
        ),
        ("az container exec -g rg -n c --exec-command /bin/bash", "az-run-command", Category.WRITE),
        ("az vm delete -g rg -n vm --yes", "az-delete", Category.DELETE),
        # Complete mode deletes what the template omits; zero nodes stop everything
        (
            "az deployment group create -g rg -f t.json --mode Complete",
            "az-delete-stateful",
            Category.DELETE,
        ),
        ("az deployment group create -g rg -f t.json", "az-create", Category.CREATE),
        ("az aks scale -n c -g rg --node-count 0", "az-delete", Category.DELETE),
        ("az aks scale -n c -g rg --node-count 3", "az-write", Category.WRITE),
        ("az vmss scale -n s -g rg --new-capacity 0", "az-delete", Category.DELETE),
        ("az vm delete list", "az-delete", Category.DELETE),
        ("az --subscription s vm delete foo", "az-delete", Category.DELETE),
        (
            "az network dns record-set a remove-record -g rg -z z -n www",
            "az-delete",
            Category.DELETE,
        ),
        ("az group delete -n rg --yes", "az-delete-stateful", Category.DELETE),
        ("az sql db delete -g rg -s srv -n db", "az-delete-stateful", Category.DELETE),
        ("az keyvault purge -n kv", "az-delete-stateful", Category.DELETE),
        (
            "az storage blob delete-batch -s c --account-name st",
            "az-delete-stateful",
            Category.DELETE,
        ),
        ("az lock delete -n keep -g rg", "az-remove-protection", Category.DELETE),
        (
            "az role assignment create --assignee me --role Owner",
            "az-role-assignment",
            Category.PRIVILEGE,
        ),
        (
            "az role assignment delete --assignee me --role Reader",
            "az-role-assignment",
            Category.PRIVILEGE,
        ),
        (
            "az keyvault set-policy -n kv --object-id o --secret-permissions get",
            "az-role-assignment",
            Category.PRIVILEGE,
        ),
        (
            "az ad group member add --group g --member-id m",
            "az-role-assignment",
            Category.PRIVILEGE,
        ),
        ("az ad sp credential reset --id x", "az-role-assignment", Category.PRIVILEGE),
        (
            "az vm user update -g rg -n vm --username u --ssh-key-value k",
            "az-role-assignment",
            Category.PRIVILEGE,
        ),
        (
            "az storage blob generate-sas -c c -n b --permissions r",
            "az-exposure",
            Category.EXPOSURE,
        ),
        (
            "az disk grant-access -n d -g rg --duration-in-seconds 3600",
            "az-exposure",
            Category.EXPOSURE,
        ),
        (
            "az network nsg rule create -g rg --nsg-name n -n r --source-address-prefixes '*'",
            "az-exposure",
            Category.EXPOSURE,
        ),
        (
            "az storage container set-permission -n c --public-access off",
            "az-write",
            Category.WRITE,
        ),
        (
            "az rest --method delete --url https://management.azure.com/x",
            "az-delete",
            Category.DELETE,
        ),
        ("az vm", "az-unknown", Category.WRITE),
        ("az frobnicate things", "az-unknown", Category.WRITE),
    ],
)
def test_command_table(line: str, rule_id: str, category: Category) -> None:
    found = findings(line)[0]
    assert (found.rule_id, found.category) == (rule_id, category)


def test_blob_download_writes_its_local_file() -> None:
    line = "az storage blob download -c c -n b -f ~/.bashrc --account-name st"
    assert [(f.rule_id, f.scope) for f in findings(line)] == [
        ("az-read", Scope.REMOTE),
        ("cloud-download-write", Scope.HOST),
    ]


def test_data_losing_deletes_are_critical() -> None:
    for line in (
        "az group delete -n rg",
        "az sql server delete -n s -g rg",
        "az keyvault purge -n k",
    ):
        (found,) = findings(line)
        assert (found.risk, found.stateful) == (Risk.CRITICAL, True), line
    assert not findings("az vm delete -n vm -g rg")[0].stateful


def test_scopes() -> None:
    assert findings("az group delete -n rg")[0].scope is Scope.REMOTE
    assert findings("az account get-access-token")[0].scope is Scope.HOST
    assert findings("az account set -s dev")[0].scope is Scope.WORKSPACE
    assert findings("az login")[0].scope is Scope.HOST


@pytest.mark.parametrize(
    ("line", "assignments", "environment"),
    [
        ("az group delete -n rg --subscription prod-sub", {}, "production"),
        ("az --subscription=dev group delete -n rg", {}, "development"),
        ("az group delete -n rg", {"AZURE_SUBSCRIPTION_ID": "staging"}, "staging"),
        ("az account set -s prod", {}, "production"),
        ("az group delete -n rg", {}, None),
    ],
)
def test_environment(line: str, assignments: dict[str, str], environment: str | None) -> None:
    assert findings(line, CTX, **assignments)[0].environment == environment


@pytest.mark.parametrize(
    ("line", "risk"),
    [
        ("az storage fs file move -f fs -p a.txt --new-path fs/b.txt --account-name st",
         Risk.HIGH),
        ("az storage fs directory move -f fs -n logs --new-directory fs/old --account-name st",
         Risk.CRITICAL),
        ("az storage blob move -c c -s a -d b --account-name st", Risk.HIGH),
    ],
)  # fmt: skip
def test_storage_move_deletes_its_source(line: str, risk: Risk) -> None:
    (found,) = findings(line)
    assert (found.rule_id, found.category, found.risk) == (
        "az-delete-stateful",
        Category.DELETE,
        risk,
    )
    assert found.stateful


def test_resource_move_is_still_a_change() -> None:
    """Moving a resource between groups keeps its data: no delete."""
    (found,) = findings("az resource move --destination-group rg2 --ids x")
    assert found.rule_id == "az-write"

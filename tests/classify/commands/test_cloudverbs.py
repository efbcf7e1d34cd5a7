"""Shared reading of infrastructure lines, and the infrastructure families end to end.

The end-to-end part runs the corpus lines whose program is an infrastructure CLI
through the shell walker, the families and the floor, per CLI. Where interlock
disagrees with a guard's label on purpose, the line is named with the reason.
"""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.classify import assess
from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands import aws, azure, cloudverbs, gcloud, helm, iac, kubectl
from interlock.classify.commands import terraform as tf
from interlock.classify.commands.cloudverbs import (
    aws_accounts,
    read_only_sql,
    resolve,
    split_words,
    sql_deletes,
)
from interlock.config import default_config
from interlock.models import Action, ActionKind, Category, Verdict
from interlock.policy import decide
from tests.conftest import CORPUS

CONFIG = default_config()
CTX = CommandContext(CONFIG)
HANDLERS = {
    **tf.HANDLERS, **iac.HANDLERS, **kubectl.HANDLERS, **helm.HANDLERS, **aws.HANDLERS,
    **gcloud.HANDLERS, **azure.HANDLERS,
}  # fmt: skip
FAMILY_MODULES = (tf, iac, kubectl, helm, aws, gcloud, azure, cloudverbs)
RULE_IDS = {r.rule_id for m in FAMILY_MODULES for r in m.RULES}


def test_split_words_binds_values_only_for_known_flags() -> None:
    words = split_words(
        ["--subscription", "delete", "vm", "list", "-g", "rg"], frozenset({"--subscription"})
    )
    assert words.path == ("vm", "list")
    assert words.value("--subscription") == "delete"
    assert words.positionals == ("vm", "list", "rg")
    assert words.has("-g")
    assert words.value("-g") is None


def test_split_words_equals_form_and_double_dash() -> None:
    words = split_words(["exec", "--context=prod", "pod", "--", "rm", "-rf", "/"])
    assert words.value("--context") == "prod"
    assert words.after_dashdash == ("rm", "-rf", "/")
    assert words.positionals == ("exec", "pod")


def test_split_words_greedy_mode_spares_switches() -> None:
    args = ["--profile", "p", "rds", "delete-db-instance", "--db-instance-identifier", "db",
            "--skip-final-snapshot", "--no-deletion-protection", "help"]  # fmt: skip
    words = split_words(
        args, frozenset({"--profile"}), switches=frozenset({"--skip-final-snapshot"})
    )
    assert words.positionals == ("rds", "delete-db-instance", "help")
    assert words.value("--db-instance-identifier") == "db"
    assert words.has("--skip-final-snapshot", "--no-deletion-protection")


@pytest.mark.parametrize(
    ("sql", "read_only", "deletes"),
    [
        ("SELECT * FROM t", True, False),
        ("  -- c\nselect 1", True, False),
        ("/* drop table x */ SELECT 1", True, False),
        ("SELECT 'DROP TABLE t'", True, False),
        ("WITH c AS (SELECT 1) SELECT * FROM c", True, False),
        ("SHOW TABLES", True, False),
        ("EXPLAIN ANALYZE SELECT 1", True, False),
        ("WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c", False, False),
        ("SELECT 1; DROP TABLE t", False, True),
        ("SELECT 1;", True, False),
        ("DELETE FROM t", False, True),
        ("TRUNCATE TABLE t", False, True),
        ("ALTER TABLE t DROP COLUMN c", False, True),
        ("CALL p()", False, False),
        ("-- only a comment", False, False),
        ("", False, False),
        (None, False, False),
    ],
)
def test_sql_reading(sql: str | None, read_only: bool, deletes: bool) -> None:
    assert read_only_sql(sql) is read_only
    assert sql_deletes(sql) is deletes


def test_aws_accounts_from_arns_and_queue_urls() -> None:
    args = [
        "arn:aws:iam::123456789012:role/x",
        "https://sqs.eu-west-1.amazonaws.com/210987654321/q",
    ]
    assert aws_accounts(args) == ["123456789012", "210987654321"]
    assert aws_accounts(["arn:aws:s3:::bucket", "i-123"]) == []


def test_resolve_takes_the_first_match_and_the_forced_environment_wins() -> None:
    assert resolve(CTX, ("kube_contexts", "minikube"), ("kube_contexts", "prod")) == "production"
    assert resolve(CTX, ("kube_contexts", None)) is None
    forced = CommandContext(CONFIG, environment="staging")
    assert resolve(forced, ("kube_contexts", "prod")) == "staging"


def test_rule_ids_are_unique_across_the_infrastructure_families() -> None:
    ids = [r.rule_id for m in FAMILY_MODULES for r in m.RULES]
    assert len(ids) == len(set(ids))
    assert cloudverbs.HANDLERS == {}


# --- properties ----------------------------------------------------------------------

_NOISY = ["delete", "rm", "--force", "-n", "--", "help", "--help", "list", "get", "s3://b"]
_NOISY += ["--recursive", "-r", "$X", "=", "-", "--profile", "prod", "cp", "gs://b/k", "./x"]
_WORDS = st.one_of(st.sampled_from(_NOISY), st.text(max_size=12))


@settings(max_examples=200, deadline=None)
@given(program=st.sampled_from(sorted(HANDLERS)), args=st.lists(_WORDS, max_size=8))
def test_any_arguments_yield_findings_of_known_rules(program: str, args: list[str]) -> None:
    text = " ".join([program, *args])
    cmd = SimpleCommand(argv=(program, *args), text=text)
    found = list(HANDLERS[program](cmd, CTX))
    assert 1 <= len(found) <= 3
    assert all(f.evidence == text for f in found)
    assert {f.rule_id for f in found} <= RULE_IDS


_NOISE = ["--output", "json", "--region", "us-east-1", "-o", "yaml"]
_DELETES = [
    "aws s3 rb s3://b --force", "kubectl delete ns x", "gcloud sql instances delete x",
    "az group delete -n rg", "terraform destroy", "helm uninstall web",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(noise=st.lists(st.sampled_from(_NOISE), max_size=4))
def test_noise_flags_never_turn_a_delete_into_a_read(noise: list[str]) -> None:
    for line in _DELETES:
        argv = (*shlex.split(line), *noise)
        found = next(iter(HANDLERS[argv[0]](SimpleCommand(argv=argv, text=" ".join(argv)), CTX)))
        assert found.category is Category.DELETE, argv


# --- the corpus, end to end ------------------------------------------------------------

_PROGRAM = re.compile(
    r"^(terraform|tofu|terragrunt|cdk|pulumi|kubectl|oc|helm|aws|awslocal|gcloud|gsutil|bq|az)\b"
)

#: Dippy ``safe`` lines interlock does not allow on purpose.
DIPPY_SAFE_NOT_ALLOWED: dict[str, str] = {
    "terraform refresh": "rewrites remote state; a provider misconfiguration forgets resources",
    "terraform refresh -target=aws_instance.foo": "rewrites remote state",
    "terraform test": "terraform test applies and destroys real infrastructure",
    "terraform test -json": "terraform test applies and destroys real infrastructure",
    "terraform test -filter=test_file.tftest.hcl": "terraform test applies real infrastructure",
    **dict.fromkeys(
        (
            "az account get-access-token",
            "az account get-access-token --resource-type ms-graph",
            "az acr credential show --name myacr",
            "az cosmosdb keys list --name myaccount -g mygroup",
            "az functionapp deployment list-publishing-profiles --name myfunc -g mygroup",
            "az functionapp keys list --name myfunc -g mygroup",
            "az keyvault secret show --name mysecret --vault-name myvault",
            "az redis list-keys --name myredis -g mygroup",
            "az redis list-keys -g mygroup -n myredis",
            "az servicebus namespace authorization-rule keys list --name RootManageSharedAccessKey"
            " --namespace-name mynamespace -g mygroup",
            "az storage account keys list --account-name myaccount -g mygroup",
            "az storage account show-connection-string --name myaccount -g mygroup",
            "az storage account show-connection-string -n mystorageaccount",
            "az webapp deployment list-publishing-credentials --name myapp -g mygroup",
            "az webapp deployment list-publishing-profiles --name myapp -g mygroup",
        ),
        "prints credentials (keys, tokens, connection strings) to the agent",
    ),
}

#: dcg ``safe`` lines interlock holds on purpose.
DCG_SAFE_HELD: dict[str, str] = {
    "kubectl delete namespace prod": "deletes a namespace and all it holds, context unknown",
    "kubectl delete all --all": "deletes every workload in the namespace, context unknown",
}


@cache
def _verdicts() -> tuple[tuple[str, str, str, str, Verdict], ...]:
    out = []
    for name in ("dippy.jsonl", "dcg.jsonl"):
        with (CORPUS / "commands" / name).open(encoding="utf-8") as fh:
            for raw in fh:
                row = json.loads(raw)
                match = _PROGRAM.match(row["command"])
                if match is None:
                    continue
                action = Action(ActionKind.SHELL, row["command"])
                verdict = decide(assess(action, CONFIG), CONFIG).verdict
                out.append((name, match.group(1), row["command"], row["label"], verdict))
    return tuple(out)


def test_dippy_safe_infrastructure_lines_are_allowed() -> None:
    rows = [r for r in _verdicts() if r[0] == "dippy.jsonl" and r[3] == "safe"]
    refused = {r[2] for r in rows if r[4] is not Verdict.ALLOW}
    assert refused - DIPPY_SAFE_NOT_ALLOWED.keys() == set()
    allowed = Counter(r[1] for r in rows if r[4] is Verdict.ALLOW)
    total = Counter(r[1] for r in rows)
    for program in ("aws", "gcloud", "kubectl", "helm", "cdk"):
        assert allowed[program] == total[program], program
    assert sum(allowed.values()) >= 0.98 * sum(total.values())


def test_dippy_confirmation_lines_are_mostly_not_allowed() -> None:
    rows = [r for r in _verdicts() if r[0] == "dippy.jsonl" and r[3] == "needs_confirmation"]
    stopped = sum(r[4] is not Verdict.ALLOW for r in rows)
    # Allowed on purpose: local chart/project housekeeping (helm pull/package, cdk init),
    # client configuration (kubectl config use-context), dry runs and downloads.
    assert stopped >= 0.9 * len(rows)


def test_dcg_infrastructure_lines() -> None:
    rows = [r for r in _verdicts() if r[0] == "dcg.jsonl"]
    dangerous = [r for r in rows if r[3] == "dangerous"]
    assert dangerous
    assert [r[2] for r in dangerous if r[4] is Verdict.ALLOW] == []
    held = {r[2] for r in rows if r[3] == "safe" and r[4] in (Verdict.HOLD, Verdict.DENY)}
    assert held == DCG_SAFE_HELD.keys()


def test_named_exceptions_still_occur() -> None:
    lines = {r[2] for r in _verdicts()}
    assert DIPPY_SAFE_NOT_ALLOWED.keys() <= lines
    assert DCG_SAFE_HELD.keys() <= lines

"""gcloud, gsutil and bq lines: command words, data-holding groups, projects."""

from __future__ import annotations

import shlex

import pytest

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands import gcloud
from interlock.config import default_config
from interlock.models import Category, Finding, Risk, Scope

CTX = CommandContext(default_config())


def findings(line: str, ctx: CommandContext = CTX, **assignments: str) -> list[Finding]:
    cmd = SimpleCommand(argv=tuple(shlex.split(line)), text=line, assignments=assignments)
    return list(gcloud.HANDLERS[cmd.program](cmd, ctx))


@pytest.mark.parametrize(
    ("line", "rule_id", "category"),
    [
        ("gcloud compute instances list --project p", "gcloud-read", Category.READ),
        ("gcloud --project delete compute instances list", "gcloud-read", Category.READ),
        ("gcloud --format delete compute instances list", "gcloud-read", Category.READ),
        ("gcloud compute instances describe delete", "gcloud-read", Category.READ),
        ("gcloud run services list", "gcloud-read", Category.READ),
        ("gcloud beta run services describe s", "gcloud-read", Category.READ),
        ("gcloud logging read 'severity>=ERROR'", "gcloud-read", Category.READ),
        ("gcloud functions logs read f", "gcloud-read", Category.READ),
        ("gcloud projects get-iam-policy p", "gcloud-read", Category.READ),
        ("gcloud config list", "gcloud-read", Category.READ),
        ("gcloud compute instances delete --help", "gcloud-read", Category.READ),
        ("gcloud help compute", "gcloud-read", Category.READ),
        ("gcloud secrets versions access 1 --secret=s", "gcloud-secret-read", Category.EXPOSURE),
        ("gcloud auth print-access-token", "gcloud-secret-read", Category.EXPOSURE),
        (
            "gcloud kms decrypt --key=k --ciphertext-file=c --plaintext-file=p",
            "gcloud-secret-read",
            Category.EXPOSURE,
        ),
        ("gcloud config set project p", "gcloud-local", Category.WRITE),
        ("gcloud container clusters get-credentials c", "gcloud-local", Category.WRITE),
        ("gcloud auth login", "gcloud-local", Category.WRITE),
        ("gcloud components install kubectl", "gcloud-local", Category.WRITE),
        ("gcloud init", "gcloud-local", Category.WRITE),
        ("gcloud compute instances create vm", "gcloud-create", Category.CREATE),
        ("gcloud compute disks snapshot d --snapshot-names=s", "gcloud-create", Category.CREATE),
        ("gcloud run deploy s --image=i", "gcloud-write", Category.WRITE),
        ("gcloud compute instances stop vm", "gcloud-write", Category.WRITE),
        ("gcloud sql export sql i gs://b/d.sql", "gcloud-write", Category.WRITE),
        ("gcloud pubsub topics publish t --message=hi", "gcloud-write", Category.WRITE),
        ("gcloud compute instances delete vm", "gcloud-delete-stateful", Category.DELETE),
        ("gcloud container clusters resize c --num-nodes 0", "gcloud-delete", Category.DELETE),
        ("gcloud container clusters resize c --num-nodes 3", "gcloud-write", Category.WRITE),
        (
            "gcloud compute instance-groups managed resize g --size=0",
            "gcloud-delete",
            Category.DELETE,
        ),
        ("gcloud compute instances delete list", "gcloud-delete-stateful", Category.DELETE),
        (
            "gcloud sql instances patch db --no-deletion-protection",
            "gcloud-delete",
            Category.DELETE,
        ),
        ("gcloud --project=p compute firewall-rules delete r", "gcloud-delete", Category.DELETE),
        ("gcloud sql instances delete ledger", "gcloud-delete-stateful", Category.DELETE),
        ("gcloud container clusters delete c", "gcloud-delete-stateful", Category.DELETE),
        ("gcloud compute disks delete d", "gcloud-delete-stateful", Category.DELETE),
        ("gcloud projects delete p", "gcloud-delete-stateful", Category.DELETE),
        ("gcloud secrets versions destroy 1 --secret=s", "gcloud-delete-stateful", Category.DELETE),
        ("gcloud storage rm --recursive gs://b", "gcloud-delete-stateful", Category.DELETE),
        ("gcloud storage rm gs://b/o", "gcloud-delete", Category.DELETE),
        (
            "gcloud projects add-iam-policy-binding p --member=user:x --role=roles/owner",
            "gcloud-iam-grant",
            Category.PRIVILEGE,
        ),
        (
            "gcloud iam service-accounts keys create k.json --iam-account=sa",
            "gcloud-iam-grant",
            Category.PRIVILEGE,
        ),
        ("gcloud iap web set-iam-policy p.json", "gcloud-iam-grant", Category.PRIVILEGE),
        ("gcloud compute ssh vm --zone=z", "gcloud-ssh", Category.WRITE),
        ("gcloud compute instances", "gcloud-unknown", Category.WRITE),
        ("gsutil ls -l gs://b", "gcloud-read", Category.READ),
        ("gsutil -m cp gs://b/o ./o", "gcloud-read", Category.READ),
        ("gsutil iam get gs://b", "gcloud-read", Category.READ),
        ("gsutil cp ./o gs://b/o", "gcloud-write", Category.WRITE),
        ("gsutil mb -p p gs://b", "gcloud-create", Category.CREATE),
        ("gsutil rm gs://b/o", "gcloud-delete", Category.DELETE),
        ("gsutil -m rm -r gs://b", "gcloud-delete-stateful", Category.DELETE),
        ("gsutil rm gs://b/**", "gcloud-delete-stateful", Category.DELETE),
        ("gsutil rb gs://b", "gcloud-delete-stateful", Category.DELETE),
        ("gsutil rsync -r -d ./site gs://b", "gcloud-delete-stateful", Category.DELETE),
        ("gsutil iam ch allUsers:objectViewer gs://b", "gcloud-iam-grant", Category.PRIVILEGE),
        ("gsutil signurl key.json gs://b/o", "gcloud-secret-read", Category.EXPOSURE),
        ("gsutil lifecycle set l.json gs://b", "gcloud-write", Category.WRITE),
        ("bq ls --project_id=p", "gcloud-read", Category.READ),
        ("bq query --use_legacy_sql=false 'SELECT 1'", "gcloud-read", Category.READ),
        ("bq query --dry_run 'DELETE FROM d.t WHERE true'", "gcloud-read", Category.READ),
        ("bq query 'DELETE FROM d.t WHERE true'", "gcloud-delete-stateful", Category.DELETE),
        ("bq query --destination_table d.t 'SELECT 1'", "gcloud-sql-change", Category.WRITE),
        ("bq rm -r -f ds", "gcloud-delete-stateful", Category.DELETE),
        ("bq mk ds", "gcloud-create", Category.CREATE),
        ("bq cp -f d.a d.b", "gcloud-write", Category.REPLACE),
        ("bq frobnicate", "gcloud-unknown", Category.WRITE),
    ],
)
def test_command_table(line: str, rule_id: str, category: Category) -> None:
    found = findings(line)[0]
    assert (found.rule_id, found.category) == (rule_id, category)


@pytest.mark.parametrize(
    ("line", "local"),
    [
        ("gsutil -m cp gs://b/o ./o", [("cloud-download-write", Scope.WORKSPACE)]),
        ("gsutil cp gs://b/o ~/.ssh/authorized_keys", [("cloud-download-write", Scope.HOST)]),
        (
            "gsutil rsync -r -d gs://b /srv/site",
            [("cloud-download-write", Scope.HOST), ("cloud-download-delete", Scope.HOST)],
        ),
        ("gcloud storage cp gs://b/o ./o", [("cloud-download-write", Scope.WORKSPACE)]),
        ("gsutil cp ./o gs://b/o", []),
    ],
)
def test_downloads_also_write_locally(line: str, local: list[tuple[str, Scope]]) -> None:
    first, *rest = findings(line)
    assert first.rule_id.startswith("gcloud-")
    assert [(f.rule_id, f.scope) for f in rest] == local


def test_bq_query_from_stdin_is_judged_by_its_sql() -> None:
    cmd = SimpleCommand(argv=("bq", "query"), text="bq query <<EOF", stdin="DROP TABLE d.t")
    (found,) = gcloud.handle_bq(cmd, CTX)
    assert found.rule_id == "gcloud-delete-stateful"


def test_data_losing_deletes_are_critical() -> None:
    for line in ("gcloud sql instances delete x", "gsutil rb gs://b", "bq rm -r -f ds"):
        (found,) = findings(line)
        assert (found.risk, found.stateful) == (Risk.CRITICAL, True), line


def test_scopes() -> None:
    assert findings("gcloud compute instances delete vm")[0].scope is Scope.REMOTE
    assert findings("gcloud config set project p")[0].scope is Scope.WORKSPACE
    assert findings("gcloud auth login")[0].scope is Scope.HOST
    assert findings("gcloud secrets versions access 1 --secret=s")[0].scope is Scope.HOST


@pytest.mark.parametrize(
    ("line", "assignments", "environment"),
    [
        ("gcloud --project prod-123 sql instances delete x", {}, "production"),
        ("gcloud --project ledger-123 sql instances delete x", {}, None),
        ("gcloud --project=acme-prod sql instances delete x", {}, "production"),
        ("gcloud sql instances delete x --project acme-dev", {}, "development"),
        ("gcloud sql instances delete x", {"CLOUDSDK_CORE_PROJECT": "acme-prod"}, "production"),
        ("gsutil -u acme-prod rb gs://b", {}, "production"),
        ("bq --project_id=acme-staging rm -r -f ds", {}, "staging"),
        ("gcloud sql instances delete x", {}, None),
    ],
)
def test_environment(line: str, assignments: dict[str, str], environment: str | None) -> None:
    assert findings(line, CTX, **assignments)[0].environment == environment


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # mv deletes each source object once it is copied: the source is judged as rm
        ("gsutil mv gs://a/k gs://b/k", [("gcloud-delete", Category.DELETE, Risk.HIGH)]),
        ("gsutil mv gs://a/** gs://b/", [("gcloud-delete-stateful", Category.DELETE,
                                          Risk.CRITICAL)]),
        ("gsutil -m mv -r gs://a/logs gs://b/", [("gcloud-delete-stateful", Category.DELETE,
                                                  Risk.CRITICAL)]),
        ("gcloud storage mv gs://a/k gs://b/k", [("gcloud-delete", Category.DELETE, Risk.HIGH)]),
        ("gcloud storage mv --recursive gs://a gs://b", [("gcloud-delete-stateful",
                                                          Category.DELETE, Risk.CRITICAL)]),
        ("gsutil mv gs://a/k ~/k", [("gcloud-delete", Category.DELETE, Risk.HIGH),
                                    ("cloud-download-write", Category.WRITE, Risk.HIGH)]),
        # from the local disk: the upload writes the bucket and deletes the local file
        ("gsutil mv ~/x gs://b/x", [("gcloud-write", Category.WRITE, Risk.MEDIUM),
                                    ("cloud-upload-delete", Category.DELETE, Risk.HIGH)]),
        ("gcloud storage mv ~/x gs://b/", [("gcloud-write", Category.WRITE, Risk.MEDIUM),
                                           ("cloud-upload-delete", Category.DELETE, Risk.HIGH)]),
        ("gsutil cp gs://a/k gs://b/k", [("gcloud-write", Category.WRITE, Risk.MEDIUM)]),
    ],
)  # fmt: skip
def test_mv_deletes_its_source(line: str, expected: list[tuple[str, Category, Risk]]) -> None:
    assert [(f.rule_id, f.category, f.risk) for f in findings(line)] == expected


def test_mv_of_several_local_files_deletes_each() -> None:
    found = findings("gsutil mv ~/a ~/b gs://x/")
    deleted = [f.target for f in found if f.rule_id == "cloud-upload-delete"]
    assert deleted == ["~/a", "~/b"]

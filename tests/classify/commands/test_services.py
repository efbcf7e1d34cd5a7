"""Service CLIs: secret stores, backups, brokers, CI systems, hosted platforms."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import (
    rule_ids,
    verdict,
)


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("vault kv get secret/app", Verdict.ALLOW, "service-read"),
        ("vault kv put secret/app k=v", Verdict.ASK, "service-write"),
        ("vault secrets disable secret/", Verdict.HOLD, "service-delete"),
        # minting credentials and changing access is a privilege, held like a delete
        ("vault token create -policy=root", Verdict.HOLD, "service-privilege"),
        ("vault token lookup", Verdict.ALLOW, "service-read"),
        ("vault policy write admin admin.hcl", Verdict.HOLD, "service-privilege"),
        ("vault policy list", Verdict.ALLOW, "service-read"),
        ("vault write auth/userpass/users/eve password=x policies=root", Verdict.HOLD,
         "service-privilege"),
        ("vault write secret/app k=v", Verdict.ASK, "service-write"),
        ("vault operator generate-root -init", Verdict.HOLD, "service-privilege"),
        ("vault operator raft list-peers", Verdict.ALLOW, "service-read"),
        ("consul acl token create -policy-name global-management", Verdict.HOLD,
         "service-privilege"),
        ("consul acl policy list", Verdict.ALLOW, "service-read"),
        ("vault kv destroy -versions=1-3 secret/app", Verdict.HOLD, "service-delete"),
        ("op item list --vault Engineering", Verdict.ALLOW, "service-read"),
        ("op item delete 'Database Password'", Verdict.HOLD, "service-delete"),
        ("doppler secrets delete API_KEY --project backend --config prod --yes",
         Verdict.HOLD, "service-delete"),
        ("restic snapshots", Verdict.ALLOW, "service-read"),
        ("restic backup /srv/data", Verdict.ASK, "service-write"),
        ("restic forget --keep-last 1 --prune", Verdict.HOLD, "service-delete"),
        ("borg delete repo::archive", Verdict.HOLD, "service-delete"),
        ("rclone ls remote:bucket", Verdict.ALLOW, "service-read"),
        ("rclone copy /data remote:bucket", Verdict.ASK, "service-write"),
        ("rclone sync /empty remote:important-bucket", Verdict.HOLD, "service-delete"),
        ("rclone sync /src remote:bucket --dry-run", Verdict.ALLOW, "service-read"),
        ("velero backup delete daily --confirm", Verdict.HOLD, "service-delete"),
        ("kafka-topics --bootstrap-server localhost:9092 --list", Verdict.ALLOW,
         "service-read"),
        ("kafka-topics --bootstrap-server localhost:9092 --delete --topic orders",
         Verdict.HOLD, "service-delete"),
        ("kafka-topics --bootstrap-server localhost:9092 --create --topic t", Verdict.ASK,
         "service-write"),
        ("rabbitmqctl list_queues", Verdict.ALLOW, "service-read"),
        ("rabbitmqctl delete_vhost /prod", Verdict.HOLD, "service-delete"),
        ("nats stream purge ORDERS", Verdict.HOLD, "service-delete"),
        ("circleci context delete org/x context/prod", Verdict.HOLD, "service-delete"),
        ("gitlab-runner unregister --all-runners", Verdict.HOLD, "service-delete"),
        ("java -jar jenkins-cli.jar -s http://jenkins.local/ list-jobs", Verdict.ALLOW,
         "service-read"),
        ("java -jar jenkins-cli.jar -s http://jenkins.local/ delete-job deploy-prod",
         Verdict.HOLD, "service-delete"),
        ("java -jar build/app.jar", Verdict.ALLOW, "service-write"),
        ("auth0 apps list", Verdict.ALLOW, "service-read"),
        ("auth0 api users", Verdict.ALLOW, "service-read"),
        ("auth0 api delete users/1", Verdict.HOLD, "service-delete"),
        ("packer validate template.pkr.hcl", Verdict.ALLOW, "service-read"),
        ("packer build template.pkr.hcl", Verdict.ASK, "service-write"),
    ],
)  # fmt: skip
def test_service_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected

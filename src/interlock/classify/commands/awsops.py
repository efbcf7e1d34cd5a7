"""What an AWS CLI operation does, from its service and operation name.

AWS API operations are named verb-first (``DescribeInstances`` becomes
``describe-instances`` in the CLI), and the verb says whether the call reads
(``describe``, ``get``, ``list`` ...), creates, changes or deletes. This module turns
``(service, operation, flags)`` into a judgement; ``aws.py`` turns that into a
finding. The tables are explicit where the verb alone misleads: secret reads
(``secretsmanager get-secret-value``), credential and policy grants (``iam
attach-role-policy``, ``lambda add-permission``), public exposure (``s3api
put-bucket-policy``, security groups opened to ``0.0.0.0/0``), KMS key deletion,
removal of deletion protection, services or groups scaled to zero, and the
data-holding resources whose deletion loses data (RDS, DynamoDB, S3, EBS, EFS ...).
An operation that matches nothing is a change of unknown kind, never a read.
"""

from __future__ import annotations

from typing import NamedTuple

from interlock.classify.commands.cloudverbs import Words
from interlock.models import Category, Risk


class OpJudgement(NamedTuple):
    """What one operation does: a rule id, how bad, and in words.

    A named tuple (one is made per ``aws`` command checked): built several times
    faster than a frozen dataclass, and just as immutable.
    """

    rule_id: str
    what: str
    category: Category | None = None
    risk: Risk | None = None
    stateful: bool = False


_READ_PREFIXES = (
    "describe-", "get-", "list-", "head-", "lookup-", "search-", "batch-get-",
    "transact-get-", "validate-", "estimate-", "preview-", "simulate-", "check-", "detect-",
    "download-", "filter-", "query-", "scan-", "view-", "discover-", "test-",
)  # fmt: skip
_READ_EXACT = frozenset(
    {"scan", "query", "tail", "wait", "help", "receive-message", "ls", "start-query",
     "stop-query", "start-live-tail", "generate-credential-report", "verify",
     "generate-service-last-accessed-details", "generate-organizations-access-report",
     "decode-authorization-message", "select-object-content", "get-records"}
)  # fmt: skip
_SECRET_READS = frozenset(
    {("secretsmanager", "get-secret-value"), ("secretsmanager", "batch-get-secret-value"),
     ("kms", "decrypt"), ("sts", "assume-role"), ("sts", "assume-role-with-saml"),
     ("sts", "assume-role-with-web-identity"), ("sts", "get-federation-token"),
     ("lightsail", "get-instance-access-details"),
     ("rds", "generate-db-auth-token"), ("ecr-public", "get-login-password")}
)  # fmt: skip
_DECRYPTING = frozenset(
    {"get-parameter", "get-parameters", "get-parameters-by-path", "get-parameter-history"}
)
_IAM_GRANTS = frozenset(
    {"attach-user-policy", "attach-role-policy", "attach-group-policy", "put-user-policy",
     "put-role-policy", "put-group-policy", "create-access-key", "create-login-profile",
     "update-login-profile", "update-assume-role-policy", "add-user-to-group",
     "add-role-to-instance-profile", "create-policy-version", "set-default-policy-version",
     "delete-user-permissions-boundary", "delete-role-permissions-boundary",
     "create-service-specific-credential", "upload-ssh-public-key", "update-access-key",
     "upload-signing-certificate", "create-saml-provider", "create-open-id-connect-provider",
     "add-client-id-to-open-id-connect-provider", "update-open-id-connect-provider-thumbprint",
     "change-password", "reset-service-specific-credential"}
)  # fmt: skip
_GRANTS = frozenset(
    {("lambda", "add-permission"), ("lambda", "add-layer-version-permission"),
     ("sqs", "add-permission"), ("sns", "add-permission"), ("kms", "create-grant"),
     ("kms", "put-key-policy"), ("secretsmanager", "put-resource-policy"),
     ("ecr", "set-repository-policy"), ("ec2-instance-connect", "send-ssh-public-key"),
     ("cognito-idp", "admin-add-user-to-group"), ("cognito-idp", "admin-set-user-password"),
     ("sso-admin", "create-account-assignment"),
     ("sso-admin", "put-inline-policy-to-permission-set"),
     ("sso-admin", "attach-managed-policy-to-permission-set"), ("logs", "put-resource-policy"),
     ("identitystore", "create-group-membership"), ("events", "put-permission"),
     ("glacier", "set-vault-access-policy"), ("backup", "put-backup-vault-access-policy"),
     ("s3control", "put-access-point-policy"), ("iam", "pass-role"),
     ("organizations", "attach-policy"), ("ram", "create-resource-share")}
)  # fmt: skip
_EXPOSURES = frozenset(
    {("s3api", "put-bucket-policy"), ("s3api", "put-bucket-acl"), ("s3api", "put-object-acl"),
     ("s3api", "put-public-access-block"), ("s3api", "delete-public-access-block"),
     ("s3api", "put-bucket-website"), ("s3control", "delete-public-access-block"),
     ("ec2", "authorize-security-group-ingress"), ("ec2", "authorize-security-group-egress"),
     ("ec2", "modify-snapshot-attribute"), ("ec2", "modify-image-attribute"),
     ("rds", "modify-db-snapshot-attribute"), ("rds", "modify-db-cluster-snapshot-attribute"),
     ("lambda", "create-function-url-config"), ("lightsail", "open-instance-public-ports"),
     ("ec2", "disable-image-block-public-access"), ("ec2", "modify-instance-metadata-options")}
)  # fmt: skip
_RUN_COMMAND = frozenset(
    {("ssm", "send-command"), ("ssm", "start-session"), ("ecs", "execute-command"),
     ("ssm", "start-automation-execution"), ("ec2", "send-serial-console-ssh-public-key")}
)  # fmt: skip
_KMS_KILL = frozenset({"schedule-key-deletion", "disable-key", "delete-imported-key-material"})
_PROTECTION_FLAGS = frozenset(
    {"--no-deletion-protection", "--no-deletion-protection-enabled",
     "--no-enable-termination-protection", "--no-disable-api-termination",
     "--no-disable-api-stop", "--delete-automated-backups"}
)  # fmt: skip
_DELETE_PREFIXES = (
    "delete-", "terminate-", "remove-", "deregister-", "detach-", "disassociate-", "revoke-",
    "purge-", "batch-delete-", "release-", "abort-", "unsubscribe", "empty-",
)  # fmt: skip
_MILD_DELETES = ("detach-", "disassociate-", "deregister-", "revoke-", "abort-", "unsubscribe")
_CREATE_PREFIXES = (
    "create-", "run-", "allocate-", "copy-", "restore-", "request-", "import-", "clone-",
    "provision-", "launch-", "add-", "register-", "publish-", "issue-", "generate-",
)  # fmt: skip
_WRITE_PREFIXES = (
    "put-", "update-", "modify-", "set-", "start-", "stop-", "reboot-", "send-", "invoke",
    "enable-", "disable-", "associate-", "attach-", "tag-", "untag-", "accept-", "reject-",
    "change-", "replace-", "rotate-", "upload-", "apply-", "execute-", "signal-", "confirm-",
    "admin-", "reset-", "cancel-", "increase-", "decrease-", "split-", "merge-", "subscribe",
    "resize-", "promote-", "failover-", "switchover-", "continue-", "resume-", "pause-",
    "authorize-", "encrypt", "sign", "re-encrypt", "retry-", "rollback-", "undeploy-",
    "deploy", "sync-", "push-", "publish", "resend-", "notify-", "activate-", "deactivate-",
    "transact-write-", "batch-write-", "batch-", "respond-", "recover-", "refresh-", "move-",
)  # fmt: skip

#: Nouns whose deletion loses data or an irreplaceable container of data.
_CRITICAL_NOUNS = (
    "db-instance", "db-cluster", "table", "bucket", "file-system", "cluster", "stack",
    "user-pool", "hosted-zone", "backup-vault", "recovery-point", "domain", "ledger",
    "replication-group", "cache-cluster", "keyspace", "database", "global-table",
    "elasticsearch-domain", "environment", "repository", "namespace", "workgroup",
)  # fmt: skip
_STATEFUL_NOUNS = (
    *_CRITICAL_NOUNS, "snapshot", "volume", "backup", "object", "secret", "parameter",
    "queue", "image", "log-group", "log-stream", "stream", "item", "archive", "vault",
    "db-", "cache-", "job-flows", "instances", "instance", "disk", "graph", "index",
    "collection", "data-source", "dataset", "model", "bucket-", "topic", "broker",
)  # fmt: skip


#: The commonest judgement, made once: judgements are frozen.
ONLY_READS = OpJudgement("aws-read", "only reads")


def judge_operation(service: str, op: str, words: Words, args: tuple[str, ...]) -> OpJudgement:
    """Judge ``aws SERVICE OP`` with its flags."""
    key = (service, op)
    options = words.options
    if op == "help" or "help" in words.positionals[2:] or "--help" in options:
        return OpJudgement("aws-read", "shows help")
    if "--dry-run" in options and "--no-dry-run" not in options:
        return OpJudgement("aws-read", "is a dry run: nothing changes")
    if key in _SECRET_READS or (
        service == "ssm" and op in _DECRYPTING and "--with-decryption" in options
    ):
        return OpJudgement("aws-secret-read", "reveals secret values or credentials")
    plain = op.removeprefix("admin-")
    if op in _READ_EXACT or (plain.startswith(_READ_PREFIXES) and not op.startswith("test-invoke")):
        # Secret reads were judged above; no table below holds a reading verb.
        return ONLY_READS
    special = _special(service, op, words, args)
    if special is not None:
        return special
    if op.startswith(_DELETE_PREFIXES):
        return _judge_delete(service, op, words)
    if op.startswith(_CREATE_PREFIXES):
        return OpJudgement("aws-create", "creates resources")
    if op.startswith(_WRITE_PREFIXES):
        return OpJudgement("aws-write", "changes resources")
    return OpJudgement("aws-unknown", "is an operation interlock does not know: judged a change")


def _special(service: str, op: str, words: Words, args: tuple[str, ...]) -> OpJudgement | None:
    """Operations whose verb alone misleads; ``None`` when the verb tells the truth."""
    key = (service, op)
    if service == "iam" and op in _IAM_GRANTS:
        return OpJudgement("aws-iam-grant", "grants IAM permissions or credentials")
    if key in _GRANTS:
        return OpJudgement("aws-resource-policy", "grants access through a resource policy")
    if key in _EXPOSURES:
        return _exposure(op, args)
    if key in _RUN_COMMAND:
        return OpJudgement(
            "aws-run-command", "runs commands on instances, unreviewed", risk=Risk.HIGH
        )
    if service == "kms" and op in _KMS_KILL:
        text = "disables or deletes the key: data encrypted under it becomes unreadable"
        return OpJudgement("aws-kms-schedule-deletion", text, risk=Risk.CRITICAL, stateful=True)
    if _scales_to_zero(words):
        return OpJudgement("aws-scale-zero", "scales the service or group to zero", risk=Risk.HIGH)
    if any(f in words.options for f in _PROTECTION_FLAGS) or _retention_zero(words):
        text = "removes deletion protection or automated backups"
        return OpJudgement("aws-remove-protection", text, stateful=True)
    if service == "cloudformation" and op == "execute-change-set":
        # the change set is the reviewable plan (``--plan`` reads describe-change-set)
        return OpJudgement("aws-write", "executes a change set", risk=Risk.HIGH)
    if service == "cloudformation" and op in ("deploy", "update-stack"):
        if words.has("--no-execute-changeset"):
            return OpJudgement("aws-create", "creates a change set without executing it")
        return OpJudgement(
            "aws-unreviewed-stack-change",
            "applies stack changes without a reviewed change set",
            risk=Risk.HIGH,
        )
    if service == "route53" and op == "change-resource-record-sets":
        deletes = any(
            '"DELETE"' in v or "Action=DELETE" in v for v in words.values("--change-batch")
        )
        if deletes:
            return OpJudgement("aws-delete", "deletes DNS records", risk=Risk.HIGH)
        return OpJudgement("aws-write", "changes DNS records", risk=Risk.HIGH)
    if op == "update-kubeconfig":
        return OpJudgement("aws-local", "writes the local kubeconfig", risk=Risk.LOW)
    if service == "s3api" and op in ("put-bucket-lifecycle-configuration", "put-bucket-lifecycle"):
        return OpJudgement("aws-write", "may expire (delete) objects", risk=Risk.HIGH)
    if op.startswith("terminate-"):
        return OpJudgement(
            "aws-terminate",
            "terminates them: instance storage is lost",
            risk=Risk.HIGH,
            stateful=True,
        )
    return None


def _exposure(op: str, args: tuple[str, ...]) -> OpJudgement:
    wide = (
        any(
            marker in a
            for a in args
            for marker in ("0.0.0.0/0", "::/0", "public-read", "Group=all", '"all"', "AllUsers")
        )
        or "all" in args
    )
    risk = Risk.HIGH if wide else None
    return OpJudgement(
        "aws-public-exposure", "opens access" + (" to everyone" if wide else ""), risk=risk
    )


_CAPACITY_FLAGS = ("--desired-count", "--desired-capacity", "--max-size")


def _scales_to_zero(words: Words) -> bool:
    """ECS services, Auto Scaling groups and node groups asked to run nothing."""
    if "0" in words.values(*_CAPACITY_FLAGS):
        return True
    return any("desiredSize=0" in v or "maxSize=0" in v for v in words.values("--scaling-config"))


def _retention_zero(words: Words) -> bool:
    return "0" in words.values("--backup-retention-period")


def _judge_delete(service: str, op: str, words: Words) -> OpJudgement:
    noun = op.split("-", 1)[1] if "-" in op else op
    if op.startswith("batch-delete-"):
        noun = op.removeprefix("batch-delete-")
    critical = noun.startswith(_CRITICAL_NOUNS) or op.startswith("purge-")
    stateful = critical or noun.startswith(_STATEFUL_NOUNS)
    if service == "secretsmanager" and words.has("--force-delete-without-recovery"):
        critical = True
    if op.startswith(_MILD_DELETES):
        return OpJudgement("aws-delete", "removes an association or access", risk=Risk.MEDIUM)
    if stateful:
        risk = Risk.CRITICAL if critical else Risk.HIGH
        text = "deletes it (stateful: data may be lost)"
        return OpJudgement("aws-delete-stateful", text, risk=risk, stateful=True)
    return OpJudgement("aws-delete", "deletes it")

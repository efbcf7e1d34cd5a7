"""aws lines: operations by verb and by table, s3 commands, SQL, environments."""

from __future__ import annotations

import shlex

import pytest

from interlock.classify.command import CommandContext, SimpleCommand
from interlock.classify.commands import aws
from interlock.config import EnvironmentConfig, MatchConfig, default_config
from interlock.models import Category, Finding, Risk, Scope, Verdict
from tests.classify.commands.localtools import verdict as _verdict

CTX = CommandContext(default_config())


def findings(line: str, ctx: CommandContext = CTX, **assignments: str) -> list[Finding]:
    cmd = SimpleCommand(argv=tuple(shlex.split(line)), text=line, assignments=assignments)
    return list(aws.HANDLERS[cmd.program](cmd, ctx))


READS = [
    "aws help",
    "aws ec2 describe-instances help",
    "aws s3 rm --help",
    "aws --profile prod --region us-west-2 lambda list-functions",
    "aws --no-cli-pager --output json s3 ls",
    "aws --cli-connect-timeout 30 --ca-bundle /path ec2 describe-instances",
    "aws --no-verify-ssl --debug ec2 describe-instances",
    "aws s3 ls s3://logs --recursive",
    "aws s3 cp s3://b/k ./k",
    "aws s3 sync s3://b ./local",
    "aws s3 rm s3://b/old.log --dryrun",
    "aws s3 sync ./dist s3://b --dryrun",
    "aws s3api get-object --bucket b --key k /tmp/k",
    "aws dynamodb query --table-name t",
    "aws dynamodb scan --table-name t",
    "aws logs tail /aws/lambda/f --follow",
    "aws logs start-query --log-group-name g --query-string 'fields @message'",
    "aws cloudformation detect-stack-drift --stack-name s",
    "aws cognito-idp admin-get-user --user-pool-id p --username u",
    "aws sqs receive-message --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/q",
    "aws ec2 terminate-instances --instance-ids i-1 --dry-run",
    "aws configure list-profiles",
    "aws athena start-query-execution --query-string 'SELECT * FROM t' --work-group primary",
    "aws athena start-query-execution --query-string '-- c\nSELECT 1'",
    "aws athena start-query-execution --query-string 'EXPLAIN ANALYZE SELECT 1'",
    "aws dynamodb execute-statement --statement 'SELECT * FROM t'",
]


@pytest.mark.parametrize("line", READS)
def test_read_only_lines_are_reads(line: str) -> None:
    found = findings(line)[0]
    assert (found.rule_id, found.category) == ("aws-read", Category.READ), found.explanation


@pytest.mark.parametrize(
    ("line", "rule_id", "category"),
    [
        (
            "aws secretsmanager get-secret-value --secret-id db",
            "aws-secret-read",
            Category.EXPOSURE,
        ),
        (
            "aws ssm get-parameters-by-path --path /a --with-decryption",
            "aws-secret-read",
            Category.EXPOSURE,
        ),
        ("aws kms decrypt --ciphertext-blob fileb://c", "aws-secret-read", Category.EXPOSURE),
        ("aws configure export-credentials --profile p", "aws-secret-read", Category.EXPOSURE),
        ("aws s3 presign s3://b/k --expires-in 60", "aws-secret-read", Category.EXPOSURE),
        ("aws configure set region eu-west-1", "aws-local", Category.WRITE),
        ("aws eks update-kubeconfig --name c", "aws-local", Category.WRITE),
        ("aws sso login", "aws-host", Category.WRITE),
        ("aws s3 mb s3://b", "aws-create", Category.CREATE),
        ("aws ec2 run-instances --image-id ami-1", "aws-create", Category.CREATE),
        (
            "aws rds restore-db-instance-from-db-snapshot --db-instance-identifier n",
            "aws-create",
            Category.CREATE,
        ),
        ("aws s3 cp ./a s3://b/a", "aws-write", Category.WRITE),
        ("aws s3 sync ./site s3://www", "aws-write", Category.WRITE),
        ("aws s3 mv s3://a/k s3://b/k", "aws-delete", Category.DELETE),
        ("aws ec2 stop-instances --instance-ids i-1", "aws-write", Category.WRITE),
        (
            "aws ec2 terminate-instances --instance-ids i-1 --no-dry-run",
            "aws-terminate",
            Category.DELETE,
        ),
        (
            "aws cloudformation deploy --template-file t.yaml --stack-name s",
            "aws-unreviewed-stack-change",
            Category.OPAQUE,
        ),
        (
            "aws cloudformation update-stack --stack-name s --template-body file://t.yaml",
            "aws-unreviewed-stack-change",
            Category.OPAQUE,
        ),
        ("aws cloudformation execute-change-set --change-set-name cs", "aws-write", Category.WRITE),
        (
            "aws cloudformation deploy --template-file t --stack-name s --no-execute-changeset",
            "aws-create",
            Category.CREATE,
        ),
        (
            "aws route53 change-resource-record-sets --hosted-zone-id Z --change-batch "
            '\'{"Changes":[{"Action":"DELETE"}]}\'',
            "aws-delete",
            Category.DELETE,
        ),
        (
            "aws ssm send-command --instance-ids i-1 --document-name AWS-RunShellScript",
            "aws-run-command",
            Category.WRITE,
        ),
        ("aws ec2 delete-security-group --group-id sg-1", "aws-delete", Category.DELETE),
        ("aws iam detach-role-policy --role-name r --policy-arn a", "aws-delete", Category.DELETE),
        ("aws sns unsubscribe --subscription-arn a", "aws-delete", Category.DELETE),
        ("aws s3 rm s3://b/k", "aws-delete", Category.DELETE),
        (
            "aws rds delete-db-instance --db-instance-identifier ledger --skip-final-snapshot",
            "aws-delete-stateful",
            Category.DELETE,
        ),
        ("aws dynamodb delete-table --table-name orders", "aws-delete-stateful", Category.DELETE),
        ("aws ec2 delete-volume --volume-id vol-1", "aws-delete-stateful", Category.DELETE),
        ("aws sqs purge-queue --queue-url u", "aws-delete-stateful", Category.DELETE),
        (
            "aws ecr batch-delete-image --repository-name r --image-ids imageTag=1",
            "aws-delete-stateful",
            Category.DELETE,
        ),
        (
            "aws secretsmanager delete-secret --secret-id s --force-delete-without-recovery",
            "aws-delete-stateful",
            Category.DELETE,
        ),
        ("aws s3 rb s3://b", "aws-delete-stateful", Category.DELETE),
        (
            "aws s3 rm s3://b --recursive --exclude '*' --include '*'",
            "aws-s3-rm-recursive",
            Category.DELETE,
        ),
        ("aws s3 rb s3://b --force", "aws-s3-rb-force", Category.DELETE),
        ("aws s3 sync /empty s3://b --delete", "aws-s3-sync-delete", Category.DELETE),
        (
            "aws iam attach-user-policy --user-name u --policy-arn a",
            "aws-iam-grant",
            Category.PRIVILEGE,
        ),
        (
            "aws iam put-role-policy --role-name r --policy-name p --policy-document file://p",
            "aws-iam-grant",
            Category.PRIVILEGE,
        ),
        (
            "aws iam update-assume-role-policy --role-name r --policy-document file://t",
            "aws-iam-grant",
            Category.PRIVILEGE,
        ),
        (
            "aws lambda add-permission --function-name f --principal s3.amazonaws.com",
            "aws-resource-policy",
            Category.PRIVILEGE,
        ),
        (
            "aws s3api put-bucket-acl --bucket b --acl public-read",
            "aws-public-exposure",
            Category.EXPOSURE,
        ),
        (
            "aws s3api delete-public-access-block --bucket b",
            "aws-public-exposure",
            Category.EXPOSURE,
        ),
        ("aws kms schedule-key-deletion --key-id k", "aws-kms-schedule-deletion", Category.DELETE),
        (
            "aws ecs update-service --cluster c --service s --desired-count 0",
            "aws-scale-zero",
            Category.DELETE,
        ),
        (
            "aws ecs update-service --cluster c --service s --desired-count 2",
            "aws-write",
            Category.WRITE,
        ),
        (
            "aws eks update-nodegroup-config --cluster-name c --nodegroup-name n "
            "--scaling-config minSize=0,maxSize=0,desiredSize=0",
            "aws-scale-zero",
            Category.DELETE,
        ),
        (
            "aws dynamodb update-table --table-name t --no-deletion-protection-enabled",
            "aws-remove-protection",
            Category.DELETE,
        ),
        (
            "aws ec2 modify-instance-attribute --instance-id i-1 --no-disable-api-termination",
            "aws-remove-protection",
            Category.DELETE,
        ),
        (
            "aws athena start-query-execution --query-string 'DROP TABLE t'",
            "aws-sql-drop",
            Category.DELETE,
        ),
        (
            "aws athena start-query-execution --query-string "
            "'WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c'",
            "aws-sql-change",
            Category.WRITE,
        ),
        (
            "aws athena start-query-execution --query-string 'SELECT 1; DROP TABLE t'",
            "aws-sql-drop",
            Category.DELETE,
        ),
        ("aws athena start-query-execution --work-group primary", "aws-sql-change", Category.WRITE),
        (
            "aws rds-data execute-statement --sql 'UPDATE t SET a = 1' --resource-arn a",
            "aws-sql-change",
            Category.WRITE,
        ),
        ("aws apigateway test-invoke-method --rest-api-id a", "aws-unknown", Category.WRITE),
        ("aws frobnicate do-things", "aws-unknown", Category.WRITE),
        ("aws s3 frobnicate", "aws-unknown", Category.WRITE),
        ("aws ec2", "aws-unknown", Category.WRITE),
        # an operation's parameters may precede the service; they take their value there too
        (
            "aws --cli-input-json file://req.json ec2 terminate-instances",
            "aws-terminate",
            Category.DELETE,
        ),
        (
            "aws --cli-input-json=file://req.json ec2 terminate-instances",
            "aws-terminate",
            Category.DELETE,
        ),
        (
            "aws --instance-ids i-1 --debug ec2 terminate-instances",
            "aws-terminate",
            Category.DELETE,
        ),
        ("aws --recursive s3 rm s3://b/x", "aws-s3-rm-recursive", Category.DELETE),
        ("aws --exclude '*' s3 rm s3://b/ --recursive", "aws-s3-rm-recursive", Category.DELETE),
        # an unknown switch before the service costs the service name: unknown, not a read
        ("aws --frobnicate ec2 describe-instances", "aws-unknown", Category.WRITE),
    ],
)
def test_operation_table(line: str, rule_id: str, category: Category) -> None:
    found = findings(line)[0]
    assert (found.rule_id, found.category) == (rule_id, category)


@pytest.mark.parametrize(
    ("line", "risk", "stateful"),
    [
        ("aws rds delete-db-instance --db-instance-identifier db", Risk.CRITICAL, True),
        ("aws rds delete-db-snapshot --db-snapshot-identifier s", Risk.HIGH, True),
        ("aws s3 rm s3://b --recursive", Risk.CRITICAL, True),
        ("aws ec2 delete-security-group --group-id sg-1", Risk.HIGH, False),
        ("aws kms disable-key --key-id k", Risk.CRITICAL, True),
        (
            "aws ec2 authorize-security-group-ingress --group-id g --cidr 0.0.0.0/0",
            Risk.HIGH,
            False,
        ),
        (
            "aws ec2 authorize-security-group-ingress --group-id g --cidr 10.0.0.0/8",
            Risk.MEDIUM,
            False,
        ),
        ("aws ec2 describe-instances", Risk.NONE, False),
    ],
)
def test_risk_and_statefulness(line: str, risk: Risk, stateful: bool) -> None:
    (found,) = findings(line)
    assert (found.risk, found.stateful) == (risk, stateful)


@pytest.mark.parametrize(
    ("line", "local"),
    [
        ("aws s3 cp s3://b/k ./k", [("cloud-download-write", Category.WRITE, Scope.WORKSPACE)]),
        ("aws s3 cp s3://b/k ~/.bashrc", [("cloud-download-write", Category.WRITE, Scope.HOST)]),
        (
            "aws s3 sync s3://b /restore --delete",
            [
                ("cloud-download-write", Category.WRITE, Scope.HOST),
                ("cloud-download-delete", Category.DELETE, Scope.HOST),
            ],
        ),
        (
            "aws s3 cp s3://b/s.json .claude/settings.json",
            [("cloud-download-self-tamper", Category.SELF_TAMPER, Scope.HOST)],
        ),
        (
            "aws s3api get-object --bucket b --key k out.bin",
            [("cloud-download-write", Category.WRITE, Scope.WORKSPACE)],
        ),
        ("aws s3 cp s3://b/k -", []),
        ("aws s3 cp ./k s3://b/k", []),
        ("aws s3 cp s3://b/k ./k --dryrun", []),
    ],
)
def test_downloads_also_write_locally(line: str, local: list[tuple[str, Category, Scope]]) -> None:
    first, *rest = findings(line)
    assert first.rule_id.startswith("aws-")
    assert [(f.rule_id, f.category, f.scope) for f in rest] == local


def test_scopes() -> None:
    assert findings("aws rds delete-db-instance --db-instance-identifier x")[0].scope is (
        Scope.REMOTE
    )
    assert findings("aws secretsmanager get-secret-value --secret-id x")[0].scope is Scope.HOST
    assert findings("aws configure set region x")[0].scope is Scope.HOST
    assert findings("aws eks update-kubeconfig --name c")[0].scope is Scope.WORKSPACE


def test_explanation_names_the_resource() -> None:
    (found,) = findings("aws rds delete-db-instance --db-instance-identifier ledger-prod")
    assert "ledger-prod" in found.explanation
    assert "stateful" in found.explanation
    assert found.target == "aws rds delete-db-instance ledger-prod"


def _accounts_config() -> CommandContext:
    base = default_config()
    prod = base.environments["production"]
    match = MatchConfig(aws_accounts=("123456789012",), aws_profiles=prod.match.aws_profiles)
    envs = dict(base.environments)
    envs["production"] = EnvironmentConfig("production", True, 2, (), match)
    return CommandContext(type(base)(environments=envs))


@pytest.mark.parametrize(
    ("line", "assignments", "environment"),
    [
        ("aws --profile prod s3 rb s3://b --force", {}, "production"),
        ("aws s3 rb s3://b --force --profile=staging", {}, "staging"),
        ("aws s3 rb s3://b --force", {"AWS_PROFILE": "dev"}, "development"),
        ("aws s3 rb s3://b --force", {"AWS_DEFAULT_PROFILE": "prod"}, "production"),
        ("aws sns delete-topic --topic-arn arn:aws:sns:us-east-1:123456789012:t", {}, "production"),
        (
            "aws sqs delete-queue --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/q",
            {},
            "production",
        ),
        ("aws sns delete-topic --topic-arn arn:aws:sns:us-east-1:999999999999:t", {}, None),
        ("awslocal s3 rb s3://b --force", {}, "development"),
        ("aws --endpoint-url http://localhost:4566 s3 rb s3://b --force", {}, "development"),
        ("aws --endpoint-url https://s3.example.com s3 rb s3://b --force", {}, None),
        ("aws s3 rb s3://b --force", {}, None),
    ],
)
def test_environment(line: str, assignments: dict[str, str], environment: str | None) -> None:
    assert findings(line, _accounts_config(), **assignments)[0].environment == environment


def test_local_endpoint_is_unknown_unless_configured() -> None:
    """The default configuration calls ``local`` development; without it, unknown."""
    base = default_config()
    only_prod = type(base)(environments={"production": base.environments["production"]})
    ctx = CommandContext(only_prod)
    assert findings("awslocal s3 rb s3://b --force", ctx)[0].environment is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # mv deletes each source object once it is copied: the source is judged as rm
        ("aws s3 mv s3://b s3://c --recursive", [("aws-s3-rm-recursive", Risk.CRITICAL)]),
        ("aws s3 mv s3://b/k s3://c/k", [("aws-delete", Risk.HIGH)]),
        (
            "aws s3 mv s3://b/k ~/k",
            [("aws-delete", Risk.HIGH), ("cloud-download-write", Risk.HIGH)],
        ),
        # from the local disk: the upload writes the bucket and deletes the local file
        (
            "aws s3 mv ~/backup.tar s3://b/",
            [("aws-write", Risk.MEDIUM), ("cloud-upload-delete", Risk.HIGH)],
        ),
        ("aws s3 mv s3://b s3://c --recursive --dryrun", [("aws-read", Risk.NONE)]),
        ("aws s3 cp s3://b/k s3://c/k", [("aws-write", Risk.MEDIUM)]),
    ],
)
def test_mv_deletes_its_source(line: str, expected: list[tuple[str, Risk]]) -> None:
    found = findings(line)
    assert [(f.rule_id, f.risk) for f in found] == expected
    assert all(f.category is Category.DELETE for f in found if "delete" in f.rule_id)


def test_mv_of_a_prefix_is_held_like_rm() -> None:
    """The red-team line: asked before, it deletes every object under ``s3://b``."""
    line = "aws s3 mv s3://b s3://c --recursive"
    assert _verdict(line) is _verdict("aws s3 rm s3://b --recursive") is Verdict.HOLD


def test_mv_of_interlocks_own_file_is_self_tamper() -> None:
    found = findings("aws s3 mv .claude/settings.json s3://b/settings.json")
    assert [f.category for f in found] == [Category.WRITE, Category.SELF_TAMPER]

"""``aws`` (and ``awslocal``) command lines: ``aws [options] SERVICE OPERATION [args]``.

The operation is judged by ``awsops.judge_operation``; this module reads the line
(global options may appear anywhere, AWS CLI "Command structure"), handles the
high-level ``aws s3`` commands (``rm --recursive``, ``rb --force``, ``sync
--delete``, uploads versus downloads), the query services whose effect is in their
SQL (Athena, Redshift Data, RDS Data, DynamoDB PartiQL), and the CLI's own
configuration (``aws configure``, ``aws sso login``).

The environment comes from ``--profile`` or ``AWS_PROFILE``/``AWS_DEFAULT_PROFILE``
(matched as AWS profiles), then from account ids inside ARNs and queue URLs (matched
as AWS accounts). ``awslocal`` and a loopback ``--endpoint-url`` name the ``local``
environment, which counts only if the configuration defines it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand
from interlock.classify.commands.awsops import ONLY_READS, OpJudgement, judge_operation
from interlock.classify.commands.cloudverbs import (
    Words,
    aws_accounts,
    emit,
    local_copy,
    local_move,
    read_only_sql,
    split_words,
    sql_deletes,
    variable,
)
from interlock.models import Category, Finding, Risk, Scope

R = Rule
RULES: tuple[Rule, ...] = (
    R("aws-read", Category.READ, "read-only AWS operation",
      ("aws ec2 describe-instances", "aws --profile prod s3 ls s3://logs",
       "aws s3 cp s3://b/k ./k")),
    R("aws-secret-read", Category.EXPOSURE, "reveals secret values or temporary credentials",
      ("aws secretsmanager get-secret-value --secret-id db",
       "aws ssm get-parameter --name /db/pw --with-decryption", "aws s3 presign s3://b/k",
       "aws sts assume-role --role-arn arn:aws:iam::123456789012:role/ops --role-session-name x")),
    R("aws-local", Category.WRITE,
      "changes client configuration: ~/.aws (host) or the kubeconfig (workspace)",
      ("aws configure set region eu-west-1", "aws eks update-kubeconfig --name prod")),
    R("aws-host", Category.WRITE, "signs in or out, storing credentials in the home directory",
      ("aws sso login --profile prod",)),
    R("aws-create", Category.CREATE, "creates AWS resources",
      ("aws s3 mb s3://new-bucket", "aws ec2 run-instances --image-id ami-1")),
    R("aws-write", Category.WRITE, "changes AWS resources in place",
      ("aws lambda update-function-code --function-name f --zip-file fileb://f.zip",
       "aws s3 cp ./site s3://www --recursive")),
    R("aws-run-command", Category.WRITE, "runs commands on instances or containers",
      ("aws ssm send-command --instance-ids i-1 --document-name AWS-RunShellScript",)),
    R("aws-delete", Category.DELETE, "deletes AWS resources",
      ("aws ec2 delete-security-group --group-id sg-1", "aws s3 rm s3://b/tmp.txt")),
    R("aws-delete-stateful", Category.DELETE, "deletes a resource that holds data",
      ("aws rds delete-db-instance --db-instance-identifier ledger-prod",
       "aws dynamodb delete-table --table-name orders", "aws s3 rb s3://logs")),
    R("aws-terminate", Category.DELETE, "terminates instances or environments",
      ("aws ec2 terminate-instances --instance-ids i-1",)),
    R("aws-iam-grant", Category.PRIVILEGE, "grants IAM permissions or creates credentials",
      ("aws iam attach-role-policy --role-name r --policy-arn arn:aws:iam::aws:policy/Admin",
       "aws iam create-access-key --user-name ci")),
    R("aws-resource-policy", Category.PRIVILEGE, "grants access through a resource policy",
      ("aws lambda add-permission --function-name f --principal '*' --statement-id s",
       "aws kms create-grant --key-id k --grantee-principal arn:aws:iam::123456789012:role/x")),
    R("aws-public-exposure", Category.EXPOSURE, "opens data or network access",
      ("aws s3api put-bucket-policy --bucket b --policy file://p.json",
       "aws ec2 authorize-security-group-ingress --group-id sg-1 --cidr 0.0.0.0/0 --port 22",
       "aws s3 website s3://b --index-document index.html")),
    R("aws-scale-zero", Category.DELETE, "scales a service or group to zero: an outage",
      ("aws ecs update-service --cluster c --service api --desired-count 0",
       "aws autoscaling update-auto-scaling-group --auto-scaling-group-name g --max-size 0")),
    R("aws-kms-schedule-deletion", Category.DELETE,
      "schedules or disables a KMS key: everything encrypted under it becomes unreadable",
      ("aws kms schedule-key-deletion --key-id k --pending-window-in-days 7",
       "aws kms disable-key --key-id k")),
    R("aws-remove-protection", Category.DELETE,
      "removes deletion protection or automated backups",
      ("aws rds modify-db-instance --db-instance-identifier db --no-deletion-protection",
       "aws rds modify-db-instance --db-instance-identifier db --backup-retention-period 0")),
    R("aws-s3-rm-recursive", Category.DELETE,
      "deletes every object under an S3 prefix (rm, or mv, which deletes its source)",
      ("aws s3 rm s3://logs --recursive", "aws s3 mv s3://b s3://c --recursive")),
    R("aws-s3-rb-force", Category.DELETE, "deletes a bucket and every object in it",
      ("aws s3 rb s3://logs --force",)),
    R("aws-s3-sync-delete", Category.DELETE, "sync --delete removes files missing from the source",
      ("aws s3 sync ./empty s3://logs --delete",)),
    R("aws-sql-change", Category.WRITE, "runs SQL that changes data or schema",
      ("aws athena start-query-execution --query-string 'INSERT INTO t SELECT 1'",)),
    R("aws-sql-drop", Category.DELETE, "runs SQL that drops, truncates or deletes data",
      ("aws athena start-query-execution --query-string 'DROP TABLE t'",
       "aws redshift-data execute-statement --sql 'DELETE FROM orders' --cluster-identifier c")),
    R("aws-unreviewed-stack-change", Category.OPAQUE,
      "applies CloudFormation stack changes no one reviewed as a change set: deletions and "
      "replacements included, so it is held like anything not understood",
      ("aws cloudformation deploy --template-file t.yaml --stack-name prod",
       "aws cloudformation update-stack --stack-name prod --template-body file://t.yaml")),
    R("aws-unknown", Category.WRITE, "AWS operation interlock does not know",
      ("aws frobnicate do-something", "aws ec2")),
)  # fmt: skip
_RULE = {r.rule_id: r for r in RULES}

_GLOBAL_VALUE = frozenset(
    {"--profile", "--region", "--output", "--endpoint-url", "--query", "--color", "--ca-bundle",
     "--cli-connect-timeout", "--cli-read-timeout", "--cli-binary-format", "--page-size",
     "--max-items", "--starting-token"}
)  # fmt: skip
_S3_VALUE = _GLOBAL_VALUE | frozenset(
    {"--exclude", "--include", "--acl", "--storage-class", "--sse", "--sse-kms-key-id",
     "--content-type", "--cache-control", "--expires", "--grants", "--metadata",
     "--source-region", "--expected-size", "--sse-c", "--sse-c-key", "--content-disposition",
     "--content-encoding", "--content-language", "--website-redirect", "--metadata-directive",
     "--copy-props", "--request-payer", "--index-document", "--error-document", "--expires-in",
     "--checksum-algorithm", "--checksum-mode", "--sse-c-copy-source", "--sse-c-copy-source-key"}
)  # fmt: skip
#: Operation flags that take no value (everything else after the operation does).
_SWITCHES = frozenset(
    {"--debug", "--dry-run", "--force", "--recursive", "--with-decryption", "--help",
     "--skip-final-snapshot", "--apply-immediately", "--force-delete-without-recovery",
     "--paginate", "--verify-ssl", "--sign-request", "--cli-auto-prompt", "--version",
     "--descending", "--follow", "--all", "--dryrun", "--quiet", "--delete", "--yes",
     "--generate-cli-skeleton", "--deletion-protection", "--delete-automated-backups",
     "--no-execute-changeset", "--fail-on-empty-changeset", "--force-delete"}
)  # fmt: skip
#: The flag holding the SQL of query services whose effect is in their SQL.
_SQL_FLAGS: dict[tuple[str, str], str] = {
    ("athena", "start-query-execution"): "--query-string",
    ("redshift-data", "execute-statement"): "--sql",
    ("redshift-data", "batch-execute-statement"): "--sqls",
    ("rds-data", "execute-statement"): "--sql",
    ("rds-data", "batch-execute-statement"): "--sql",
    ("dynamodb", "execute-statement"): "--statement",
    ("dynamodb", "batch-execute-statement"): "--statements",
    ("dynamodb", "execute-transaction"): "--transact-statements",
}
_SQL_VALUE = {key: _GLOBAL_VALUE | {flag} for key, flag in _SQL_FLAGS.items()}
_NO_FLAGS: frozenset[str] = frozenset()
#: The services whose commands can download (``_download_destination``).
_DOWNLOADING = frozenset({"s3", "s3api"})
_LOOPBACK = ("http://localhost", "https://localhost", "http://127.", "https://127.")


def handle_aws(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for ``aws`` and ``awslocal``."""
    args = cmd.args
    service, op, bound = _service_operation(args)
    if service == "s3":
        words = split_words(args, _S3_VALUE | bound if bound else _S3_VALUE)
    else:
        value_flags = _SQL_VALUE.get((service, op), _GLOBAL_VALUE)
        words = split_words(args, value_flags, switches=_SWITCHES)
    env = _environment(cmd, ctx, words)
    judged, scope = _judge(service, op, words, args)
    if judged.rule_id == "aws-secret-read":
        scope = Scope.HOST  # disclosure to the agent: local, and it cannot be undone
    name = _resource(words, words.positionals[2:])
    target = f"aws {service} {op} {name}".strip()
    text = f"{target}: {judged.what}"
    found = emit(_RULE[judged.rule_id], cmd, target=target, explanation=text, environment=env,
                 category=judged.category, scope=scope, risk=judged.risk,
                 stateful=judged.stateful)  # fmt: skip
    moved = _moved_local_source(service, op, words)
    if moved:
        return (found, *local_move(cmd, ctx, [moved]))
    dest = _download_destination(service, op, words)
    if not dest:
        return (found,)
    deletes = service == "s3" and "--delete" in words.options
    return (found, *local_copy(cmd, ctx, dest, deletes=deletes))


def _download_destination(service: str, op: str, words: Words) -> str | None:
    """The local path a download writes, if the line downloads."""
    if service not in _DOWNLOADING:
        return None  # every download below is one of these (most lines are neither)
    rest = words.positionals[2:]
    if words.has("--dryrun", "--dry-run", "--help") or "help" in rest:
        return None
    if service == "s3" and op in ("cp", "mv", "sync") and len(rest) >= 2:
        source, dest = rest[0], rest[-1]
        return dest if source.startswith("s3://") and not dest.startswith("s3://") else None
    if (service, op) in (("s3api", "get-object"), ("s3api", "get-object-torrent")) and rest:
        return rest[-1]
    return None


def _moved_local_source(service: str, op: str, words: Words) -> str | None:
    """The local path ``aws s3 mv LOCAL s3://...`` deletes after uploading it."""
    rest = words.positionals[2:]
    if service != "s3" or op != "mv" or len(rest) < 2 or words.has("--dryrun", "--help"):
        return None
    source, dest = rest[0], rest[-1]
    return source if dest.startswith("s3://") and not source.startswith("s3://") else None


def _service_operation(args: tuple[str, ...]) -> tuple[str, str, frozenset[str]]:
    """The first two bare words, skipping options and their values, and the options
    before the service that took a value though not global (usually none).

    An operation's parameters may come before the service (``aws --cli-input-json
    file://r.json ec2 terminate-instances``); as after it, an option binds the next
    bare word unless it is a known switch or a ``--no-...`` negation, the rule
    ``split_words`` applies with ``switches``. An unknown global switch then costs the
    service name (judged unknown, a change), never a read.
    """
    if len(args) >= 2 and args[0][:1] != "-" and args[1][:1] != "-":
        return args[0], args[1], _NO_FLAGS  # the common case, as below
    found: list[str] = []
    bound: set[str] = set()
    skip = False
    for i, word in enumerate(args):
        if skip:
            skip = False
        elif word[:1] == "-":
            skip = _binds(word, args[i + 1 : i + 2])
            if skip and word not in _GLOBAL_VALUE:
                bound.add(word)
        else:
            found.append(word)
            if len(found) == 2:
                break
    service = found[0] if found else "help"
    return service, found[1] if len(found) > 1 else "", frozenset(bound)


def _binds(option: str, following: tuple[str, ...]) -> bool:
    """Whether ``option``, before the service, takes ``following`` as its value."""
    if option in _GLOBAL_VALUE:
        return True
    if "=" in option or option in _SWITCHES or option.startswith("--no-"):
        return False
    return bool(following) and following[0][:1] != "-"


def _environment(cmd: SimpleCommand, ctx: CommandContext, words: Words) -> str | None:
    """``resolve`` of the profile, then account ids, then ``local``; spelled out, as
    most lines name none of them (this runs for every ``aws`` command)."""
    if ctx.environment:
        return ctx.environment
    options = words.options
    profile = ("--profile" in options and words.value("--profile")) or variable(
        cmd, ctx, "AWS_PROFILE", "AWS_DEFAULT_PROFILE"
    )
    if profile:
        env = ctx.resolve_environment("aws_profiles", profile)
        if env:
            return env
    for account in aws_accounts(cmd.args):
        env = ctx.resolve_environment("aws_accounts", account)
        if env:
            return env
    endpoint = ("--endpoint-url" in options and words.value("--endpoint-url")) or ""
    if cmd.program == "awslocal" or endpoint.startswith(_LOOPBACK):
        return ctx.resolve_environment("names", "local") or None
    return None


def _judge(service: str, op: str, words: Words, args: tuple[str, ...]) -> tuple[OpJudgement, Scope]:
    remote = Scope.REMOTE
    if service == "help" or "help" in words.positionals[1:] or words.has("--version", "--help"):
        return OpJudgement("aws-read", "shows help or version"), Scope.WORKSPACE
    if not op:
        return OpJudgement("aws-unknown", "names a service without an operation"), remote
    if service == "s3":
        return _judge_s3(op, words), remote
    if service == "configure":
        return _judge_configure(op)
    if service in ("sso", "ecr-public") and op in ("login", "logout"):
        return OpJudgement(
            "aws-host", "signs in or out: credentials in the home directory", risk=Risk.LOW
        ), Scope.HOST
    flag = _SQL_FLAGS.get((service, op))
    if flag is not None and "--help" not in words.options:
        return _judge_sql(op, words.values(flag)), remote
    judged = judge_operation(service, op, words, args)
    return judged, Scope.WORKSPACE if judged.rule_id == "aws-local" else remote


def _judge_s3(op: str, words: Words) -> OpJudgement:
    """The high-level ``aws s3`` commands, by direction and flags."""
    paths = list(words.positionals[2:])
    remote_dest = bool(paths) and paths[-1].startswith("s3://")
    recursive = words.has("--recursive")
    if words.has("--dryrun") or op == "ls":
        return ONLY_READS
    if op == "rm":
        if recursive:
            return OpJudgement("aws-s3-rm-recursive", "deletes every object under the prefix",
                               risk=Risk.CRITICAL, stateful=True)  # fmt: skip
        return OpJudgement("aws-delete", "deletes an object", stateful=True)
    if op == "rb":
        if words.has("--force"):
            return OpJudgement("aws-s3-rb-force", "deletes the bucket and every object in it",
                               risk=Risk.CRITICAL, stateful=True)  # fmt: skip
        return OpJudgement("aws-delete-stateful", "deletes an (empty) bucket", stateful=True)
    if op == "sync" and words.has("--delete") and remote_dest:
        text = "deletes objects in the bucket that the source lacks"
        return OpJudgement("aws-s3-sync-delete", text, risk=Risk.CRITICAL, stateful=True)
    if op == "mv" and paths and paths[0].startswith("s3://"):
        return _judge_s3_move(recursive)
    if op in ("cp", "sync", "mv"):
        if remote_dest:
            return OpJudgement("aws-write", "writes objects")
        return OpJudgement("aws-read", "downloads objects")
    if op == "mb":
        return OpJudgement("aws-create", "creates a bucket")
    if op == "presign":
        return OpJudgement("aws-secret-read", "signs a URL that lets anyone holding it read")
    if op == "website":
        return OpJudgement("aws-public-exposure", "serves the bucket publicly")
    return OpJudgement("aws-unknown", "is a command interlock does not know: judged a change")


def _judge_s3_move(recursive: bool) -> OpJudgement:
    """``mv`` deletes each source object once it is copied: judged as ``rm`` of the source."""
    if recursive:
        text = "moves every object under the prefix: deletes them at the source"
        return OpJudgement("aws-s3-rm-recursive", text, risk=Risk.CRITICAL, stateful=True)
    return OpJudgement("aws-delete", "moves an object: deletes it at the source", stateful=True)


def _judge_configure(op: str) -> tuple[OpJudgement, Scope]:
    if op in ("list", "list-profiles", "get"):
        return OpJudgement("aws-read", "reads local settings"), Scope.WORKSPACE
    if op == "export-credentials":
        return OpJudgement("aws-secret-read", "prints the profile's credentials"), Scope.HOST
    return OpJudgement("aws-local", "writes ~/.aws", risk=Risk.LOW), Scope.HOST


def _judge_sql(op: str, queries: list[str]) -> OpJudgement:
    if queries and all(read_only_sql(q) for q in queries):
        return OpJudgement("aws-read", "runs a read-only query")
    if any(sql_deletes(q) for q in queries):
        return OpJudgement("aws-sql-drop", "runs SQL that drops or deletes data", stateful=True)
    return OpJudgement("aws-sql-change", "runs SQL that may change data")


def _resource(words: Words, rest: tuple[str, ...]) -> str:
    """The name, id or ARN the operation acts on, for the reviewer."""
    for flag, values in words.options.items():
        if flag in _GLOBAL_VALUE:
            continue
        if flag.endswith(("-name", "-id", "-identifier", "-arn", "-url", "-ids", "-names")) or (
            flag in ("--bucket", "--name", "--id", "--key")
        ):
            named = [v for v in values if v]
            if named:
                return named[0]
    return " ".join(rest[:2])


HANDLERS: Mapping[str, Handler] = {"aws": handle_aws, "awslocal": handle_aws}

"""Google Cloud command lines: ``gcloud``, ``gsutil`` and ``bq``.

``gcloud`` commands are ``gcloud [flags] GROUP... COMMAND [args]`` (gcloud
reference, "gcloud CLI overview"); the command word says what happens: ``list``,
``describe``, ``get-iam-policy``, ``read`` read; ``delete`` and ``remove-*`` delete;
``add-iam-policy-binding``/``set-iam-policy`` grant; ``create``/``deploy``/
``update`` change. Groups that hold data (Cloud SQL instances, GKE clusters, disks,
buckets, Spanner, Bigtable, Firestore, BigQuery datasets ...) make a delete critical.
``gsutil rm -r``, ``gsutil rb``, ``gcloud storage rm --recursive`` and ``bq rm -r``
delete data; ``bq query`` is judged by its SQL.

The environment comes from ``--project`` (``--project_id`` for ``bq``, ``-p`` for
``gsutil mb``) or ``CLOUDSDK_CORE_PROJECT``, matched as Google Cloud projects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand
from interlock.classify.commands.cloudverbs import (
    Words,
    emit,
    is_help,
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
    R("gcloud-read", Category.READ, "Google Cloud command that only reads",
      ("gcloud compute instances list --project prod-123", "gsutil ls gs://logs",
       "bq query --use_legacy_sql=false 'SELECT 1'")),
    R("gcloud-secret-read", Category.EXPOSURE, "reveals secret values or access tokens",
      ("gcloud secrets versions access latest --secret=db", "gcloud auth print-access-token")),
    R("gcloud-local", Category.WRITE,
      "changes client settings (config, kubeconfig) or stored credentials (auth, components)",
      ("gcloud config set project prod-123", "gcloud auth login",
       "gcloud container clusters get-credentials prod")),
    R("gcloud-create", Category.CREATE, "creates Google Cloud resources",
      ("gcloud compute instances create vm-1", "gsutil mb gs://new-bucket")),
    R("gcloud-write", Category.WRITE, "changes Google Cloud resources",
      ("gcloud run deploy api --image=gcr.io/p/api", "gsutil cp ./a gs://b/a")),
    R("gcloud-delete", Category.DELETE, "deletes Google Cloud resources",
      ("gcloud compute firewall-rules delete allow-ssh", "gsutil rm gs://b/a")),
    R("gcloud-delete-stateful", Category.DELETE, "deletes a resource that holds data",
      ("gcloud sql instances delete ledger-prod", "gcloud container clusters delete prod",
       "gsutil rm -r gs://logs", "gsutil rb gs://logs", "bq rm -r -f ds",
       "gcloud storage rm --recursive gs://logs")),
    R("gcloud-iam-grant", Category.PRIVILEGE, "grants IAM roles or creates credentials",
      ("gcloud projects add-iam-policy-binding p --member=user:x --role=roles/owner",
       "gcloud iam service-accounts keys create k.json --iam-account=sa@p.iam.gserviceaccount.com",
       "gsutil iam ch allUsers:objectViewer gs://b")),
    R("gcloud-ssh", Category.WRITE, "opens a shell on an instance; what it runs cannot be reviewed",
      ("gcloud compute ssh vm-1",)),
    R("gcloud-sql-change", Category.WRITE, "runs SQL that changes data or schema",
      ("bq query 'INSERT INTO ds.t VALUES (1)'",)),
    R("gcloud-unknown", Category.WRITE, "Google Cloud command interlock does not know",
      ("gcloud compute instances", "gsutil frobnicate")),
)  # fmt: skip
_RULE = {r.rule_id: r for r in RULES}

_GLOBAL_VALUE = frozenset(
    {"--project", "--account", "--configuration", "--format", "--verbosity", "--billing-project",
     "--impersonate-service-account", "--flags-file", "--flatten", "--trace-token",
     "--access-token-file", "--region", "--zone", "--filter", "--limit", "--sort-by",
     "--page-size", "--location", "--cluster", "--instance", "--secret", "--keyring", "--key",
     "--service", "--member", "--role", "--iam-account", "--topic", "--bucket", "--type",
     "--image", "--memory", "--size", "--snapshot-names", "--dns-name", "--rrdatas",
     "--resource-type", "--database", "--message", "--allow", "--file", "--purpose",
     "--num-nodes", "--node-pool"}
)  # fmt: skip
_READ_VERBS = frozenset(
    {"list", "describe", "get", "get-iam-policy", "get-value", "read", "tail", "info",
     "version", "help", "topic", "ls", "cat", "du", "search", "lookup", "validate",
     "test-iam-permissions", "explain", "check", "list-tags", "list-grantable-roles",
     "get-ancestors", "get-ancestors-iam-policy", "print-settings",
     "diagnose", "query", "show", "hash", "describe-connection", "wait"}
)  # fmt: skip
_SECRET_VERBS = frozenset(
    {"access", "print-access-token", "print-identity-token", "decrypt",
     "asymmetric-decrypt", "get-password", "reset-windows-password", "print-refresh-token"}
)  # fmt: skip
_DELETE_VERBS = frozenset(
    {"delete", "remove", "destroy", "rm", "purge", "abandon-instances", "delete-instances",
     "disable", "undeploy", "detach-disk", "cancel", "reset"}
)  # fmt: skip
_GRANT_VERBS = frozenset(
    {"add-iam-policy-binding", "set-iam-policy", "remove-iam-policy-binding",
     "add-invoker-policy-binding", "set-access-policy"}
)  # fmt: skip
_CREATE_VERBS = frozenset({"create", "snapshot", "clone", "import", "add", "copy", "restore"})
_WRITE_VERBS = frozenset(
    {"deploy", "update", "set", "patch", "start", "stop", "restart", "resize", "export",
     "publish", "pull", "call", "run", "execute", "attach-disk", "cp", "mv", "rsync",
     "upgrade", "rollback", "set-machine-type", "promote-replica", "failover", "migrate",
     "undelete", "enable", "submit", "acknowledge", "seek", "modify-ack-deadline",
     "add-tags", "remove-tags", "add-labels", "remove-labels", "add-metadata",
     "remove-metadata", "set-default", "encrypt", "sign", "write", "apply", "trigger", "scp",
     "browse", "activate", "login", "configure-docker", "install", "reinstall", "init",
     "feedback", "ssh", "tunnel", "connect"}
)  # fmt: skip
_LOCAL_GROUPS = frozenset({"config", "auth", "components", "init", "feedback"})
#: Groups whose delete loses data.
_STATEFUL = (
    "sql", "spanner", "bigtable", "firestore", "datastore", "redis", "memcache", "filestore",
    "alloydb", "container clusters", "compute disks", "compute snapshots", "compute images",
    "compute instances",
    "storage", "projects", "secrets", "kms", "logging buckets", "logging logs",
    "artifacts repositories", "pubsub topics", "pubsub subscriptions", "bq", "composer",
    "dataproc clusters", "dns managed-zones", "backup-dr", "netapp", "looker",
)  # fmt: skip


def handle_gcloud(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for ``gcloud``."""
    words = split_words(cmd.args, _GLOBAL_VALUE)
    path = [w for w in words.positionals if w not in ("alpha", "beta", "preview")]
    env = _environment(cmd, ctx, words.value("--project"))
    rule_id, category, risk, what, stateful, scope = _judge(path, words, cmd.args)
    groups = " ".join(path[:6])
    found = emit(_RULE[rule_id], cmd, target=f"gcloud {groups}", environment=env,
                 explanation=f"gcloud {what}", category=category, scope=scope, risk=risk,
                 stateful=stateful)  # fmt: skip
    if path[:1] == ["storage"] and path[1:2] in (["cp"], ["mv"], ["rsync"]):
        deletes = "--delete-unmatched-destination-objects" in words.options
        moved = local_move(cmd, ctx, _uploaded_sources(path[2:])) if path[1] == "mv" else []
        dest = _download_destination(path[2:])
        return (found, *moved, *local_copy(cmd, ctx, dest, deletes=deletes))
    return (found,)


def _environment(cmd: SimpleCommand, ctx: CommandContext, project: str | None) -> str | None:
    project = project or variable(cmd, ctx, "CLOUDSDK_CORE_PROJECT", "GOOGLE_CLOUD_PROJECT")
    return ctx.resolve_environment("gcp_projects", project) or None  # ``resolve`` of one


_Judged = tuple[str, Category | None, Risk | None, str, bool, Scope]


def _judge(path: list[str], words: Words, args: tuple[str, ...]) -> _Judged:
    remote = Scope.REMOTE
    if not path or is_help(args) or path[0] in ("help", "topic", "info", "version", "cheat-sheet"):
        return "gcloud-read", None, None, "shows help or information", False, Scope.WORKSPACE
    if path[0] in ("init", "feedback"):
        return _judge_local(path[0], path[0], f"`{path[0]}`")
    # The first word always names a group (``run``, ``logging``), never the command.
    index = next((i for i in range(1, len(path)) if _known(path[i])), 0)
    if not index:
        return "gcloud-unknown", None, None, f"`{' '.join(path)}` names no command", False, remote
    verb, groups = path[index], " ".join(path[:index])
    names = " ".join(path[index + 1 : index + 3])
    subject = f"{groups} {verb} {names}".strip()
    stateful = groups.startswith(_STATEFUL)
    if path[0] in _LOCAL_GROUPS:
        return _judge_local(path[0], verb, subject)
    if verb == "get-credentials":
        text = f"{subject} writes cluster credentials to the kubeconfig"
        return "gcloud-local", None, Risk.LOW, text, False, Scope.WORKSPACE
    if verb in _SECRET_VERBS or verb.startswith("print-"):
        text = f"{subject} reveals secrets"
        return "gcloud-secret-read", None, None, text, False, Scope.HOST
    if verb in _READ_VERBS or verb.startswith(("list-", "describe-", "get-")):
        return "gcloud-read", None, None, f"{subject} only reads", False, remote
    if words.has("--no-deletion-protection"):
        text = f"{subject} removes deletion protection"
        return "gcloud-delete", None, Risk.HIGH, text, True, remote
    if verb in ("resize", "set-size") and "0" in (words.value("--num-nodes", "--size"),):
        # every workload on the cluster or instance group stops
        return "gcloud-delete", None, Risk.HIGH, f"{subject} scales to zero", False, remote
    if verb in _GRANT_VERBS or (verb == "create" and groups.endswith("service-accounts keys")):
        return "gcloud-iam-grant", None, None, f"{subject} changes who has access", False, remote
    if groups == "storage" and verb == "rm":
        return _judge_storage_rm(words, subject)
    if groups == "storage" and verb in ("cp", "mv", "rsync"):
        return _judge_storage_copy(verb, path[index + 1 :], words, subject)
    if verb in _DELETE_VERBS or verb.startswith(("delete-", "remove-")):
        return _judge_delete(verb, subject, stateful, groups)
    if verb in ("ssh", "scp", "tunnel", "connect"):
        return "gcloud-ssh", None, Risk.HIGH, f"{subject} opens a remote session", False, remote
    if verb in _CREATE_VERBS or verb.startswith("add-"):
        return "gcloud-create", None, None, f"{subject} creates resources", False, remote
    return "gcloud-write", None, None, f"{subject} changes resources", False, remote


def _known(word: str) -> bool:
    return (
        word in _READ_VERBS
        or word in _SECRET_VERBS
        or word in _DELETE_VERBS
        or word in _GRANT_VERBS
        or word in _CREATE_VERBS
        or word in _WRITE_VERBS
        or word.startswith(("list-", "describe-", "get-", "delete-", "remove-", "add-", "print-"))
    )


def _judge_local(group: str, verb: str, subject: str) -> _Judged:
    """``config`` changes only client settings; ``auth``/``components`` touch the host."""
    if verb in _READ_VERBS or verb.startswith(("list", "get")):
        return "gcloud-read", None, None, f"{subject} reads local settings", False, Scope.WORKSPACE
    if verb in _SECRET_VERBS or verb.startswith("print-"):
        return "gcloud-secret-read", None, None, f"{subject} prints a token", False, Scope.HOST
    scope = Scope.WORKSPACE if group == "config" else Scope.HOST
    return "gcloud-local", None, Risk.LOW, f"{subject} changes {group} settings", False, scope


_CRITICAL = (
    "sql", "spanner", "bigtable", "projects", "container", "firestore", "alloydb", "kms",
    "storage buckets",
)  # fmt: skip


def _judge_delete(verb: str, subject: str, stateful: bool, groups: str) -> _Judged:
    remote = Scope.REMOTE
    if verb in ("disable", "undeploy", "detach-disk", "cancel", "reset"):
        return "gcloud-write", None, None, f"{subject} disrupts a resource", False, remote
    if stateful:
        critical = groups.startswith(_CRITICAL)
        risk = Risk.CRITICAL if critical else Risk.HIGH
        text = f"{subject}: deletes it (stateful: data may be lost)"
        return "gcloud-delete-stateful", None, risk, text, True, remote
    return "gcloud-delete", None, None, f"{subject} deletes resources", False, remote


def _judge_storage_rm(words: Words, subject: str) -> _Judged:
    if words.has("--recursive", "-r", "-R"):
        text = f"{subject} deletes every object under the path"
        return "gcloud-delete-stateful", None, Risk.CRITICAL, text, True, Scope.REMOTE
    return "gcloud-delete", None, None, f"{subject} deletes objects", True, Scope.REMOTE


def _judge_storage_copy(verb: str, operands: list[str], words: Words, subject: str) -> _Judged:
    if verb == "mv" and operands[:1] and operands[0].startswith("gs://"):
        recursive = words.has("--recursive", "-r", "-R") or _wildcard(operands[:-1])
        rule_id, risk, text, stateful = _moved_objects(subject, recursive)
        return rule_id, None, risk, text, stateful, Scope.REMOTE
    if _download_destination(operands) is not None:
        return "gcloud-read", None, None, f"{subject} downloads objects", False, Scope.REMOTE
    if words.has("--delete-unmatched-destination-objects"):
        text = f"{subject} deletes bucket objects the source lacks"
        return "gcloud-delete-stateful", None, Risk.CRITICAL, text, True, Scope.REMOTE
    return "gcloud-write", None, None, f"{subject} writes objects", False, Scope.REMOTE


def _moved_objects(subject: str, recursive: bool) -> tuple[str, Risk | None, str, bool]:
    """``mv`` from a bucket deletes each source object once copied: judged as ``rm``."""
    if recursive:
        text = f"{subject} moves every object matched: deletes them at the source"
        return "gcloud-delete-stateful", Risk.CRITICAL, text, True
    return "gcloud-delete", None, f"{subject} moves objects: deletes the source", True


def _wildcard(sources: Sequence[str]) -> bool:
    """Whether a source names many objects (``gs://b/*``, ``gs://b/**``)."""
    return any("*" in p for p in sources)


def _uploaded_sources(operands: Sequence[str]) -> list[str]:
    """The local paths a move into a bucket deletes once they are uploaded."""
    if len(operands) >= 2 and operands[-1].startswith("gs://"):
        return [p for p in operands[:-1] if not p.startswith("gs://")]
    return []


# --- gsutil --------------------------------------------------------------------------

_GSUTIL_VALUE = frozenset({"-o", "-h", "-u", "-i", "-p", "-l", "-c", "-x"})
_GSUTIL_READ = frozenset({"ls", "cat", "du", "stat", "hash", "version", "help", "test"})
_GSUTIL_META = frozenset(
    {"setmeta", "label", "lifecycle", "versioning", "retention", "logging", "web", "cors",
     "notification", "kms", "requesterpays", "autoclass", "rpo", "ubla", "pap", "bucketpolicyonly",
     "defstorageclass", "compose", "rewrite"}
)  # fmt: skip


def handle_gsutil(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for ``gsutil``."""
    words = split_words(cmd.args, _GSUTIL_VALUE)
    pos = words.positionals
    verb = pos[0] if pos else "help"
    env = _environment(cmd, ctx, words.value("-p", "-u"))
    rule_id, risk, what, stateful = _judge_gsutil(verb, pos[1:], words)
    scope = Scope.HOST if rule_id == "gcloud-secret-read" else Scope.REMOTE
    target = f"gsutil {verb} {' '.join(pos[1:3])}".strip()
    found = emit(_RULE[rule_id], cmd, target=target, environment=env,
                 explanation=f"gsutil {what}", risk=risk, stateful=stateful,
                 scope=scope)  # fmt: skip
    if verb in ("cp", "mv", "rsync"):
        dest = _download_destination(pos[1:])
        deletes = verb == "rsync" and "-d" in words.options
        moved = local_move(cmd, ctx, _uploaded_sources(pos[1:])) if verb == "mv" else []
        return (found, *moved, *local_copy(cmd, ctx, dest, deletes=deletes))
    return (found,)


def _download_destination(operands: Sequence[str]) -> str | None:
    """The local path a copy from a bucket writes, if it downloads."""
    if len(operands) >= 2 and operands[0].startswith("gs://"):
        dest = operands[-1]
        return None if dest.startswith("gs://") else dest
    return None


def _judge_gsutil(
    verb: str, rest: tuple[str, ...], words: Words
) -> tuple[str, Risk | None, str, bool]:
    sub = rest[0] if rest else ""
    if verb in _GSUTIL_READ or (verb in _GSUTIL_META | {"acl", "iam", "defacl"} and sub == "get"):
        return "gcloud-read", None, f"runs `{verb}`, which only reads", False
    if verb == "rm":
        if words.has("-r", "-R", "-a") or any(p.endswith(("/**", "/*")) for p in rest):
            return "gcloud-delete-stateful", Risk.CRITICAL, "deletes every object matched", True
        return "gcloud-delete", None, f"deletes {' '.join(rest)}", True
    if verb == "rb":
        return "gcloud-delete-stateful", Risk.CRITICAL, f"deletes bucket {' '.join(rest)}", True
    if verb == "rsync" and words.has("-d") and _download_destination(rest) is None:
        text = "rsync -d deletes destination objects the source lacks"
        return "gcloud-delete-stateful", Risk.CRITICAL, text, True
    if verb in ("acl", "iam", "defacl"):
        public = any("allusers" in a.lower() or "allauthenticatedusers" in a.lower() for a in rest)
        return "gcloud-iam-grant", Risk.CRITICAL if public else None, f"runs `{verb} {sub}`", False
    if verb == "signurl":
        return "gcloud-secret-read", None, "signs a URL that grants access to an object", False
    if verb == "mb":
        return "gcloud-create", None, f"creates bucket {' '.join(rest)}", False
    if verb == "mv" and rest[:1] and rest[0].startswith("gs://"):
        recursive = words.has("-r", "-R") or _wildcard(rest[:-1])
        return _moved_objects(f"`mv {' '.join(rest)}`", recursive)
    if verb in ("cp", "mv", "rsync"):
        if rest and rest[-1].startswith("gs://"):
            return "gcloud-write", None, f"{verb} to a bucket", False
        return "gcloud-read", None, f"{verb} downloads objects", False
    if verb in _GSUTIL_META:
        return "gcloud-write", None, f"runs `{verb} {sub}`", False
    return "gcloud-unknown", None, f"runs unknown command `{verb}`", False


# --- bq ------------------------------------------------------------------------------

_BQ_VALUE = frozenset(
    {"--project_id", "--location", "--dataset_id", "--format", "--apilog", "--api",
     "--job_id", "--max_rows", "-n", "--destination_table", "--parameter", "--label",
     "--schema", "--source_format", "--time_partitioning_field", "--description", "-t"}
)  # fmt: skip
_BQ_READ = frozenset({"ls", "show", "head", "version", "help", "wait", "get-iam-policy", "info"})


def handle_bq(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for ``bq``."""
    words = split_words(cmd.args, _BQ_VALUE)
    pos = words.positionals
    verb = pos[0] if pos else "help"
    env = _environment(cmd, ctx, words.value("--project_id"))
    rule_id, category, risk, what, stateful = _judge_bq(verb, pos[1:], words, cmd.stdin)
    target = f"bq {verb} {' '.join(pos[1:2])}".strip()
    return (emit(_RULE[rule_id], cmd, target=target, environment=env,
                 explanation=f"bq {what}", category=category, risk=risk,
                 stateful=stateful),)  # fmt: skip


def _judge_bq(
    verb: str, rest: tuple[str, ...], words: Words, stdin: str | None
) -> tuple[str, Category | None, Risk | None, str, bool]:
    if verb in _BQ_READ:
        return "gcloud-read", None, None, f"runs `{verb}`, which only reads", False
    if verb == "query":
        sql = " ".join(rest) if rest else stdin
        if words.has("--dry_run") or (read_only_sql(sql) and not words.has("--destination_table")):
            return "gcloud-read", None, None, "runs a read-only query", False
        if sql_deletes(sql):
            return "gcloud-delete-stateful", None, None, "runs SQL that deletes data", True
        return "gcloud-sql-change", None, None, "runs SQL that may change data", False
    if verb == "rm":
        recursive = words.has("-r", "--recursive")
        risk = Risk.CRITICAL if recursive else Risk.HIGH
        return "gcloud-delete-stateful", None, risk, f"deletes {' '.join(rest)}", True
    if verb in ("set-iam-policy", "add-iam-policy-binding", "remove-iam-policy-binding"):
        return "gcloud-iam-grant", None, None, f"runs `{verb}`", False
    if verb == "mk":
        return "gcloud-create", None, None, f"creates {' '.join(rest)}", False
    if verb in ("cp", "load", "insert", "update", "extract", "cancel", "truncate", "undelete"):
        replace = words.has("-f", "--force", "--replace") and verb in ("cp", "load")
        category = Category.REPLACE if replace else None
        return "gcloud-write", category, None, f"runs `{verb}` {' '.join(rest)}", False
    return "gcloud-unknown", None, None, f"runs unknown command `{verb}`", False


HANDLERS: Mapping[str, Handler] = {
    "gcloud": handle_gcloud,
    "gsutil": handle_gsutil,
    "bq": handle_bq,
}

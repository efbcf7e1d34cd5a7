"""Command-line clients of shared services: secret stores (vault, op, doppler), backup
tools (restic, borg, velero, rclone), message brokers (kafka, rabbitmq, nats), CI
systems (circleci, gitlab-runner, jenkins-cli) and hosted platforms.

These tools share a grammar: ``TOOL [NOUN] VERB [args]``, where the verb says what
happens to a remote system. Deleting, destroying, purging, pruning, forgetting,
revoking, disabling or unregistering is a remote delete, and since these systems hold
secrets, backups and queues, it is held for approval; listing, reading and describing
are reads; anything else is a remote write. A few tools speak through options instead
of verbs (``kafka-topics --delete``) or through the data they move (``rclone sync``
deletes at the destination); they say so in the tables below.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import word_table
from interlock.models import Category, Finding, Risk, Scope

SERVICE_READ = Rule(
    "service-read",
    Category.READ,
    "Listing, reading, describing or checking a shared service.",
    ("vault kv get secret/app", "restic snapshots", "kafka-topics --list", "op item list"),
)
SERVICE_WRITE = Rule(
    "service-write",
    Category.WRITE,
    "Changing a shared service (creating, putting, updating, backing up, running).",
    ("vault kv put secret/app k=v", "restic backup /srv", "rclone copy ./d remote:b"),
)
SERVICE_DELETE = Rule(
    "service-delete",
    Category.DELETE,
    "Deleting, destroying, purging, pruning, forgetting, revoking, disabling or "
    "unregistering on a shared service (secrets, backups, queues, CI configuration).",
    (
        "vault secrets disable secret/",
        "restic forget --prune --keep-last 1",
        "kafka-topics --bootstrap-server k:9092 --delete --topic orders",
        "op vault delete Eng",
        "rclone sync /empty remote:bucket",
        "borg delete repo::archive",
    ),
)

SERVICE_PRIVILEGE = Rule(
    "service-privilege",
    Category.PRIVILEGE,
    "Minting credentials or changing who may do what on a shared service: vault token "
    "create, policy write, auth enable, writes under auth/, sys/policy or identity/; "
    "consul and nomad ACL changes; vault operator (root tokens, rekeying, unsealing).",
    (
        "vault token create -policy=root",
        "vault policy write admin admin.hcl",
        "vault write auth/userpass/users/eve password=x policies=root",
        "consul acl token create -policy-name global-management",
        "vault operator generate-root -init",
    ),
)

#: ``NOUN VERB`` pairs (lower-cased positional words) that grant access or mint
#: credentials; ``acl`` and ``operator`` count whatever follows unless it only reads.
_PRIVILEGE_PAIRS = frozenset(
    {("token", "create"), ("token", "renew"), ("policy", "write"), ("policy", "create")}
    | {("policy", "update"), ("policy", "apply"), ("auth", "enable"), ("auth", "tune")}
    | {("auth", "move"), ("secrets", "enable"), ("audit", "disable")}
)
_PRIVILEGE_NOUNS = frozenset({"acl", "operator"})
#: Paths of a ``vault write`` that configure authentication or authorisation.
_PRIVILEGE_PATHS = ("auth/", "sys/policy", "sys/policies", "sys/auth", "identity/", "sys/mounts")

#: Verbs (anywhere among the words, or as ``--verb`` options) that destroy.
DELETE_VERBS: frozenset[str] = word_table(
    """
        delete del rm remove destroy purge prune forget drop unregister disable revoke clear
        erase wipe truncate unset cleanup compact rdelete repo-delete deletefile rmdir
        rmdirs delete-records delete-config remove-secret delete_user delete_vhost
        delete_queue delete_exchange clear_permissions purge_queue forget_cluster_node reset
        force_reset delete-job delete-node delete-view delete-builds uninstall terminate
        deactivate archive expunge recreate move dedupe --delete --remove --delete-config
        --purge --prune --delete-before --delete-during --delete-after --delete-excluded
        --unsafe-allow-remove-all
    """
)
#: Verbs that only read.
READ_VERBS: frozenset[str] = word_table(
    """
        list ls lsd lsl lsf lsjson get show info status describe version check diff cat logs
        log lookup read find snapshots stats whoami who-am-i ping about size md5sum sha1sum
        hashsum tree search inspect help audit health validate view dump mount report
        listremotes cluster_status environment diagnostics print --list --describe --version
        --help -h list-jobs list-plugins list-views get-job get-node get-credentials
        metadata token capabilities tail download verify key extract config open signin
        doctor diagnostic list_queues list_exchanges list_bindings list_users list_vhosts
        list_permissions list_connections list_channels list_consumers list_policies ncdu
        cryptcheck lookup-self --dry-run -n --dryrun check-permissions discover
    """
)
#: Tools whose every subcommand is judged with the tables above.
TOOLS: frozenset[str] = word_table(
    """
        vault op doppler infisical chamber restic borg velero rclone kafka-topics
        kafka-consumer-groups kafka-acls kafka-configs kafka-delete-records
        kafka-reassign-partitions rabbitmqctl rabbitmqadmin rabbitmq-diagnostics
        rabbitmq-plugins nats gitlab-runner circleci jenkins-cli consul nomad etcdctl flyctl
        fly heroku vercel netlify railway supabase firebase wrangler s3cmd mc stripe pscale
        neonctl turso sentry-cli glab tea jf vagrant ansible-vault auth0 okta tsh boundary
        waypoint pulsar-admin temporal tctl mongocli atlas influx clickhouse kcat redpanda
        rpk
    """
)
#: Options whose values are not verbs.
_VALUES = word_table(
    """
        -s --server --bootstrap-server --url -u --address --project -p --config -c --vault
        --account --token --repo -r --topic --group --entity-name --entity-type --namespace
        -n --host -H --org --org-slug --team --context --region --app -a --profile --format
        --output -o --keep-last --keep-daily --keep-weekly --keep-monthly --keep-hourly
        --keep-yearly --tag --path --name --selector --offset-json-file --operation
        --max-unused -version -versions --vhost -V
    """
)
_READ_PREFIXES = ("search", "list", "get-", "show", "describe", "list-")
_API_WRITES = word_table(
    """
        post put patch delete -x --method -d --data
    """
)
_KAFKA_WRITES = frozenset({"--create", "--alter", "--add", "--reset-offsets", "--execute"})
_HOST_OPTIONS = ("-s", "--server", "--bootstrap-server", "--url", "--address", "--host", "-H")


def _words(args: tuple[str, ...]) -> list[str]:
    """Verb candidates: positional words and bare ``--verb`` options, lower-cased."""
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in _VALUES and "=" not in arg:
            skip = True
        elif arg.startswith("-"):
            out.append(name.lower())
        else:
            out.append(arg.lower())
    return out


def _host(args: tuple[str, ...]) -> str | None:
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in _HOST_OPTIONS:
            value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            target = value if "://" in value else f"x://{value}"
            try:
                return urlsplit(target).hostname
            except ValueError:
                return None
    return None


def judge_service(
    cmd: SimpleCommand, ctx: CommandContext, args: tuple[str, ...], tool: str
) -> Finding:
    """The finding for a service CLI call given its arguments (after the tool name)."""
    words = _words(args)
    head = words[:4]
    env = ctx.resolve_environment("hosts", _host(args))
    what = f"{tool} {' '.join(w for w in words[:3] if not w.startswith('-'))}".strip()
    deleting = [w for w in words if w in DELETE_VERBS]
    if tool == "rclone" and head[:1] == ["sync"]:
        deleting.append("sync")
    if tool in ("kafka-delete-records",):
        deleting.append(tool)
    dry = bool({"--dry-run", "-n", "--dryrun"} & set(words)) and tool in (
        "rclone",
        "restic",
        "borg",
    )
    if deleting and not dry:
        return finding(
            SERVICE_DELETE,
            cmd,
            scope=Scope.REMOTE,
            target=what,
            risk=Risk.HIGH,
            explanation=f"{what}: {deleting[0]} on a shared service",
            environment=env,
            stateful=True,
        )
    reading = [w for w in head if w in READ_VERBS or w.startswith(_READ_PREFIXES)] or dry
    granting = _granting(tool, [w for w in words if not w.startswith("-")])
    if granting:
        return finding(
            SERVICE_PRIVILEGE,
            cmd,
            scope=Scope.REMOTE,
            target=what,
            risk=Risk.HIGH,
            explanation=f"{what}: {granting} changes who may do what on a shared service",
            environment=env,
        )
    if "api" in head[:2] and not (set(words) & _API_WRITES):
        reading = ["api"]
    verbs = [w for w in head if not w.startswith("-")]
    if tool.startswith("kafka-"):
        reading = [] if set(words) & _KAFKA_WRITES else ["--list"]
    if reading or (not verbs and not tool.startswith("kafka-")):
        return finding(
            SERVICE_READ,
            cmd,
            scope=Scope.REMOTE,
            target=what,
            risk=Risk.NONE,
            explanation=f"{what} reads a shared service",
            environment=env,
            category=Category.READ,
        )
    return finding(
        SERVICE_WRITE,
        cmd,
        scope=Scope.REMOTE,
        target=what,
        risk=Risk.MEDIUM,
        explanation=f"{what} changes a shared service",
        environment=env,
    )


def _granting(tool: str, verbs: list[str]) -> str:
    """What in ``verbs`` grants access or mints credentials ("" for nothing).

    Checked before the read verbs: ``token`` reads in ``vault token lookup`` but
    ``vault token create`` makes a credential, possibly a root one.
    """
    for pair in itertools.islice(itertools.pairwise(verbs), 3):
        if pair in _PRIVILEGE_PAIRS:
            return " ".join(pair)
    if verbs[:1] and verbs[0] in _PRIVILEGE_NOUNS and tool in ("vault", "consul", "nomad"):
        rest = verbs[1:4]
        if not any(w in READ_VERBS or w.startswith(_READ_PREFIXES) for w in rest):
            return verbs[0]
    if tool == "vault" and verbs[:1] == ["write"] and verbs[1:2]:
        path = verbs[1]
        if path.startswith(_PRIVILEGE_PATHS):
            return f"write {path}"
    return ""


def _handle(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    return (judge_service(cmd, ctx, cmd.args, cmd.program),)


def _packer(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """packer: ``build`` creates machine images in clouds; the rest is local."""
    del ctx
    words = [a for a in cmd.args if not a.startswith("-")]
    verb = words[0] if words else ""
    checking = {"-check", "-diff", "-write=false"} & set(cmd.args)
    if verb == "build":
        return (
            finding(
                SERVICE_WRITE,
                cmd,
                scope=Scope.REMOTE,
                target="packer build",
                explanation="packer build creates machine images in a cloud",
                risk=Risk.MEDIUM,
            ),
        )
    if (
        (verb in ("fmt", "init", "fix", "hcl2_upgrade") and not checking)
        or words[:2] == ["plugins", "install"]
        or words[:2] == ["plugins", "remove"]
    ):
        return (
            finding(
                SERVICE_WRITE,
                cmd,
                scope=Scope.WORKSPACE,
                target=f"packer {verb}",
                explanation=f"packer {verb} changes local files",
                risk=Risk.LOW,
            ),
        )
    return (
        finding(
            SERVICE_READ,
            cmd,
            scope=Scope.WORKSPACE,
            target=f"packer {verb}".strip(),
            explanation="packer only reads templates",
            risk=Risk.NONE,
            category=Category.READ,
        ),
    )


def _java(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``java -jar jenkins-cli.jar ...`` is the Jenkins CLI; other jars are programs."""
    args = cmd.args
    if "-jar" in args:
        jar = args[args.index("-jar") + 1] if args.index("-jar") + 1 < len(args) else ""
        if "jenkins-cli" in jar:
            return (judge_service(cmd, ctx, args[args.index("-jar") + 2 :], "jenkins-cli"),)
    if {"-version", "--version", "-help", "--help"} & set(args):
        return (
            finding(
                SERVICE_READ,
                cmd,
                scope=Scope.WORKSPACE,
                target="java",
                risk=Risk.NONE,
                explanation="prints the version",
                category=Category.READ,
            ),
        )
    return (
        finding(
            SERVICE_WRITE,
            cmd,
            scope=Scope.WORKSPACE,
            target="java",
            risk=Risk.LOW,
            explanation="runs a Java program in the workspace; its code is not read",
        ),
    )


HANDLERS: Mapping[str, Handler] = {
    **dict.fromkeys(TOOLS, _handle),
    "java": _java,
    "packer": _packer,
}

RULES: tuple[Rule, ...] = (SERVICE_READ, SERVICE_WRITE, SERVICE_DELETE, SERVICE_PRIVILEGE)

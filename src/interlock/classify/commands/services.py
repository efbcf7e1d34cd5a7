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

The hosted platforms' CLIs add three shapes. heroku, firebase and netlify name their
commands ``topic:verb`` (``heroku apps:destroy``, ``firebase firestore:delete``): the
id is split at its colons and its last part is the verb, so the topic (``config`` in
``heroku config:set``) never reads as one. Some verbs destroy on one platform only
(``heroku pg:copy`` overwrites its target, ``stripe subscriptions cancel``, ``railway
down``). And a few carry SQL (``heroku pg:psql -c``, ``wrangler d1 execute
--command``, ``turso db shell DB SQL``), judged by what the SQL does (the SQL
reader of ``sqlclients.py`` takes ``wrangler d1 execute``, ``clickhouse client`` and
the 1.x ``influx -execute`` whole). Commands these
CLIs run on a dyno, machine or droplet are found by ``commands/hosted.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlsplit

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.cloudverbs import read_only_sql, sql_deletes
from interlock.classify.commands.paths import word_table
from interlock.classify.commands.secretstores import PASSWORD_MANAGERS, SERVICE_SECRET_READ, reveals
from interlock.classify.commands.sqlclients import clickhouse_subcommand, influx_v1, wrangler_d1
from interlock.models import Category, Finding, Risk, Scope

SERVICE_READ = Rule(
    "service-read",
    Category.READ,
    "Listing, reading, describing or checking a shared service.",
    ("vault kv list secret/", "restic snapshots", "kafka-topics --list", "op item list"),
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
    "Deleting, destroying, purging, pruning, forgetting, revoking, disabling, "
    "unregistering, resetting or overwriting on a shared service (secrets, backups, "
    "queues, CI configuration, hosted apps and databases), or scaling it to zero.",
    (
        "vault secrets disable secret/",
        "restic forget --prune --keep-last 1",
        "kafka-topics --bootstrap-server k:9092 --delete --topic orders",
        "op vault delete Eng",
        "rclone sync /empty remote:bucket",
        "borg delete repo::archive",
        "heroku apps:destroy --app myapp --confirm myapp",
        "heroku pg:psql -c 'DROP TABLE users'",
        "railway down -y",
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
        --unsafe-allow-remove-all -purge
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
TOOLS: frozenset[str] = (
    word_table(
        """
        vault op doppler infisical chamber restic borg velero rclone kafka-topics
        kafka-consumer-groups kafka-acls kafka-configs kafka-delete-records
        kafka-reassign-partitions rabbitmqctl rabbitmqadmin rabbitmq-diagnostics
        rabbitmq-plugins nats gitlab-runner circleci jenkins-cli consul nomad etcdctl flyctl
        fly heroku vercel netlify railway supabase firebase wrangler s3cmd mc stripe pscale
        neonctl turso sentry-cli glab tea jf vagrant ansible-vault auth0 okta tsh boundary
        waypoint pulsar-admin temporal tctl mongocli atlas influx clickhouse kcat redpanda
        rpk doctl render
    """
    )
    | PASSWORD_MANAGERS
)
#: Tools whose commands are ``topic:verb`` ids (oclif's heroku and netlify CLIs,
#: firebase-tools): ``apps:destroy`` is the topic ``apps`` and the verb ``destroy``.
_COLON_TOOLS = frozenset({"heroku", "firebase", "netlify"})
#: heroku topics that list or show when named alone (``heroku apps``, ``heroku ps``).
_HEROKU_INDEXES = word_table(
    """
        apps addons releases domains ps pg access features labs buildpacks certs drains
        webhooks pipelines spaces regions stack authorizations sessions keys teams
        members maintenance redis
    """
)
#: Verbs that change something. After the first word (often a noun: ``velero backup
#: get``), the first positional word that is a read or a write verb decides: ``vercel
#: env add KEY`` and ``wrangler secret put KEY`` write although ``key`` reads.
_WRITE_VERBS = word_table(
    """
        set put add create update upsert push deploy apply write import upload run exec
        execute start stop restart scale promote demote rollback redeploy up enable attach
        detach rename copy cp sync insert send publish trigger invoke grant edit patch
        post replace pause resume suspend cancel kill save rotate submit merge approve
        unlock
    """
)
#: ``tool verb`` pairs that destroy on that platform only: heroku ``pg:copy`` and
#: ``pg:backups:restore`` overwrite a database, ``neonctl branches restore`` and
#: ``wrangler d1 time-travel restore`` a branch or database, ``doctl compute
#: droplet-action rebuild|restore`` a droplet's disk; a cancelled, voided or closed
#: stripe object cannot be reopened; ``railway down`` removes the latest deployment;
#: ``supabase stop --no-backup`` deletes the local database's volumes.
_TOOL_DELETES = frozenset(
    {("heroku", "copy"), ("heroku", "restore"), ("neonctl", "restore")}
    | {("wrangler", "restore"), ("doctl", "rebuild"), ("doctl", "restore")}
    | {("stripe", "cancel"), ("stripe", "void"), ("stripe", "close"), ("stripe", "reject")}
    | {("railway", "down"), ("supabase", "--no-backup"), ("firebase", "database set")}
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
#: Method names that delete, for ``api METHOD`` (``netlify api deleteSite``).
_API_DELETES = ("delete", "remove", "purge", "destroy")
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
    unsplit = _words(args)
    what = f"{tool} {' '.join(w for w in unsplit[:3] if not w.startswith('-'))}".strip()
    words = _split_id(unsplit) if tool in _COLON_TOOLS else unsplit
    env = ctx.resolve_environment("hosts", _host(args))
    verbs = [w for w in words if not w.startswith("-")]
    dry = bool({"--dry-run", "-n", "--dryrun"} & set(words)) and tool in (
        "rclone",
        "restic",
        "borg",
    )
    queries = _carried_sql(tool, args, verbs)
    deleting = _deleting(tool, words, verbs, queries)
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
    granting = _granting(tool, verbs)
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
    if reveals(tool, verbs, words):
        return finding(
            SERVICE_SECRET_READ,
            cmd,
            scope=Scope.HOST,  # as aws-secret-read: the value lands here, with the agent
            target=what,
            risk=Risk.MEDIUM,
            explanation=f"{what} prints secret values into the agent's context",
            environment=env,
        )
    if queries:  # a script file given as well runs unread
        reading = all(map(read_only_sql, queries)) and not {"-f", "--file"} & set(words)
    else:
        command = next((w for w in unsplit if not w.startswith("-")), "")
        reading = dry or _reads(tool, command, words, verbs)
    if reading:
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


def _split_id(words: list[str]) -> list[str]:
    """``apps:destroy --app x`` as ``apps destroy --app x``: only the command id, the
    first positional word, is split (``config:set K=a:b`` keeps its value whole)."""
    at = next((i for i, w in enumerate(words) if not w.startswith("-")), None)
    if at is None or ":" not in words[at]:
        return words
    return [*words[:at], *(p for p in words[at].split(":") if p), *words[at + 1 :]]


def _deleting(tool: str, words: list[str], verbs: list[str], queries: list[str]) -> list[str]:
    """What in the line destroys, deletes or overwrites (empty for nothing)."""
    found = [w for w in words if w in DELETE_VERBS or (tool, w) in _TOOL_DELETES]
    if (tool, " ".join(verbs[:2])) in _TOOL_DELETES:
        found.append(" ".join(verbs[:2]))
    if tool == "rclone" and words[:1] == ["sync"]:
        found.append("sync")
    if tool == "kafka-delete-records":
        found.append(tool)
    method = _api_method(verbs)
    if method.startswith(_API_DELETES):
        found.append(method)
    if tool == "firebase" and verbs[:1] == ["deploy"] and "--force" in words:
        found.append("deploy --force (deleting functions missing from the source)")
    if _scales_to_zero(verbs):
        found.append("scaling to zero")
    if any(sql_deletes(q) for q in queries):
        found.append("SQL that drops, truncates or deletes")
    return found


def _scales_to_zero(verbs: list[str]) -> bool:
    """``heroku ps:scale web=0``, ``fly scale count 0``, ``nomad job scale web g 0``:
    every instance stops, an outage."""
    if "scale" not in verbs[:3]:
        return False
    rest = verbs[verbs.index("scale") + 1 :]
    return any(w == "0" or w.endswith("=0") for w in rest)


def _reads(tool: str, command: str, words: list[str], verbs: list[str]) -> bool:
    """Whether the line only reads: its verb (or an option such as ``--help``) says so.
    ``command`` is the first positional word, a ``topic:verb`` id on the colon tools."""
    head = words[:4]
    if any(w.startswith("-") and w in READ_VERBS for w in head):
        return True
    if tool.startswith("kafka-"):
        return not set(words) & _KAFKA_WRITES
    if "api" in verbs[:2]:
        return _api_reads(tool, verbs, words)
    if not verbs:
        return tool != "vercel"  # bare ``vercel`` (``vercel --prod``) deploys
    if tool in _COLON_TOOLS:
        return _id_reads(tool, command)
    for at, verb in enumerate(verbs[:4]):
        if verb in READ_VERBS or verb.startswith(_READ_PREFIXES):
            return True
        if at and verb in _WRITE_VERBS:
            return False
    return False


def _api_reads(tool: str, verbs: list[str], words: list[str]) -> bool:
    """``auth0 api PATH`` is a GET unless a method or data is given; ``netlify api
    METHOD`` names an operation (``getSite``, ``createSite``), which reads only when
    it gets or lists."""
    if tool == "netlify":
        return _api_method(verbs).startswith(("get", "list"))
    return not set(words) & _API_WRITES


def _api_method(verbs: list[str]) -> str:
    """The word after ``api`` in the first two verbs ("" for none)."""
    at = verbs.index("api") if "api" in verbs[:2] else len(verbs)
    return verbs[at + 1] if at + 1 < len(verbs) else ""


def _id_reads(tool: str, command: str) -> bool:
    """A ``topic:verb`` id reads when its last part does; heroku's bare topics list."""
    parts = [p for p in command.split(":") if p] or [""]
    verb = parts[-1]
    if verb in READ_VERBS or verb.startswith(_READ_PREFIXES):
        return True
    return tool == "heroku" and len(parts) == 1 and verb in _HEROKU_INDEXES


def _carried_sql(tool: str, args: tuple[str, ...], verbs: list[str]) -> list[str]:
    """SQL the line runs on a hosted database: ``heroku pg:psql -c SQL``, ``turso db
    shell DB SQL`` (``wrangler d1 execute`` is read in full by ``sqlclients``)."""
    if tool == "heroku" and verbs[:2] == ["pg", "psql"]:
        return _option_texts(args, ("-c", "--command"))
    if tool == "turso" and verbs[:2] == ["db", "shell"]:
        return [a for a in args if not a.startswith("-")][3:4]
    return []


def _option_texts(args: tuple[str, ...], names: tuple[str, ...]) -> list[str]:
    """Values of ``NAME VALUE`` and ``NAME=VALUE`` for each of ``names``."""
    found: list[str] = []
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in names:
            found.append(value if eq else (args[i + 1] if i + 1 < len(args) else ""))
    return [text for text in found if text]


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
    reader = _QUERY_FORMS.get(cmd.program)
    queried = reader(cmd, ctx) if reader is not None else None
    if queried is not None:
        return queried
    return (judge_service(cmd, ctx, cmd.args, cmd.program),)


#: Service CLIs with a subcommand that is a database client (``clickhouse client``,
#: ``wrangler d1 execute``, the 1.x ``influx -execute``): judged by the SQL reader, which
#: answers ``None`` for their other subcommands.
_QUERY_FORMS: Mapping[str, Callable[[SimpleCommand, CommandContext], list[Finding] | None]] = {
    "clickhouse": clickhouse_subcommand,
    "wrangler": wrangler_d1,
    "influx": influx_v1,
}


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

RULES: tuple[Rule, ...] = (
    SERVICE_READ,
    SERVICE_WRITE,
    SERVICE_DELETE,
    SERVICE_PRIVILEGE,
    SERVICE_SECRET_READ,
)

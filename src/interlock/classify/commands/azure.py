"""Azure CLI command lines: ``az GROUP... COMMAND [--flags]``.

The command word after the groups says what happens (Azure CLI reference): ``list``,
``show``, ``exists``, ``get-*`` and ``what-if`` read; ``delete``, ``purge`` and
``remove`` delete; ``role assignment create`` and ``keyvault set-policy`` grant;
``create``/``update``/``set`` change. Groups that hold data (SQL, Cosmos DB,
storage, disks, Key Vault, databases, resource groups as a whole) make a delete
critical; a storage ``move`` deletes its source, so it is judged as that delete.
Reading credentials (``keyvault secret show``, ``storage account keys list``,
``account get-access-token``) exposes them; SAS tokens, public container access and
firewall rules opened to everyone expose data.

The environment is ``--subscription`` (or ``AZURE_SUBSCRIPTION_ID``), matched as an
Azure subscription; without one it is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand
from interlock.classify.commands.cloudverbs import (
    HELP_FLAGS,
    Words,
    emit,
    local_copy,
    split_words,
)
from interlock.classify.commands.cloudverbs import variable as var
from interlock.models import Category, Finding, Risk, Scope

R = Rule
RULES: tuple[Rule, ...] = (
    R("az-read", Category.READ, "Azure command that only reads",
      ("az vm list -g app", "az --subscription prod-sub storage account show -n st",
       "az deployment group what-if -g rg --template-file main.bicep")),
    R("az-secret-read", Category.EXPOSURE, "reveals secrets, keys or access tokens",
      ("az keyvault secret show --vault-name kv -n db", "az storage account keys list -n st",
       "az account get-access-token")),
    R("az-local", Category.WRITE, "changes only client settings or local files",
      ("az account set --subscription dev", "az aks get-credentials -g rg -n aks",
       "az bicep build -f main.bicep")),
    R("az-host", Category.WRITE, "signs in, installs extensions or stores credentials",
      ("az login", "az extension add --name aks-preview", "az acr login -n reg")),
    R("az-create", Category.CREATE, "creates Azure resources",
      ("az vm create -g rg -n vm1 --image Ubuntu2204",)),
    R("az-write", Category.WRITE, "changes Azure resources",
      ("az webapp restart -g rg -n app", "az vm update -g rg -n vm1 --set tags.env=qa")),
    R("az-run-command", Category.WRITE, "runs commands or opens a shell on a VM or container",
      ("az vm run-command invoke -g rg -n vm1 --command-id RunShellScript --scripts 'ls'",)),
    R("az-delete", Category.DELETE, "deletes Azure resources",
      ("az vm delete -g rg -n vm1 --yes", "az network nsg rule delete -g rg --nsg-name n -n r")),
    R("az-delete-stateful", Category.DELETE, "deletes a resource that holds data",
      ("az group delete -n rg-prod --yes", "az sql db delete -g rg -s srv -n ledger",
       "az keyvault purge -n kv", "az storage blob delete-batch -s c --account-name st",
       "az storage fs directory move -f fs -n logs --new-directory fs/old --account-name st")),
    R("az-remove-protection", Category.DELETE, "removes a resource lock",
      ("az lock delete -n keep -g rg",)),
    R("az-role-assignment", Category.PRIVILEGE, "grants roles, policies or credentials",
      ("az role assignment create --assignee me --role Owner",
       "az keyvault set-policy -n kv --object-id x --secret-permissions get list",
       "az ad sp credential reset --id app")),
    R("az-exposure", Category.EXPOSURE, "opens data or network access",
      ("az storage container generate-sas -n c --account-name st --permissions r",
       "az storage container set-permission -n c --public-access blob",
       "az vm open-port -g rg -n vm1 --port 22")),
    R("az-unknown", Category.WRITE, "Azure command interlock does not know",
      ("az vm", "az frobnicate things")),
)  # fmt: skip
_RULE = {r.rule_id: r for r in RULES}

_GLOBAL_VALUE = frozenset({"--subscription", "--output", "-o", "--query"})
#: Flags that take no value; every other flag binds the word after it.
_SWITCHES = frozenset(
    {"--yes", "-y", "--no-wait", "--force", "--debug", "--verbose", "--only-show-errors",
     "--help", "-h", "--all", "--follow", "--overwrite-existing", "--admin", "--created",
     "--deleted", "--updated", "--exists", "--list", "--version", "--blocking", "--enabled",
     "--permanent", "--recursive", "--dry-run", "--generate-ssh-keys", "--no-logs",
     "--use-device-code", "--service-principal", "--identity", "--allow-no-subscriptions",
     "--enable-cluster-autoscaler", "--include-all", "--keep-history", "--show-details"}
)  # fmt: skip
#: Command words that never double as group names (``webapp config``, ``pipelines
#: build`` are groups): a read under such a group would be taken for a change.
_WRITE_VERBS = frozenset(
    {"create", "update", "set", "add", "start", "stop", "restart", "deallocate", "reset",
     "grant-access", "revoke-access", "open-port", "regenerate", "renew", "invoke", "upload",
     "upload-batch", "copy", "import", "export", "deploy", "up", "run", "scale", "upgrade",
     "resize", "redeploy", "capture", "generalize", "move", "restore", "recover", "register",
     "unregister", "enable", "disable", "swap", "sync", "apply", "cancel", "attach", "detach",
     "rotate", "failover", "tag", "assign", "approve", "reject", "invite", "config-zip",
     "start-copy"}
)  # fmt: skip
_VERB_PREFIXES = (
    "list-", "show-", "get-", "delete-", "remove-", "generate-", "set-", "add-", "create-",
    "update-", "enable-", "disable-",
)  # fmt: skip
_READ_VERBS = frozenset(
    {"list", "show", "get", "exists", "query", "download", "download-batch", "url", "tail",
     "logs", "check-health", "version", "find", "wait", "summarize", "what-if", "validate",
     "check-name", "check-name-availability", "list-versions", "browse", "help", "search"}
)  # fmt: skip
_DELETE_VERBS = frozenset({"delete", "purge", "remove", "delete-batch"})
_GRANT_GROUPS = ("role assignment", "role definition", "ad app permission", "vm user")
_GRANT_VERBS = frozenset(
    {"set-policy", "delete-policy", "create-for-rbac", "admin-consent", "grant", "reset-ssh",
     "assign-identity"}
)  # fmt: skip
_SECRETS = frozenset(
    {"keyvault secret show", "keyvault secret download", "keyvault key download",
     "keyvault certificate download", "account get-access-token", "storage account keys list",
     "storage account show-connection-string", "cosmosdb keys list", "redis list-keys",
     "functionapp keys list", "acr credential show", "webapp deployment list-publishing-profiles",
     "webapp deployment list-publishing-credentials",
     "functionapp deployment list-publishing-profiles", "authorization-rule keys list",
     "search admin-key show", "signalr key list", "eventgrid topic key list"}
)  # fmt: skip
_LOCAL = frozenset(
    {"account set", "account clear", "configure", "config", "cloud set", "devops configure",
     "aks get-credentials", "bicep build", "bicep decompile", "bicep format", "acr helm",
     "aks install-cli"}
)  # fmt: skip
_HOST = frozenset(
    {"login", "logout", "extension", "upgrade", "bicep install", "bicep upgrade", "acr login",
     "devops login", "devops logout", "interactive", "feedback", "self-test"}
)  # fmt: skip
_RUN = frozenset(
    {"vm run-command", "vmss run-command", "container exec", "container attach", "serial-console",
     "ssh", "webapp ssh", "aks command", "spring app connect"}
)  # fmt: skip
_STATEFUL = (
    "sql", "cosmosdb", "storage", "disk", "snapshot", "keyvault", "redis", "postgres", "mysql",
    "mariadb", "aks", "group", "acr", "monitor log-analytics", "servicebus", "eventhubs",
    "backup", "ml", "appconfig", "sig", "netappfiles", "synapse", "kusto", "databricks",
    "search", "dls", "datalake", "image", "managedapp", "hdinsight", "stream-analytics",
)  # fmt: skip
#: ``_SECRETS`` as word lists, by first word (``_names_secret``).
_SECRET_PHRASES: dict[str, list[list[str]]] = {}
for _phrase in sorted(_SECRETS):
    _SECRET_PHRASES.setdefault(_phrase.split()[0], []).append(_phrase.split())
#: Words in the longest phrase of the tables matched at the head of the path.
_HEAD_WORDS = max(len(p.split()) for p in _HOST | _LOCAL | _RUN)
_CRITICAL = ("group", "sql server", "sql db", "cosmosdb", "storage account", "storage container",
             "keyvault", "postgres", "mysql", "aks", "backup", "redis", "disk")  # fmt: skip


def handle_az(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for ``az``."""
    words = split_words(cmd.args, _GLOBAL_VALUE, switches=_SWITCHES)
    path = list(words.path)
    subscription = words.value("--subscription") or var(cmd, ctx, "AZURE_SUBSCRIPTION_ID")
    if path[:2] == ["account", "set"]:
        subscription = subscription or words.value("-s", "--name", "-n")
    env = ctx.resolve_environment("azure_subscriptions", subscription)
    rule_id, category, risk, what, stateful, scope = _judge(path, words, cmd.args)
    name = words.value("--name", "-n", "--ids", "--vault-name", "--account-name") or ""
    target = f"az {' '.join(path)} {name}".strip()
    found = emit(_RULE[rule_id], cmd, target=target, environment=env or None,
                 explanation=f"{target}: {what}", category=category, scope=scope, risk=risk,
                 stateful=stateful)  # fmt: skip
    if rule_id == "az-read" and path[-1:] in (["download"], ["download-batch"]):
        dest = words.value("--file", "-f", "--destination", "-d")
        return (found, *local_copy(cmd, ctx, dest))
    return (found,)


_Judged = tuple[str, Category | None, Risk | None, str, bool, Scope]


def _judge(path: list[str], words: Words, args: tuple[str, ...]) -> _Judged:
    remote = Scope.REMOTE
    if not path:
        if words.has("--version", "--help", "-h"):
            return "az-read", None, None, "shows help or version", False, Scope.WORKSPACE
        heads: set[str] = set()
    else:
        # the command path's leading phrases, no longer than the longest in the tables
        head = path[0]
        heads = {head}
        for word in path[1:_HEAD_WORDS]:
            head = f"{head} {word}"
            heads.add(head)
    if (
        not HELP_FLAGS.isdisjoint(args)  # ``is_help``
        or (path and path[0] in ("version", "find"))
        or path[:2] == ["bicep", "version"]
    ):
        return "az-read", None, None, "shows help or information", False, Scope.WORKSPACE
    if _names_secret(path):
        text = "reveals credentials"
        return "az-secret-read", None, None, text, False, Scope.HOST
    if not heads.isdisjoint(_HOST):
        return "az-host", None, Risk.LOW, "changes the user's setup", False, Scope.HOST
    if not heads.isdisjoint(_LOCAL):
        if words.has("--list") or path[-1:] in (["get"], ["show"]):
            return "az-read", None, None, "reads settings", False, Scope.WORKSPACE
        text = "changes client settings"
        return "az-local", None, Risk.LOW, text, False, Scope.WORKSPACE
    if not heads.isdisjoint(_RUN):
        return "az-run-command", None, Risk.HIGH, "runs unreviewed commands", False, remote
    if path[:1] == ["deployment"] and (words.value("--mode") or "").lower() == "complete":
        # Complete mode deletes every resource of the group the template does not name
        text = "deploys in Complete mode: resources the template omits are deleted"
        return "az-delete-stateful", None, Risk.CRITICAL, text, True, remote
    if _sizes_to_zero(path, words):
        text = "scales the cluster or set to zero nodes"
        return "az-delete", None, Risk.HIGH, text, False, remote
    if path[:1] == ["rest"]:
        return _judge_rest(words)
    for index in range(1, len(path)):
        if _known(path[index]):
            return _judge_verb(path[index], " ".join(path[:index]), words, args)
    return "az-unknown", None, None, "names no known command", False, remote


def _sizes_to_zero(path: list[str], words: Words) -> bool:
    """``az aks scale --node-count 0``, ``az aks nodepool scale -c 0``, ``az vmss scale
    --new-capacity 0``: every workload on them stops."""
    if path[-1:] != ["scale"]:
        return False
    return "0" in (words.value("--node-count", "-c"), words.value("--new-capacity"))


def _names_secret(path: list[str]) -> bool:
    """Whether a phrase of ``_SECRETS`` occurs anywhere in the command path."""
    for i, word in enumerate(path):
        for phrase in _SECRET_PHRASES.get(word, ()):
            if path[i : i + len(phrase)] == phrase:
                return True
    return False


def _known(word: str) -> bool:
    return (
        word in _READ_VERBS
        or word in _DELETE_VERBS
        or word in _GRANT_VERBS
        or word in _WRITE_VERBS
        or word.startswith(_VERB_PREFIXES)
    )


def _judge_verb(verb: str, groups: str, words: Words, args: tuple[str, ...]) -> _Judged:
    remote = Scope.REMOTE
    if verb in _READ_VERBS or verb.startswith(("list-", "show-", "get-")):
        return "az-read", None, None, "only reads", False, remote
    if (
        groups.startswith(_GRANT_GROUPS)
        or verb in _GRANT_VERBS
        or (groups in ("ad sp credential", "ad app credential") and verb == "reset")
        or (groups == "ad group member" and verb == "add")
    ):
        return (
            "az-role-assignment",
            None,
            None,
            "changes who has access",
            False,
            remote,
        )
    if _exposes(verb, groups, args):
        return "az-exposure", None, None, "opens access", False, remote
    if groups == "lock" and verb == "delete":
        return "az-remove-protection", None, None, "removes a resource lock", False, remote
    if verb in _DELETE_VERBS or verb.startswith(("delete-", "remove-")):
        return _judge_delete(verb, groups, words)
    if verb == "move" and groups.startswith("storage"):
        return _judge_storage_move(groups)
    if verb in ("create", "add"):
        return "az-create", None, None, "creates resources", False, remote
    return "az-write", None, None, "changes resources", False, remote


def _exposes(verb: str, groups: str, args: tuple[str, ...]) -> bool:
    if verb.startswith("generate-sas") or verb in ("grant-access", "open-port"):
        return True
    if verb == "set-permission" and "--public-access" in args and "off" not in args:
        return True
    wide = {"*", "0.0.0.0/0", "internet", "any", "0.0.0.0"}  # noqa: S104 - matched, not bound
    if groups.endswith(("nsg rule", "firewall-rule")) and verb in ("create", "update"):
        return any(a.lower() in wide for a in args) or "255.255.255.255" in args
    return "--allow-blob-public-access" in args and "true" in args


def _judge_delete(verb: str, groups: str, words: Words) -> _Judged:
    stateful = groups.startswith(_STATEFUL)
    if not stateful:
        return "az-delete", None, None, "deletes it", False, Scope.REMOTE
    critical = groups.startswith(_CRITICAL) or verb in ("purge", "delete-batch")
    risk = Risk.CRITICAL if critical else Risk.HIGH
    text = "deletes it (stateful: data may be lost)"
    return "az-delete-stateful", None, risk, text, True, Scope.REMOTE


def _judge_storage_move(groups: str) -> _Judged:
    """``storage fs file move``, ``storage fs directory move``, ``storage blob move``:
    the source is gone once moved, so the move is judged as a delete of the source
    (a directory's every file with it)."""
    directory = groups.endswith("directory")
    risk = Risk.CRITICAL if directory else Risk.HIGH
    text = "moves data: deletes it at the source path"
    return "az-delete-stateful", None, risk, text, True, Scope.REMOTE


def _judge_rest(words: Words) -> _Judged:
    method = (words.value("--method", "-m") or "get").lower()
    url = words.value("--url", "--uri", "-u") or "?"
    if method in ("get", "head"):
        return "az-read", None, None, f"sends {method.upper()} to {url}", False, Scope.REMOTE
    if method == "delete":
        return "az-delete", None, None, f"sends DELETE to {url}", False, Scope.REMOTE
    return "az-write", None, None, f"sends {method.upper()} to {url}", False, Scope.REMOTE


HANDLERS: Mapping[str, Handler] = {"az": handle_az}

"""Target identity across CLIs: which resource a finding deletes or creates.

Classification describes targets for people ("aws rds delete-db-instance ledger",
"helm release web in namespace prod"); the watch needs the *same* key for the same
resource whichever way it was named, so that a delete followed by a create is seen
as one replacement (issue 8). This module derives :class:`TargetRef` values from a
finding's evidence (the exact words of the command) with ``shlex``, never running
anything:

* AWS CLI: ``SERVICE VERB-NOUN --<noun>-identifier X`` (and ``--bucket``,
  ``--table-name``, ``--*-name``, ``--*-id``, ``s3://bucket`` ...) becomes
  ``aws:rds:db-instance:X``; an ARN is reduced to its resource name, so
  ``arn:aws:rds:...:db:ledger`` and ``ledger`` are one target.
* kubectl: ``kind/namespace/name`` with kind aliases (``ns``, ``deploy``, ``svc``
  ...) and cluster-scoped kinds without a namespace; ``-f FILE`` names the manifest.
* Terraform/OpenTofu: resource addresses from ``-target``, ``state rm`` and
  ``import``, within the working directory; a whole-configuration ``destroy`` or
  ``apply`` is a wildcard over that directory.
* Helm: ``namespace/release``. gcloud and az: the command group and the name.
* SQL text: ``DROP``/``CREATE`` of a table, database, schema, view or index.

What cannot be parsed yields no reference: the sequence rule then simply has nothing
to match, and every other rule of the floor still applies.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from enum import StrEnum

from interlock.models import Action, Category, Finding

#: The wildcard name: every resource of a family (a whole Terraform configuration).
ANY = "*"


class Op(StrEnum):
    """What an action does to a target, as the sequence rule sees it."""

    DELETE = "delete"
    CREATE = "create"


@dataclass(frozen=True, slots=True)
class TargetRef:
    """One resource an action deletes or creates, under a normalised identity.

    ``family`` groups names that can be compared (``aws:rds:db-instance``,
    ``k8s:deployment/web``, ``tf:/srv/infra``); ``name`` is the resource's own name.
    """

    family: str
    name: str
    op: Op
    environment: str | None = None
    stateful: bool = False

    @property
    def key(self) -> str:
        """The normalised identity: ``family:name``."""
        return f"{self.family}:{self.name}"

    def same_resource(self, other: TargetRef) -> bool:
        """Whether both name the same resource (a wildcard covers its whole family)."""
        if self.family != other.family:
            return False
        if self.name != other.name and ANY not in (self.name, other.name):
            return False
        return same_environment(self.environment, other.environment)


def same_environment(a: str | None, b: str | None) -> bool:
    """Environments agree unless both are known and differ (unknown fails closed)."""
    return a is None or b is None or a.lower() == b.lower()


_DELETE_CATEGORIES = frozenset({Category.DELETE})
#: An opaque finding may create what its words name (``terraform apply -target=X``
#: without a plan), so it completes a recreation as a create does.
_CREATE_CATEGORIES = frozenset({Category.CREATE, Category.WRITE, Category.OPAQUE})


def targets_of(finding: Finding, action: Action) -> tuple[TargetRef, ...]:
    """The deleted or created resources ``finding`` names (none when unrecognised)."""
    if finding.category in _DELETE_CATEGORIES:
        op = Op.DELETE
    elif finding.category in _CREATE_CATEGORIES:
        op = Op.CREATE
    else:
        return ()
    found = _from_words(finding.evidence, op, action.target.cwd)
    if not found:
        found = _from_sql(finding.evidence, op) or _from_plan(finding, op, action)
    return tuple(
        TargetRef(f, _clean(n), o, finding.environment, finding.stateful) for f, n, o in found
    )


_Raw = list[tuple[str, str, Op]]


def _from_words(evidence: str, op: Op, cwd: str | None) -> _Raw:
    try:
        words = shlex.split(evidence)
    except ValueError:
        return []
    for i, word in enumerate(words):
        tool = word.rsplit("/", 1)[-1]
        parse = _TOOLS.get(tool)
        if parse is not None:
            return parse(words[i + 1 :], op, cwd)
    return []


def _clean(name: str) -> str:
    return name.strip().strip("\"'").rstrip("/").lower()


# --- ARNs and option values ------------------------------------------------------------


def resource_name(value: str) -> str:
    """An ARN, URL or path reduced to the resource's own name; anything else as is."""
    value = value.strip()
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        resource = parts[5] if len(parts) == 6 else value
        return re.split(r"[/:]", resource)[-1] or resource
    if value.startswith("s3://"):
        return value[5:].split("/", 1)[0]
    if value.startswith(("https://", "http://")):
        return value.rstrip("/").rsplit("/", 1)[-1]
    return value


#: Flags of the tools above that take no value, so the next word stays positional.
_SWITCHES = frozenset(
    {
        "--install",
        "--atomic",
        "--wait",
        "--force",
        "--create-namespace",
        "--reuse-values",
        "--reset-values",
        "--debug",
        "--devel",
        "--all",
        "--now",
        "--ignore-not-found",
        "--recursive",
        "-R",
        "--dry-run",
        "--quiet",
        "-q",
        "--async",
        "--yes",
        "-y",
        "--skip-final-snapshot",
        "--delete-automated-backups",
        "--include-all-instances",
    }
)


def _options(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """``--opt value`` / ``--opt=value`` pairs and the positional words."""
    opts: dict[str, str] = {}
    positional: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("-") and len(w) > 1:
            if "=" in w:
                k, v = w.split("=", 1)
                opts[k] = v
            elif w in _SWITCHES or w.startswith("--no-"):
                opts[w] = ""
            elif i + 1 < len(words) and not words[i + 1].startswith("-"):
                opts[w] = words[i + 1]
                i += 1
            else:
                opts[w] = ""
        else:
            positional.append(w)
        i += 1
    return opts, positional


# --- AWS CLI ----------------------------------------------------------------------------

_AWS_DELETE = ("delete-", "remove-", "terminate-", "deregister-", "destroy-")
_AWS_CREATE = ("create-", "run-", "register-", "restore-", "import-")
_AWS_GLOBAL_WITH_VALUE = frozenset(
    {"--profile", "--region", "--output", "--endpoint-url", "--query", "--color"}
)
_AWS_ID_OPTIONS = (
    "--db-instance-identifier",
    "--db-cluster-identifier",
    "--bucket",
    "--table-name",
    "--function-name",
    "--stack-name",
    "--cluster-name",
    "--cluster",
    "--repository-name",
    "--queue-url",
    "--topic-arn",
    "--key-id",
    "--file-system-id",
    "--volume-id",
    "--instance-ids",
    "--name",
)
_AWS_ID_SUFFIXES = ("-identifier", "-name", "-arn", "-id", "-ids")


def _aws(words: list[str], op: Op, _cwd: str | None) -> _Raw:
    rest = _skip_globals(words, _AWS_GLOBAL_WITH_VALUE)
    if len(rest) < 2:
        return []
    service, operation = rest[0], rest[1]
    if service == "s3":
        return _aws_s3(operation, rest[2:])
    noun = _aws_noun(operation)
    if noun is None:
        return []
    opts, _ = _options(rest[2:])
    name = _aws_identity(opts)
    if not name:
        return []
    service = "s3" if service == "s3api" else service
    return [(f"aws:{service}:{noun}", resource_name(name), op)]


def _aws_noun(operation: str) -> str | None:
    for prefix in (*_AWS_DELETE, *_AWS_CREATE):
        if operation.startswith(prefix):
            noun = operation[len(prefix) :].split("-from-", 1)[0]
            return noun.removesuffix("s") if noun.endswith("instances") else noun
    return None


def _aws_identity(opts: dict[str, str]) -> str:
    for option in _AWS_ID_OPTIONS:
        if opts.get(option):
            return opts[option].split()[0]
    for option, value in opts.items():
        if value and option.endswith(_AWS_ID_SUFFIXES) and option not in _AWS_GLOBAL_WITH_VALUE:
            return value.split()[0]
    return ""


def _aws_s3(operation: str, words: list[str]) -> _Raw:
    urls = [w for w in words if w.startswith("s3://")]
    if operation in ("rb", "mb") and urls:
        found = Op.DELETE if operation == "rb" else Op.CREATE
        return [("aws:s3:bucket", resource_name(urls[0]), found)]
    return []


def _skip_globals(words: list[str], with_value: frozenset[str]) -> list[str]:
    """The words after leading global options (``--profile prod`` ...)."""
    i = 0
    while i < len(words) and words[i].startswith("-"):
        i += 1 if "=" in words[i] or words[i] not in with_value else 2
    return words[i:]


# --- kubectl ----------------------------------------------------------------------------

_KIND_ALIASES = {
    "ns": "namespace",
    "deploy": "deployment",
    "svc": "service",
    "po": "pod",
    "cm": "configmap",
    "sts": "statefulset",
    "ds": "daemonset",
    "rs": "replicaset",
    "pvc": "persistentvolumeclaim",
    "pv": "persistentvolume",
    "ing": "ingress",
    "sa": "serviceaccount",
    "crd": "customresourcedefinition",
    "no": "node",
    "cj": "cronjob",
    "sc": "storageclass",
}
_CLUSTER_KINDS = frozenset(
    {
        "namespace",
        "node",
        "persistentvolume",
        "clusterrole",
        "clusterrolebinding",
        "storageclass",
        "customresourcedefinition",
    }
)
_KUBE_CREATE = frozenset({"create", "apply", "replace", "run", "expose"})
_KUBE_SUBTYPES = frozenset(
    {"generic", "tls", "docker-registry", "clusterip", "nodeport", "loadbalancer", "externalname"}
)
_KUBE_GLOBAL_WITH_VALUE = frozenset(
    {"-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s", "--server"}
)


def kind_of(word: str) -> str:
    """A kubectl kind in its canonical singular form (``deploy`` -> ``deployment``)."""
    word = word.lower().split(".", 1)[0]
    word = _KIND_ALIASES.get(word, word)
    if word.endswith("ses") and word[:-2] in _CLUSTER_KINDS | {"ingress"}:
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return _KIND_ALIASES.get(word, word)


def _kubectl(words: list[str], op: Op, _cwd: str | None) -> _Raw:
    opts, positional = _options(words)
    if not positional:
        return []
    verb, args = positional[0], positional[1:]
    if verb != "delete" and verb not in _KUBE_CREATE:
        return []
    namespace = opts.get("-n") or opts.get("--namespace") or "default"
    files = [opts[k] for k in ("-f", "--filename") if opts.get(k)]
    if files:
        return [("k8s:file", f, op) for f in files]
    if verb in ("run", "expose") and args:
        return [(f"k8s:{'pod' if verb == 'run' else 'service'}/{namespace}", args[0], op)]
    return _kube_names(args, namespace, op)


def _kube_names(args: list[str], namespace: str, op: Op) -> _Raw:
    out: _Raw = []
    kind: str | None = None
    for arg in args:
        if "/" in arg:
            k, name = arg.split("/", 1)
            out.append(_kube_ref(kind_of(k), namespace, name, op))
        elif kind is None:
            kind = kind_of(arg)
        elif arg in _KUBE_SUBTYPES and not out:
            continue
        else:
            out.append(_kube_ref(kind, namespace, arg, op))
    return out


def _kube_ref(kind: str, namespace: str, name: str, op: Op) -> tuple[str, str, Op]:
    family = f"k8s:{kind}" if kind in _CLUSTER_KINDS else f"k8s:{kind}/{namespace}"
    return family, name, op


# --- Terraform / OpenTofu ---------------------------------------------------------------


def _terraform(words: list[str], op: Op, cwd: str | None) -> _Raw:
    workdir = cwd or "."
    i = 0
    while i < len(words) and words[i].startswith("-"):
        if words[i].startswith("-chdir="):
            workdir = words[i].split("=", 1)[1]
        i += 1
    if i >= len(words):
        return []
    sub, rest = words[i], words[i + 1 :]
    family = f"tf:{workdir}"
    opts, positional = _options(rest)
    if sub == "state" and positional[:1] == ["rm"]:
        return [(family, a, Op.DELETE) for a in positional[1:]]
    if sub == "import" and positional:
        return [(family, positional[0], Op.CREATE)]
    if sub not in ("destroy", "apply"):
        return []
    targets = [w.split("=", 1)[1] for w in rest if w.startswith("-target=")]
    targets += [rest[j + 1] for j, w in enumerate(rest[:-1]) if w == "-target"]
    deleting = sub == "destroy" or "-destroy" in opts
    return [(family, t, Op.DELETE if deleting else op) for t in targets or [ANY]]


def _from_plan(finding: Finding, op: Op, action: Action) -> _Raw:
    """A plan's findings name resource addresses; they belong to the working directory."""
    address = finding.target
    if action.kind.value in ("terraform-plan",) and re.fullmatch(r"[\w.\-\[\]\"]+", address):
        return [(f"tf:{action.target.cwd or '.'}", address, op)]
    return []


# --- Helm, gcloud, az -------------------------------------------------------------------

_HELM_DELETE = frozenset({"uninstall", "delete", "del", "un"})


def _helm(words: list[str], op: Op, _cwd: str | None) -> _Raw:
    opts, positional = _options(words)
    if len(positional) < 2:
        return []
    verb, release = positional[0], positional[1]
    namespace = opts.get("-n") or opts.get("--namespace") or "default"
    if verb in _HELM_DELETE:
        return [(f"helm:{namespace}", r, Op.DELETE) for r in positional[1:]]
    if verb == "install" or (verb == "upgrade" and "--install" in opts):
        return [(f"helm:{namespace}", release, Op.CREATE)]
    return []


def _grouped(tool: str, words: list[str], op: Op) -> _Raw:
    opts, positional = _options(words)
    for i, word in enumerate(positional):
        if word in ("delete", "create"):
            group = "/".join(positional[:i])
            names = positional[i + 1 :] or [opts.get("--name") or opts.get("-n") or ""]
            return [(f"{tool}:{group}", n, op) for n in names if n]
    return []


def _gcloud(words: list[str], op: Op, _cwd: str | None) -> _Raw:
    return _grouped("gcloud", words, op)


def _az(words: list[str], op: Op, _cwd: str | None) -> _Raw:
    return _grouped("az", words, op)


_TOOLS = {
    "aws": _aws,
    "kubectl": _kubectl,
    "terraform": _terraform,
    "tofu": _terraform,
    "helm": _helm,
    "gcloud": _gcloud,
    "az": _az,
}

# --- SQL --------------------------------------------------------------------------------

_SQL = re.compile(
    r"\b(DROP|CREATE)\s+(?:OR\s+REPLACE\s+)?(TABLE|DATABASE|SCHEMA|VIEW|INDEX)\s+"
    r"(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([\w.\"`]+)",
    re.IGNORECASE,
)


def _from_sql(evidence: str, op: Op) -> _Raw:
    out: _Raw = []
    for verb, kind, name in _SQL.findall(evidence):
        found = Op.DELETE if verb.upper() == "DROP" else Op.CREATE
        if found is op:
            out.append((f"sql:{kind.lower()}", name.replace('"', "").replace("`", ""), op))
    return out

"""Kubernetes: manifests (YAML or JSON) and ``kubectl diff`` output.

``kubectl diff`` prints a unified diff per object between ``LIVE-*`` and
``MERGED-*`` temporary directories, each file named
``[group.]version.Kind.namespace.name``. An object whose merged side is empty
(``@@ -1,N +0,0 @@``) is deleted, as ``apply --prune`` does; one whose live side is
empty is created; anything else is updated. Deleting a Namespace deletes everything
inside it, a CustomResourceDefinition every custom resource of its kind, a
PersistentVolumeClaim its data: those are ``critical``.

A manifest says what will exist, not whether it is applied, replaced or deleted, so
each object is an apply (a write), plus findings for what the object grants:
privileged or host-level pods and bindings to ``cluster-admin`` are privilege
findings, and objects belonging to an ApplySet mean ``apply --prune`` deletes every
member missing from the manifest, which cannot be listed from the file alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from interlock.classify.environments import EnvironmentResolver, environment_tags
from interlock.classify.plans import PlanTally, clip
from interlock.classify.resources import stateful_reason
from interlock.config import Config
from interlock.errors import PlanFormatError
from interlock.models import Action, Assessment, Category, Risk

_DIFF_HEAD = re.compile(rb"^(diff -u|--- |\+\+\+ )", re.MULTILINE)
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_VERSION = re.compile(r"^v\d+((alpha|beta)\d+)?$")
_PRUNE_KEYS = ("applyset.kubernetes.io/part-of", "applyset.kubernetes.io/id")
_DELETE_RULES = {
    "Namespace": "k8s-delete-namespace",
    "CustomResourceDefinition": "k8s-delete-crd",
    "PersistentVolumeClaim": "k8s-delete-pvc",
    "PersistentVolume": "k8s-delete-pvc",
}
_HOST_KEYS = ("hostNetwork", "hostPID", "hostIPC")
_MAX_DEPTH = 24
_MAX_NODES = 20_000


def looks_like_diff(head: bytes) -> bool:
    """Whether text starts like ``kubectl diff`` (or any unified diff) output."""
    return bool(_DIFF_HEAD.match(head.lstrip()))


def looks_like_manifest(head: bytes) -> bool:
    """Whether text reads like a Kubernetes YAML manifest."""
    return b"apiVersion:" in head and b"kind:" in head


def assess_k8s(data: bytes, action: Action, config: Config) -> Assessment:
    """Assess manifests or ``kubectl diff`` output."""
    resolver = EnvironmentResolver(config, action.target)
    tally = PlanTally(action, config, resolver)
    text = data.decode("utf-8", errors="replace")
    if looks_like_diff(data[:4096]):
        for obj in _diff_objects(text):
            _diffed(tally, obj)
        fmt = "kubectl-diff"
    else:
        for i, doc in enumerate(_documents(data)):
            _manifest(tally, i, doc)
        fmt = "kubernetes-manifest"
    if tally.empty:
        tally.add(
            "k8s-no-changes",
            Category.READ,
            "the manifests",
            "no objects",
            "nothing is created, changed or deleted",
            risk=Risk.NONE,
            environment=resolver.resolve(),
        )
    return tally.assessment({"format": fmt})


@dataclass(frozen=True, slots=True)
class DiffObject:
    """One object in ``kubectl diff`` output and what happens to it."""

    name: str
    kind: str
    namespace: str
    change: str  # create, update, delete, unknown
    index: int


def _diff_objects(text: str) -> Iterator[DiffObject]:
    path: str | None = None
    removed = added = 0
    hunks = 0
    index = 0

    def flush() -> DiffObject | None:
        if path is None:
            return None
        kind, ns, name = parse_object_path(path)
        if hunks == 0:
            change = "unknown"
        elif added == 0 and removed > 0:
            change = "delete"
        elif removed == 0 and added > 0:
            change = "create"
        else:
            change = "update"
        return DiffObject(name, kind, ns, change, index)

    for line in text.splitlines():
        if line.startswith("diff "):
            done = flush()
            if done is not None:
                yield done
            path, removed, added, hunks = _diff_path(line), 0, 0, 0
            index += 1
        elif line.startswith("+++ ") and path is None:
            path, index = line[4:].split("\t", 1)[0].rsplit("/", 1)[-1], index + 1
        elif m := _HUNK.match(line):
            hunks += 1
            removed += int(m.group(2) or 1) if m.group(2) != "0" else 0
            added += int(m.group(4) or 1) if m.group(4) != "0" else 0
    done = flush()
    if done is not None:
        yield done


def _diff_path(line: str) -> str:
    parts = line.split()
    return parts[-1].rsplit("/", 1)[-1] if len(parts) >= 3 else line


def parse_object_path(base: str) -> tuple[str, str, str]:
    """``apps.v1.Deployment.default.web`` -> (Deployment, default, web)."""
    parts = base.split(".")
    for i, part in enumerate(parts):
        if _VERSION.match(part) and len(parts) >= i + 4:
            return parts[i + 1], parts[i + 2], ".".join(parts[i + 3 :])
    return "", "", base


def _diffed(tally: PlanTally, obj: DiffObject) -> None:
    target = f"{obj.kind}/{obj.name}" if obj.kind else obj.name
    if obj.namespace:
        target = f"{obj.namespace}/{target}"
    tags = (obj.namespace,) if obj.namespace else ()
    if obj.kind == "Namespace":
        tags = (obj.name,)
    env = tally.resolver.resolve(tags=tags)
    evidence = f"kubectl diff #{obj.index}: {clip(obj.name, 200)} ({obj.change})"
    tally.count(obj.change if obj.change != "unknown" else "unknown")
    if obj.change == "unknown" or not obj.kind:
        tally.add(
            "k8s-diff-unreadable",
            Category.OPAQUE,
            clip(target),
            evidence,
            "this part of the diff cannot be read; what it changes is unknown",
            risk=Risk.HIGH,
            environment=env,
        )
    elif obj.change == "delete":
        _delete(tally, obj.kind, target, evidence, env)
    elif obj.change == "create":
        tally.bulk(
            "k8s-create", Category.CREATE, target, verb="created", risk=Risk.LOW, environment=env
        )
    else:
        tally.bulk(
            "k8s-update", Category.WRITE, target, verb="changed", risk=Risk.MEDIUM, environment=env
        )


def _delete(tally: PlanTally, kind: str, target: str, evidence: str, env: str | None) -> None:
    reason = stateful_reason("kubernetes", kind)
    rule = _DELETE_RULES.get(kind, "k8s-delete-stateful" if reason else "k8s-delete")
    text = f"{target} is deleted (pruned)"
    if reason is not None:
        text += f"; {kind} is {reason}"
    tally.add(
        rule,
        Category.DELETE,
        target,
        evidence,
        text,
        risk=Risk.CRITICAL if reason else Risk.HIGH,
        environment=env,
        stateful=reason is not None,
    )


def _documents(data: bytes) -> Iterator[Any]:
    """Every object in the manifests; ``List`` kinds are opened."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        docs = list(yaml.load_all(data, Loader=loader))
    except yaml.YAMLError as exc:
        raise PlanFormatError(f"the manifests are not valid YAML or JSON: {exc}") from exc
    except RecursionError as exc:
        raise PlanFormatError("the manifests nest values too deeply to read") from exc
    for doc in docs:
        if isinstance(doc, list):
            yield from doc
        elif isinstance(doc, Mapping) and doc.get("kind") == "List":
            items = doc.get("items")
            yield from items if isinstance(items, list) else [None]
        elif doc is not None:
            yield doc


def _manifest(tally: PlanTally, i: int, obj: Any) -> None:
    kind = obj.get("kind") if isinstance(obj, Mapping) else None
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(kind, str) or not isinstance(name, str):
        tally.count("unknown")
        tally.add(
            "k8s-malformed",
            Category.OPAQUE,
            f"document {i}",
            f"document {i}: no kind or metadata.name",
            "a document is not a Kubernetes object; what it does is unknown",
            risk=Risk.HIGH,
            environment=tally.resolver.resolve(),
        )
        return
    assert isinstance(meta, Mapping)
    ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else ""
    target = f"{ns}/{kind}/{name}" if ns else f"{kind}/{name}"
    labels = meta.get("labels")
    tags = (
        environment_tags(labels) + ((ns,) if ns else ()) + ((name,) if kind == "Namespace" else ())
    )
    env = tally.resolver.resolve(tags=tags)
    tally.count("apply")
    tally.bulk(
        "k8s-apply",
        Category.WRITE,
        target,
        verb="applied (created or changed)",
        risk=Risk.MEDIUM,
        environment=env,
    )
    evidence = f"document {i}: {kind} {clip(name, 200)}"
    annotations = meta.get("annotations")
    if any(k in m for m in (labels, annotations) if isinstance(m, Mapping) for k in _PRUNE_KEYS):
        tally.add(
            "k8s-prune",
            Category.DELETE,
            target,
            evidence,
            f"{target} belongs to an ApplySet: apply --prune deletes every member "
            "missing from these manifests, which the file cannot list",
            risk=Risk.HIGH,
            environment=env,
        )
    for rule, text in _grants(kind, obj):
        tally.add(
            rule,
            Category.PRIVILEGE,
            target,
            evidence,
            f"{target} {text}",
            risk=Risk.HIGH,
            environment=env,
        )


def _grants(kind: str, obj: Mapping[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if kind in ("ClusterRoleBinding", "RoleBinding"):
        ref = obj.get("roleRef")
        if isinstance(ref, Mapping) and ref.get("name") == "cluster-admin":
            out.append(("k8s-rbac-cluster-admin", "binds the cluster-admin role"))
    found = _risky_keys(obj)
    if "privileged" in found:
        out.append(("k8s-privileged-pod", "runs a privileged container"))
    if found & {"hostPath", *_HOST_KEYS}:
        out.append(("k8s-host-access", "reaches the node (hostPath or host namespaces)"))
    if "too-complex" in found:
        out.append(("k8s-too-complex", "is too large or deeply nested to inspect fully"))
    return out


def _grants_host(key: str, value: Any) -> bool:
    if key == "hostPath":
        return bool(value)
    return (key == "privileged" or key in _HOST_KEYS) and value is True


def _risky_keys(root: Any) -> set[str]:
    """Keys that grant host access, found within a bounded walk (YAML aliases can
    make a small file describe an enormous tree)."""
    found: set[str] = set()
    stack: list[tuple[Any, int]] = [(root, 0)]
    budget = _MAX_NODES
    while stack:
        node, depth = stack.pop()
        budget -= 1
        if budget < 0 or depth > _MAX_DEPTH:
            found.add("too-complex")
            break
        if isinstance(node, Mapping):
            for k, v in node.items():
                if _grants_host(k, v):
                    found.add(k)
                elif isinstance(v, (Mapping, list)):
                    stack.append((v, depth + 1))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return found

"""Pulumi previews: ``pulumi preview --json`` and the engine-event stream (JSON lines).

The preview document lists ``steps[]`` with an ``op``; the event stream carries the
same step metadata in ``resourcePreEvent`` (and again in ``resOutputsEvent``) lines.
Pulumi spells a replacement as several steps on one URN: ``replace`` (the logical
step), ``create-replacement`` and ``delete-replaced`` (or ``discard-replaced``,
``read-replacement``, ``import-replacement``). Steps are therefore gathered per URN
first and the URN classified once: any replacement step makes it a replace, else
``delete``/``discard`` a delete, ``create``/``import`` a create, ``update`` an
update, ``read``/``refresh`` a read, ``same`` nothing. An op this reader does not know
is opaque. A preview that reported an error (``diagnostics`` / ``diagnosticEvent`` of
severity ``error``) or was cancelled is incomplete and held.

Secret values arrive from Pulumi already masked (``[secret]``); only tags are read
from inputs, for the environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from interlock.classify.environments import EnvironmentResolver, ProviderScope, environment_tags
from interlock.classify.plans import PlanTally, clip
from interlock.classify.resources import stateful_reason
from interlock.config import Config
from interlock.errors import PlanFormatError
from interlock.models import Action, Assessment, Category, Risk

REPLACE_OPS = frozenset(
    {
        "replace",
        "create-replacement",
        "delete-replaced",
        "discard-replaced",
        "read-replacement",
        "import-replacement",
        "remove-pending-replace",
    }
)
DELETE_OPS = frozenset({"delete", "discard"})
KNOWN_OPS = REPLACE_OPS | DELETE_OPS | {"same", "create", "update", "read", "refresh", "import"}


@dataclass(slots=True)
class _Urn:
    ops: list[str] = field(default_factory=list)
    type: str = ""
    keys: list[str] = field(default_factory=list)
    tags: tuple[str, ...] = ()
    retained: bool = False
    first: int = 0


def assess_pulumi(data: bytes, action: Action, config: Config) -> Assessment:
    """Assess a Pulumi preview document or engine-event stream."""
    steps, problems, config_values = _steps(data)
    by_urn: dict[str, _Urn] = {}
    for i, meta in enumerate(steps):
        _gather(by_urn, i, meta)
    scope = _scope(config_values)
    resolver = EnvironmentResolver(config, action.target)
    tally = PlanTally(action, config, resolver)
    stack_env = resolver.resolve(provider=scope, workspace=_stack(next(iter(by_urn), "")))
    for evidence, text in problems:
        tally.count("unknown")
        tally.add(
            "pulumi-preview-error",
            Category.OPAQUE,
            "the preview",
            evidence,
            text,
            risk=Risk.HIGH,
            environment=stack_env,
        )
    for urn, u in by_urn.items():
        env = resolver.resolve(tags=u.tags, provider=scope, workspace=_stack(urn))
        _classify(tally, urn, u, env)
    if tally.empty:
        tally.add(
            "pulumi-no-changes",
            Category.READ,
            "the stack",
            "steps: only same",
            "the preview changes no resources",
            risk=Risk.NONE,
            environment=stack_env,
        )
    return tally.assessment({"format": "pulumi", "resources": len(by_urn)})


def _steps(data: bytes) -> tuple[list[Any], list[tuple[str, str]], Mapping[str, Any]]:
    """Step metadata, problems found (evidence, text) and the stack configuration."""
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return _events(data)
    if not isinstance(doc, Mapping):
        raise PlanFormatError("a Pulumi preview must be a JSON object with steps")
    steps = doc.get("steps")
    problems: list[tuple[str, str]] = []
    if steps is not None and not isinstance(steps, list):
        problems.append(("steps: not a list", "the preview's steps cannot be read"))
        steps = []
    diagnostics = doc.get("diagnostics")
    for d in diagnostics if isinstance(diagnostics, list) else []:
        if isinstance(d, Mapping) and d.get("severity") == "error":
            problems.append(_error(d))
    return list(steps or []), problems, {}


def _events(data: bytes) -> tuple[list[Any], list[tuple[str, str]], Mapping[str, Any]]:
    steps: list[Any] = []
    problems: list[tuple[str, str]] = []
    config: Mapping[str, Any] = {}
    for n, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = msgspec.json.decode(line)
        except (msgspec.DecodeError, RecursionError) as exc:
            raise PlanFormatError(f"Pulumi event stream line {n} is not JSON: {exc}") from exc
        if not isinstance(event, Mapping):
            problems.append((f"line {n}: not an object", "an event cannot be read"))
            continue
        pre = event.get("resourcePreEvent")
        if isinstance(pre, Mapping):
            steps.append(pre.get("metadata"))
        diag = event.get("diagnosticEvent")
        if isinstance(diag, Mapping) and diag.get("severity") == "error":
            problems.append(_error(diag))
        if "cancelEvent" in event and _cancelled(event):
            problems.append((f"line {n}: cancelEvent", "the preview was cancelled"))
        prelude = event.get("preludeEvent")
        if isinstance(prelude, Mapping) and isinstance(prelude.get("config"), Mapping):
            config = prelude["config"]
    return steps, problems, config


def _cancelled(event: Mapping[str, Any]) -> bool:
    # The engine closes every stream with an empty cancelEvent; only one that says
    # something (a reason) marks a preview that stopped early.
    cancel = event.get("cancelEvent")
    return bool(cancel) and cancel != {}


def _error(diag: Mapping[str, Any]) -> tuple[str, str]:
    message = clip(" ".join(str(diag.get("message", "")).split()), 300)
    return f"diagnostic error: {message}", "the preview reported an error; it may omit changes"


def _gather(by_urn: dict[str, _Urn], i: int, meta: Any) -> None:
    if not isinstance(meta, Mapping):
        by_urn.setdefault(f"steps[{i}]", _Urn(first=i)).ops.append("<unreadable>")
        return
    urn = meta.get("urn")
    urn = urn if isinstance(urn, str) else f"steps[{i}]"
    u = by_urn.setdefault(urn, _Urn(first=i))
    op = meta.get("op")
    u.ops.append(op if isinstance(op, str) else repr(op))
    old = _first(meta, "oldState", "old")
    new = _first(meta, "newState", "new")
    u.type = u.type or _type(meta, old, new, urn)
    for key in ("replaceReasons", "keys", "diffReasons", "diffs"):
        u.keys += [k for k in _list(meta.get(key)) if isinstance(k, str) and k not in u.keys]
    u.tags = u.tags or _tags(new) or _tags(old)
    u.retained = u.retained or (isinstance(old, Mapping) and old.get("retainOnDelete") is True)


def _classify(tally: PlanTally, urn: str, u: _Urn, env: str | None) -> None:
    ops = set(u.ops)
    unknown = sorted(ops - KNOWN_OPS)
    evidence = f"steps[{u.first}]: {urn} ops={sorted(ops)}"
    if unknown:
        tally.count("unknown")
        tally.add(
            "pulumi-unknown-op",
            Category.OPAQUE,
            urn,
            evidence,
            f"{urn}: step op {', '.join(unknown)} is not one Pulumi defines",
            risk=Risk.HIGH,
            environment=env,
        )
    elif ops & REPLACE_OPS or ops & DELETE_OPS:
        _destructive(tally, urn, u, evidence, env, replace=bool(ops & REPLACE_OPS))
    elif ops & {"create", "import"}:
        tally.count("create")
        tally.bulk(
            "pulumi-create", Category.CREATE, urn, verb="created", risk=Risk.LOW, environment=env
        )
    elif "update" in ops:
        tally.count("update")
        tally.bulk(
            "pulumi-update",
            Category.WRITE,
            urn,
            verb="updated in place",
            risk=Risk.MEDIUM,
            environment=env,
        )
    elif ops & {"read", "refresh"}:
        tally.count("read")
        tally.bulk("pulumi-read", Category.READ, urn, verb="read", risk=Risk.NONE, environment=env)
    else:
        tally.count("no-op")


def _destructive(
    tally: PlanTally, urn: str, u: _Urn, evidence: str, env: str | None, *, replace: bool
) -> None:
    tally.count("replace" if replace else "delete")
    reason = stateful_reason("pulumi", u.type)
    keys = ", ".join(f"`{clip(k, 60)}`" for k in u.keys[:6])
    loss = " (stateful: data loss)" if reason is not None and not u.retained else ""
    if replace:
        text = f"REPLACE {urn}{loss}" + (f" because {keys} changed" if keys else "")
        rule, category = "pulumi-replace", Category.REPLACE
    else:
        text = f"DELETE {urn}{loss}"
        rule, category = "pulumi-delete", Category.DELETE
    if u.retained and not replace:
        text += " from the stack; retainOnDelete keeps the cloud resource"
        tally.add(
            "pulumi-delete-retained",
            Category.WRITE,
            urn,
            evidence,
            text,
            risk=Risk.MEDIUM,
            environment=env,
        )
        return
    if reason is not None:
        text += f"; {u.type} is {reason}"
    tally.add(
        f"{rule}-stateful" if reason else rule,
        category,
        urn,
        evidence,
        text,
        risk=Risk.CRITICAL if reason else Risk.HIGH,
        environment=env,
        stateful=reason is not None,
    )


def _first(meta: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if isinstance(meta.get(key), Mapping):
            return meta[key]
    return None


def _type(meta: Mapping[str, Any], old: Any, new: Any, urn: str) -> str:
    for source in (meta, new, old):
        t = source.get("type") if isinstance(source, Mapping) else None
        if isinstance(t, str):
            return t
    # urn:pulumi:<stack>::<project>::<parent$type>::<name>
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def _stack(urn: str) -> str | None:
    if not urn.startswith("urn:pulumi:"):
        return None
    return urn[len("urn:pulumi:") :].split("::", 1)[0] or None


def _tags(state: Any) -> tuple[str, ...]:
    if not isinstance(state, Mapping):
        return ()
    for side in ("inputs", "outputs"):
        values = state.get(side)
        if isinstance(values, Mapping):
            for key in ("tags", "labels"):
                found = environment_tags(values.get(key))
                if found:
                    return found
    return ()


def _list(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else ()


def _scope(config: Mapping[str, Any]) -> ProviderScope:
    def values(*keys: str) -> tuple[str, ...]:
        return tuple(v for k in keys if isinstance(v := config.get(k), str) and v != "[secret]")

    return ProviderScope(
        accounts=values("aws:accountId"),
        projects=values("gcp:project", "google-native:project"),
        subscriptions=values("azure:subscriptionId", "azure-native:subscriptionId"),
    )

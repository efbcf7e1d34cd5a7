"""Terraform and OpenTofu plans (``terraform show -json``, the JSON Output Format).

Each ``resource_changes[]`` entry is classified by its ``change.actions`` tuple
against the set the format defines: ``no-op``, ``create``, ``read``, ``update``,
``delete``, replace as ``["delete","create"]`` or ``["create","delete"]``,
``forget``, ``["create","forget"]`` and OpenTofu's ``["forget","create"]``. Any other
tuple (empty, reordered, unknown words, wrong types) is not understood and becomes an
``opaque`` finding: the floor holds it. ``action_reason`` and ``replace_paths`` say
why ("replaced because `identifier` cannot be updated in place"). The plan-level
keys are read too: ``complete``/``errored`` (an incomplete or errored plan is never
allowed), ``format_version``, ``resource_drift``, ``deferred_changes``,
``action_invocations``, deposed objects.

The reader is built for plans of 100,000 resources: ``msgspec`` decodes only the
keys named in the structs below and skips everything else (``planned_values``,
``prior_state``, most of ``configuration``) without building Python objects;
``before``/``after`` stay undecoded (``Raw``) unless a change needs its tags or the
few flags that make a later delete silent, and even then only those keys are built.
Values marked sensitive are masked (``redact.mask``) before anything is copied out.
If the typed pass meets an entry of the wrong shape, the entries are read one by one
so that one bad entry becomes an opaque finding instead of hiding the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from interlock.classify.environments import (
    EnvironmentResolver,
    ProviderScope,
    environment_tags,
    starts,
    terraform_scopes,
    terraform_variable_hints,
)
from interlock.classify.plans import PlanTally, Sniff, clip
from interlock.classify.redact import mask
from interlock.classify.resources import stateful_reason
from interlock.config import Config
from interlock.models import Action, Assessment, Category, Risk

_RAW = msgspec.Raw()

#: The action tuples the JSON format defines, by the name interlock counts them under.
ACTIONS: Mapping[tuple[str, ...], str] = {
    ("no-op",): "no-op",
    ("create",): "create",
    ("read",): "read",
    ("update",): "update",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("delete",): "delete",
    ("forget",): "forget",
    ("create", "forget"): "forget",
    ("forget", "create"): "forget",
}

#: Format versions this reader knows the meaning of (major version).
KNOWN_FORMAT_MAJORS = frozenset({"0", "1"})


class Values(msgspec.Struct):
    """The few keys of ``before``/``after`` classification looks at."""

    tags: Any = None
    tags_all: Any = None
    labels: Any = None
    deletion_protection: Any = None
    deletion_protection_enabled: Any = None
    enable_deletion_protection: Any = None
    disable_api_termination: Any = None
    skip_final_snapshot: Any = None
    force_destroy: Any = None
    force_delete: Any = None


class Change(msgspec.Struct):
    """``resource_changes[].change``; values stay raw until needed."""

    actions: Any = None
    before: msgspec.Raw = _RAW
    after: msgspec.Raw = _RAW
    before_sensitive: msgspec.Raw = _RAW
    after_sensitive: msgspec.Raw = _RAW
    replace_paths: Any = None
    importing: Any = None


class ResourceChange(msgspec.Struct):
    """One ``resource_changes[]`` (or drift, or deferred) entry."""

    address: Any = None
    module_address: Any = None
    mode: Any = None
    type: Any = None
    provider_name: Any = None
    deposed: Any = None
    action_reason: Any = None
    change: Change | None = None


class Deferred(msgspec.Struct):
    """``deferred_changes[]``: a change Terraform could not plan yet."""

    reason: Any = None
    resource_change: Any = None


class ActionInvocation(msgspec.Struct):
    """``action_invocations[]``: a provider action run during apply."""

    address: Any = None
    type: Any = None
    provider_name: Any = None


@dataclass(frozen=True, slots=True)
class _Item:
    """One resource change being classified, with what was already worked out."""

    i: int
    rc: ResourceChange
    ch: Change
    kind: str
    address: str
    rtype: str
    acts: list[Any]


#: Routine changes: (rule, category, verb, risk) of the bulk finding they join.
_ROUTINE: Mapping[str, tuple[str, Category, str, Risk]] = {
    "create": ("tf-create", Category.CREATE, "created", Risk.LOW),
    "update": ("tf-update", Category.WRITE, "updated in place", Risk.MEDIUM),
    "read": ("tf-read", Category.READ, "read (data sources)", Risk.NONE),
    "import": ("tf-import", Category.WRITE, "imported into state", Risk.MEDIUM),
}


def assess_tfplan(top: Sniff, action: Action, config: Config) -> Assessment:
    """Assess a Terraform/OpenTofu plan already sniffed by ``plans.py``."""
    scopes, secret_vars = terraform_scopes(top.configuration)
    resolver = EnvironmentResolver(
        config, action.target, plan_tags=terraform_variable_hints(top.variables, secret_vars)
    )
    reader = _Reader(PlanTally(action, config, resolver), scopes)
    reader.plan_level(top)
    reader.resource_changes(top.resource_changes)
    reader.drift(top.resource_drift)
    reader.deferred(top.deferred_changes)
    reader.invocations(top.action_invocations)
    if reader.tally.empty:
        reader.tally.add(
            "tf-no-changes",
            Category.READ,
            "the plan",
            "resource_changes: no create, update, delete, replace or read",
            "the plan changes no resources",
            risk=Risk.NONE,
            environment=reader.plan_env(),
        )
    return reader.tally.assessment(_facts(top, len(reader.seen_types)))


class _Reader:
    """One pass over a plan's lists, reporting into a ``PlanTally``."""

    def __init__(self, tally: PlanTally, scopes: Mapping[str, ProviderScope | None]) -> None:
        self.tally = tally
        self.scopes = scopes
        self.seen_types: set[str] = set()

    def plan_env(self) -> str | None:
        scopes = {s for s in self.scopes.values() if s is not None}
        scope = next(iter(scopes)) if len(scopes) == 1 else None
        return self.tally.resolver.resolve(provider=scope)

    def opaque(self, rule_id: str, target: str, evidence: str, why: str) -> None:
        self.tally.count("unknown")
        self.tally.add(
            rule_id,
            Category.OPAQUE,
            target,
            evidence,
            why,
            risk=Risk.HIGH,
            environment=self.plan_env(),
        )

    def plan_level(self, top: Sniff) -> None:
        fv = top.format_version
        major = fv.split(".", 1)[0] if isinstance(fv, str) else None
        if major not in KNOWN_FORMAT_MAJORS:
            self.opaque(
                "tf-format-unknown",
                "the plan",
                f"format_version: {clip(repr(fv), 80)}",
                "the plan's format version is missing or unknown, so its fields cannot be "
                "trusted to mean what this reader expects",
            )
        if top.complete is not None and top.complete is not True:
            self.opaque(
                "tf-plan-incomplete",
                "the plan",
                f"complete: {clip(repr(top.complete), 80)}",
                "the plan is incomplete: more changes follow that nobody has seen",
            )
        if top.errored is not None and top.errored is not False:
            self.opaque(
                "tf-plan-errored",
                "the plan",
                f"errored: {clip(repr(top.errored), 80)}",
                "planning failed part-way: the plan may omit changes",
            )

    def resource_changes(self, raw: msgspec.Raw) -> None:
        for i, rc in self._entries(raw, "resource_changes"):
            if rc is None:
                continue
            self.change(i, rc)

    def _entries(self, raw: msgspec.Raw, key: str) -> Iterable[tuple[int, ResourceChange | None]]:
        """Typed entries; on a shape error, entry by entry, bad ones reported opaque."""
        if not raw or starts(raw, b"null"):
            return []
        try:
            return enumerate(msgspec.json.decode(raw, type=list[ResourceChange]))
        except msgspec.DecodeError:
            pass
        try:
            items = msgspec.json.decode(raw, type=list[msgspec.Raw])
        except msgspec.DecodeError:
            self.opaque("tf-plan-malformed", key, f"{key}: not a list", f"{key} is not a list")
            return []
        return self._one_by_one(items, key)

    def _one_by_one(
        self, items: Sequence[msgspec.Raw], key: str
    ) -> Iterable[tuple[int, ResourceChange | None]]:
        for i, item in enumerate(items):
            try:
                yield i, msgspec.json.decode(item, type=ResourceChange)
            except msgspec.DecodeError:
                self.opaque(
                    "tf-change-malformed",
                    f"{key}[{i}]",
                    f"{key}[{i}]: not a resource change object",
                    "an entry of the plan cannot be read; what it changes is unknown",
                )
                yield i, None

    def change(self, i: int, rc: ResourceChange) -> None:
        ch = rc.change
        acts = ch.actions if ch is not None else None
        try:
            kind = ACTIONS.get(tuple(acts)) if isinstance(acts, list) else None
        except TypeError:
            kind = None
        if kind == "no-op":
            if ch is None or ch.importing is None:
                self.tally.count("no-op")
                return
            kind = "import"  # an existing object adopted into state, nothing else changes
        address = rc.address if isinstance(rc.address, str) else f"resource_changes[{i}]"
        rtype = rc.type if isinstance(rc.type, str) else ""
        self._touch(rc)
        if kind is None or ch is None or not isinstance(acts, list):
            self.tally.count("unknown")
            self.tally.add(
                "tf-unknown-action",
                Category.OPAQUE,
                address,
                f"resource_changes[{i}].change.actions = {clip(repr(acts), 120)}",
                "the action list is not one Terraform or OpenTofu defines; "
                "what this change does cannot be known",
                risk=Risk.HIGH,
                environment=self._env(rc, None, None),
            )
            return
        self.tally.count(kind)
        item = _Item(i, rc, ch, kind, address, rtype, acts)
        if kind in _ROUTINE:
            self._routine(item)
        else:
            self._destructive(item)

    def _touch(self, rc: ResourceChange) -> None:
        if isinstance(rc.module_address, str):
            self.tally.modules.add(clip(rc.module_address, 200))
        if isinstance(rc.provider_name, str):
            self.tally.providers.add(clip(rc.provider_name, 200))
        if isinstance(rc.type, str) and len(self.seen_types) < 10_000:
            self.seen_types.add(rc.type)

    def _routine(self, it: _Item) -> None:
        after = _values(it.ch.after, it.ch.after_sensitive)
        env = self._env(it.rc, after, None)
        if it.kind == "update":
            self._flags(it, _values(it.ch.before, it.ch.before_sensitive), after, env)
        rule, category, verb, risk = _ROUTINE[it.kind]
        self.tally.bulk(rule, category, it.address, verb=verb, risk=risk, environment=env)

    def _destructive(self, it: _Item) -> None:
        before = _values(it.ch.before, it.ch.before_sensitive)
        after = _values(it.ch.after, it.ch.after_sensitive) if it.kind != "delete" else None
        env = self._env(it.rc, after, before)
        reason = stateful_reason("terraform", it.rtype)
        why = because(it.rc.action_reason, it.ch.replace_paths, it.rc.deposed)
        evidence = f"resource_changes[{it.i}]: {it.address} actions={it.acts}"
        if isinstance(it.rc.action_reason, str):
            evidence += f" action_reason={clip(it.rc.action_reason, 60)}"
        loss = " (stateful: data loss)" if reason and it.kind != "forget" else ""
        text = f"{it.kind.upper()} {it.address}{loss}{why}; {order_text(it.acts)}"
        if it.kind == "forget":
            text += "; the object is left running but no longer managed"
            self.tally.add(
                "tf-forget",
                Category.WRITE,
                it.address,
                evidence,
                text,
                risk=Risk.MEDIUM,
                environment=env,
            )
            return
        rule = "tf-replace" if it.kind == "replace" else "tf-delete"
        if reason is not None:
            text += f"; {it.rtype} is {reason}"
        self.tally.add(
            f"{rule}-stateful" if reason else rule,
            Category.REPLACE if it.kind == "replace" else Category.DELETE,
            it.address,
            evidence,
            text,
            risk=Risk.CRITICAL if reason else Risk.HIGH,
            environment=env,
            stateful=reason is not None,
        )
        if it.kind == "replace":
            self._flags(it, before, after, env)

    def _flags(
        self,
        it: _Item,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        env: str | None,
    ) -> None:
        if before is None or after is None:
            return
        stateful = stateful_reason("terraform", it.rtype) is not None
        for rule_id, evidence, text in flag_findings(it.i, it.address, before, after):
            self.tally.add(
                rule_id,
                Category.WRITE,
                it.address,
                evidence,
                text,
                risk=Risk.HIGH,
                environment=env,
                stateful=stateful,
            )

    def _env(
        self,
        rc: ResourceChange,
        after: Mapping[str, Any] | None,
        before: Mapping[str, Any] | None,
    ) -> str | None:
        resolver = self.tally.resolver
        if resolver.forced is not None:
            return resolver.forced
        tags: tuple[str, ...] = ()
        for side in (after, before):
            if side is not None:
                tags = tags or _tags(side)
        module = rc.module_address if isinstance(rc.module_address, str) else None
        scope = self.scopes.get(rc.provider_name) if isinstance(rc.provider_name, str) else None
        return resolver.resolve(tags=tags, module=module, provider=scope)

    def drift(self, raw: msgspec.Raw) -> None:
        for _, rc in self._entries(raw, "resource_drift"):
            if rc is None or rc.change is None:
                continue
            acts = rc.change.actions
            if acts == ["no-op"]:
                continue
            address = rc.address if isinstance(rc.address, str) else "resource_drift[]"
            self.tally.bulk(
                "tf-drift",
                Category.READ,
                address,
                verb="changed outside Terraform since the last apply (drift)",
                risk=Risk.LOW,
                environment=self._env(rc, None, None),
            )

    def deferred(self, raw: msgspec.Raw) -> None:
        for i, item in enumerate(self._list(raw, Deferred, "deferred_changes")):
            rc = item.resource_change if item is not None else None
            address = rc.get("address") if isinstance(rc, dict) else None
            target = address if isinstance(address, str) else f"deferred_changes[{i}]"
            reason = item.reason if item is not None else None
            self.opaque(
                "tf-deferred",
                target,
                f"deferred_changes[{i}]: reason={clip(repr(reason), 80)}",
                "Terraform deferred this change; what it will do is not in this plan",
            )

    def invocations(self, raw: msgspec.Raw) -> None:
        for i, item in enumerate(self._list(raw, ActionInvocation, "action_invocations")):
            address = item.address if item is not None else None
            target = address if isinstance(address, str) else f"action_invocations[{i}]"
            self.opaque(
                "tf-action-invocation",
                target,
                f"action_invocations[{i}]: {target}",
                "the apply invokes a provider action whose effect the plan does not show",
            )

    def _list(self, raw: msgspec.Raw, tp: type[Any], key: str) -> list[Any]:
        if not raw or starts(raw, b"null"):
            return []
        try:
            items = msgspec.json.decode(raw, type=list[msgspec.Raw])
        except msgspec.DecodeError:
            self.opaque("tf-plan-malformed", key, f"{key}: not a list", f"{key} is not a list")
            return []
        out: list[Any] = []
        for item in items:
            try:
                out.append(msgspec.json.decode(item, type=tp))
            except msgspec.DecodeError:
                out.append(None)
        return out


def _values(raw: msgspec.Raw, sensitive: msgspec.Raw) -> dict[str, Any] | None:
    """The keys of ``Values`` present in ``raw``, masked by the sensitivity marker."""
    if not starts(raw, b"{"):
        return None
    try:
        v = msgspec.json.decode(raw, type=Values)
    except msgspec.DecodeError:
        return None
    present = {k: getattr(v, k) for k in Values.__struct_fields__ if getattr(v, k) is not None}
    if not present:
        return present
    marker = _marker(sensitive)
    if marker is None:
        return present
    masked = mask(present, marker)
    return masked if isinstance(masked, dict) else {}  # all of it is sensitive


def _marker(sensitive: msgspec.Raw) -> Any:
    """The sensitivity marker; ``{}``/``false``/absent mean none, unreadable means all."""
    text = bytes(sensitive)
    if text in (b"", b"{}", b"false", b"null"):
        return None
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return True


def _tags(values: Mapping[str, Any]) -> tuple[str, ...]:
    for key in ("tags_all", "tags", "labels"):
        found = environment_tags(values.get(key))
        if found:
            return found
    return ()


def _facts(top: Sniff, types: int) -> dict[str, Any]:
    """Small plan facts for Rego: never raw values."""

    def small(v: Any) -> Any:
        return clip(v, 64) if isinstance(v, str) else v if isinstance(v, bool) else None

    return {
        "format": "terraform",
        "format_version": small(top.format_version),
        "terraform_version": small(top.terraform_version),
        "complete": small(top.complete),
        "applyable": small(top.applyable),
        "errored": small(top.errored),
        "resource_types": types,
    }


#: Why Terraform chose a replace or delete (``action_reason``), as a reviewer reads it.
REASONS: Mapping[str, str] = {
    "replace_because_tainted": "because it is tainted",
    "replace_by_request": "because the operator asked for it (-replace)",
    "replace_by_triggers": "because a replace_triggered_by reference changed",
    "delete_because_no_resource_config": "because its configuration was removed",
    "delete_because_no_module": "because its module was removed",
    "delete_because_wrong_repetition": "because count/for_each was added or removed",
    "delete_because_count_index": "because count was reduced",
    "delete_because_each_key": "because its for_each key was removed",
    "delete_because_no_move_target": "because its moved target does not exist",
}

#: Flags whose change makes a later delete silent: (key, dangerous value, rule, words).
FLAGS: tuple[tuple[str, bool, str, str], ...] = (
    ("deletion_protection", False, "tf-deletion-protection-off", "turns deletion protection off"),
    (
        "deletion_protection_enabled",
        False,
        "tf-deletion-protection-off",
        "turns deletion protection off",
    ),
    (
        "enable_deletion_protection",
        False,
        "tf-deletion-protection-off",
        "turns deletion protection off",
    ),
    (
        "disable_api_termination",
        False,
        "tf-deletion-protection-off",
        "turns termination protection off",
    ),
    (
        "skip_final_snapshot",
        True,
        "tf-skip-final-snapshot-on",
        "skips the final snapshot on delete",
    ),
    ("force_destroy", True, "tf-force-destroy-on", "lets destroy empty it first"),
    ("force_delete", True, "tf-force-destroy-on", "lets delete empty it first"),
)


def because(reason: Any, paths: Any, deposed: Any) -> str:
    """`` because `identifier`, `engine` cannot be updated in place`` and the like."""
    if isinstance(deposed, str) and deposed:
        return f" (deposed object {clip(deposed, 40)})"
    if reason == "replace_because_cannot_update" or (reason is None and paths):
        names = _paths(paths)
        return f" because {names} cannot be updated in place" if names else ""
    text = REASONS.get(reason) if isinstance(reason, str) else None
    return f" {text}" if text else ""


def _paths(paths: Any) -> str:
    if not isinstance(paths, list):
        return ""
    out: list[str] = []
    for path in paths[:6]:
        steps = path if isinstance(path, list) else [path]
        text = ""
        for step in steps[:8]:
            if isinstance(step, int) and not isinstance(step, bool):
                text += f"[{step}]"
            elif isinstance(step, str):
                text += f".{clip(step, 40)}" if text else clip(step, 40)
        if text:
            out.append(f"`{text}`")
    more = f" and {len(paths) - 6} more" if len(paths) > 6 else ""
    return ", ".join(out) + more


def order_text(acts: list[Any]) -> str:
    """How a change proceeds, from its action tuple."""
    return {
        ("delete", "create"): "destroyed, then re-created",
        ("create", "delete"): "a new one is created, then the old one destroyed",
        ("delete",): "destroyed",
        ("forget",): "removed from state",
        ("create", "forget"): "re-created; the old object is removed from state",
        ("forget", "create"): "removed from state and created anew",
    }.get(tuple(acts), "changed")


def flag_findings(
    i: int, address: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[tuple[str, str, str]]:
    """(rule, evidence, explanation) for each protective flag turned the wrong way."""
    out: list[tuple[str, str, str]] = []
    for key, bad, rule, words in FLAGS:
        old, new = before.get(key), after.get(key)
        if new is bad and old is (not bad):
            out.append(
                (
                    rule,
                    f"resource_changes[{i}].change: {key} {old!r} -> {new!r}",
                    f"{address}: {key} {old!r} -> {new!r} {words}; "
                    "a later delete goes through silently",
                )
            )
    return out

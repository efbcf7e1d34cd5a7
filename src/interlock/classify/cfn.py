"""CloudFormation change sets (``aws cloudformation describe-change-set`` output).

Two spellings occur: the CLI's PascalCase document (``Changes[].ResourceChange``)
and the camelCase list some SDKs and consoles print (``[].resourceChange``); keys are
read in either case. A resource change's ``Action`` is ``Add``, ``Modify``,
``Remove``, ``Import`` or ``Dynamic`` (decided only at execution); ``Replacement``
is ``True``, ``False`` or ``Conditional`` (may replace, so treated as a replace);
``PolicyAction`` says what the ``DeletionPolicy`` does with a removed or replaced
resource (``Delete``, ``Retain``, ``Snapshot``, ``ReplaceAnd...``). ``Details[]``
name the properties that force recreation, which the explanation quotes.

A change set that failed, is still being created, or is one page of several
(``NextToken``) is incomplete: an opaque finding holds it. So does a nested stack's
modification, whose own changes live in another change set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from interlock.classify.environments import (
    ENVIRONMENT_KEYS,
    EnvironmentResolver,
    ProviderScope,
    account_of,
    environment_tags,
)
from interlock.classify.plans import PlanTally, clip
from interlock.classify.resources import stateful_reason
from interlock.config import Config
from interlock.errors import PlanFormatError
from interlock.models import Action, Assessment, Category, Risk

_LOSS = " (stateful: data loss)"
_INCOMPLETE_STATUS = frozenset({"CREATE_PENDING", "CREATE_IN_PROGRESS", "FAILED"})


def get(obj: Any, key: str) -> Any:
    """``obj[Key]`` or ``obj[key]``: the PascalCase and camelCase spellings."""
    if not isinstance(obj, Mapping):
        return None
    value = obj.get(key)
    return obj.get(key[:1].lower() + key[1:]) if value is None else value


def assess_cfn(data: bytes, action: Action, config: Config) -> Assessment:
    """Assess a CloudFormation change set document or change list."""
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise PlanFormatError(f"the change set is not valid JSON: {exc}") from exc
    changes = doc if isinstance(doc, list) else get(doc, "Changes")
    meta = doc if isinstance(doc, Mapping) else {}
    resolver = EnvironmentResolver(config, action.target, plan_tags=_hints(meta))
    env = resolver.resolve(workspace=_str(get(meta, "StackName")), provider=_scope(meta))
    tally = PlanTally(action, config, resolver)
    _status(tally, meta, env)
    if not isinstance(changes, list):
        _opaque(tally, "cfn-malformed", "Changes", "Changes is not a list", env)
        changes = []
    for i, change in enumerate(changes):
        _change(tally, i, change, env)
    if tally.empty:
        tally.add(
            "cfn-no-changes",
            Category.READ,
            _str(get(meta, "StackName")) or "the stack",
            "Changes: []",
            "the change set changes no resources",
            risk=Risk.NONE,
            environment=env,
        )
    facts = {"format": "cloudformation", "status": _str(get(meta, "Status"))}
    return tally.assessment(facts)


def _status(tally: PlanTally, meta: Mapping[str, Any], env: str | None) -> None:
    status = get(meta, "Status")
    if isinstance(status, str) and status in _INCOMPLETE_STATUS:
        reason = clip(str(get(meta, "StatusReason") or ""), 200)
        text = f"the change set is {status}{': ' + reason if reason else ''}; it is incomplete"
        _opaque(
            tally, "cfn-changeset-incomplete", "the change set", f"Status: {status}", env, text=text
        )
    if get(meta, "NextToken"):
        text = "this is one page of a longer change set; the other pages are not shown"
        _opaque(tally, "cfn-changeset-incomplete", "the change set", "NextToken", env, text=text)


def _opaque(
    tally: PlanTally, rule: str, target: str, evidence: str, env: str | None, *, text: str = ""
) -> None:
    tally.count("unknown")
    tally.add(
        rule,
        Category.OPAQUE,
        target,
        evidence,
        text or f"{target} cannot be read; what it changes is unknown",
        risk=Risk.HIGH,
        environment=env,
    )


def _change(tally: PlanTally, i: int, change: Any, env: str | None) -> None:
    kind = get(change, "Type")
    rc = get(change, "ResourceChange")
    if kind not in (None, "Resource") or not isinstance(rc, Mapping):
        _opaque(tally, "cfn-unknown-change", f"Changes[{i}]", f"Changes[{i}].Type = {kind!r}", env)
        return
    logical = _str(get(rc, "LogicalResourceId")) or f"Changes[{i}]"
    rtype = _str(get(rc, "ResourceType")) or ""
    act = get(rc, "Action")
    replacement = get(rc, "Replacement")
    policy = _str(get(rc, "PolicyAction"))
    evidence = f"Changes[{i}]: {logical} ({rtype}) Action={act}"
    if replacement is not None:
        evidence += f" Replacement={replacement}"
    if policy:
        evidence += f" PolicyAction={policy}"
    if rtype == "AWS::CloudFormation::Stack" and act == "Modify":
        text = f"nested stack {logical} changes; its own changes are in another change set"
        _opaque(tally, "cfn-nested-stack", logical, evidence, env, text=text)
        return
    if act == "Add":
        tally.count("create")
        tally.bulk(
            "cfn-add", Category.CREATE, logical, verb="added", risk=Risk.LOW, environment=env
        )
    elif act == "Import":
        tally.count("import")
        tally.bulk(
            "cfn-import",
            Category.WRITE,
            logical,
            verb="imported",
            risk=Risk.MEDIUM,
            environment=env,
        )
    elif act == "Modify" and replacement in ("True", "Conditional", True):
        tally.count("replace")
        _destructive(tally, logical, rtype, evidence, env, replace=rc, policy=policy)
    elif act == "Modify":
        tally.count("update")
        tally.bulk(
            "cfn-modify",
            Category.WRITE,
            logical,
            verb="modified in place",
            risk=Risk.MEDIUM,
            environment=env,
        )
    elif act == "Remove":
        tally.count("delete")
        _destructive(tally, logical, rtype, evidence, env, replace=None, policy=policy)
    elif act == "Dynamic":
        text = f"{logical}: what changes is decided only when the change set runs"
        _opaque(tally, "cfn-dynamic", logical, evidence, env, text=text)
    else:
        text = f"{logical}: action {clip(repr(act), 40)} is not one CloudFormation defines"
        _opaque(tally, "cfn-unknown-action", logical, evidence, env, text=text)


def _destructive(
    tally: PlanTally,
    logical: str,
    rtype: str,
    evidence: str,
    env: str | None,
    *,
    replace: Mapping[str, Any] | None,
    policy: str | None,
) -> None:
    reason = stateful_reason("cloudformation", rtype)
    retained = policy in ("Retain", "ReplaceAndRetain")
    snapshot = policy in ("Snapshot", "ReplaceAndSnapshot")
    stateful = reason is not None and not retained
    if replace is not None:
        maybe = " (perhaps)" if get(replace, "Replacement") == "Conditional" else ""
        text = f"REPLACE{maybe} {logical}{_LOSS if stateful else ''}{_because(replace)}"
        rule, category = "cfn-replace", Category.REPLACE
    else:
        text = f"DELETE {logical}{_LOSS if stateful else ''}: removed from the stack and deleted"
        rule, category = "cfn-remove", Category.DELETE
    if retained:
        text += "; the DeletionPolicy retains the old resource (it is kept, unmanaged)"
    elif snapshot:
        text += "; the DeletionPolicy takes a snapshot first"
    if stateful:
        text += f"; {rtype} is {reason}"
    risk = Risk.CRITICAL if stateful and not snapshot else Risk.HIGH
    tally.add(
        f"{rule}-stateful" if stateful else rule,
        category,
        logical,
        evidence,
        text,
        risk=risk,
        environment=env,
        stateful=stateful,
    )


def _because(rc: Mapping[str, Any]) -> str:
    names: list[str] = []
    details = get(rc, "Details")
    for d in details if isinstance(details, list) else []:
        target = get(d, "Target")
        if get(target, "RequiresRecreation") in ("Always", "Conditionally"):
            name = _str(get(target, "Name")) or _str(get(target, "Attribute"))
            if name and f"`{name}`" not in names:
                names.append(f"`{clip(name, 60)}`")
    return f" because {', '.join(names[:6])} requires recreation" if names else ""


def _hints(meta: Mapping[str, Any]) -> tuple[str, ...]:
    out = list(environment_tags(get(meta, "Tags")))
    params = get(meta, "Parameters")
    for p in params if isinstance(params, list) else []:
        key = _str(get(p, "ParameterKey"))
        if key and key.lower() in ENVIRONMENT_KEYS:
            out += environment_tags({key: get(p, "ParameterValue")})
    return tuple(out)


def _scope(meta: Mapping[str, Any]) -> ProviderScope:
    account = account_of(get(meta, "StackId")) or account_of(get(meta, "ChangeSetId"))
    return ProviderScope(accounts=(account,) if account else ())


def _str(value: Any) -> str | None:
    return clip(value, 300) if isinstance(value, str) and value else None

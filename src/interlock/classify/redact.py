"""Sensitive-value redaction for plan documents.

Terraform's JSON plan (the "JSON Output Format" of ``terraform show -json``) holds
sensitive values in clear text in ``before``/``after``, ``planned_values``,
``prior_state`` and ``output_changes``, and marks them in parallel structures:
``before_sensitive``/``after_sensitive`` and ``sensitive_values`` mirror the value's
shape with ``true`` at each sensitive leaf (or ``true`` for the whole value); an
output change carries ``before_sensitive``/``after_sensitive`` booleans; a variable
is sensitive when ``configuration.root_module.variables.<name>.sensitive`` is true.

Everything classification copies out of a plan (tags for the environment, the few
flags it checks) passes through :func:`mask` first, and :func:`redact_plan` gives the
copy of a whole plan that may be stored or shown. Masking is structural and total:
where the marker says sensitive, nothing of the value survives, not even its length.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: What a sensitive value becomes; never derived from the value.
REDACTED = "(sensitive value)"


def mask(value: Any, sensitive: Any) -> Any:
    """``value`` with every leaf that ``sensitive`` marks replaced by ``REDACTED``.

    ``sensitive`` is Terraform's marker: ``true`` (all of it), or a mapping / list of
    the same shape as ``value``. Markers of an unexpected type hide the whole value:
    a marker we cannot read is not taken as "nothing is sensitive".
    """
    if sensitive is True:
        return REDACTED
    if sensitive is None or sensitive is False:
        return value
    if isinstance(sensitive, Mapping):
        if not isinstance(value, Mapping):
            return value if value is None else REDACTED
        return {k: mask(v, sensitive.get(k)) for k, v in value.items()}
    if isinstance(sensitive, list):
        if not isinstance(value, list):
            return value if value is None else REDACTED
        return [mask(v, sensitive[i] if i < len(sensitive) else None) for i, v in enumerate(value)]
    return REDACTED


def redact_change(change: Mapping[str, Any]) -> dict[str, Any]:
    """A resource or output change with ``before``/``after`` masked by their markers."""
    out = dict(change)
    for side in ("before", "after"):
        if side in out:
            out[side] = mask(out[side], change.get(f"{side}_sensitive"))
    return out


def redact_plan(plan: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a Terraform plan document safe to store or show."""
    out = dict(plan)
    for key in ("resource_changes", "resource_drift"):
        items = out.get(key)
        if isinstance(items, list):
            out[key] = [_redact_rc(rc) for rc in items]
    outputs = out.get("output_changes")
    if isinstance(outputs, Mapping):
        out["output_changes"] = {
            k: redact_change(v) if isinstance(v, Mapping) else REDACTED for k, v in outputs.items()
        }
    for key in ("planned_values", "prior_state"):
        if isinstance(out.get(key), Mapping):
            out[key] = _redact_state(out[key])
    variables = out.get("variables")
    if isinstance(variables, Mapping):
        secret = sensitive_variables(plan)
        out["variables"] = {
            k: {"value": REDACTED} if k in secret or not isinstance(v, Mapping) else dict(v)
            for k, v in variables.items()
        }
    return out


def redact_plan_bytes(data: bytes) -> bytes:
    """The stored form of Terraform plan JSON: parsed, redacted, written compactly.

    Raises ``PlanFormatError`` for bytes that are not a JSON object, so nothing is
    ever stored unredacted by mistake.
    """
    import orjson

    from interlock.errors import PlanFormatError

    try:
        plan = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise PlanFormatError(f"cannot redact a plan that is not JSON: {exc}") from exc
    if not isinstance(plan, Mapping):
        raise PlanFormatError("cannot redact a plan that is not a JSON object")
    return orjson.dumps(redact_plan(plan))


def sensitive_variables(plan: Mapping[str, Any]) -> frozenset[str]:
    """Names of root-module variables declared ``sensitive = true``."""
    config = plan.get("configuration")
    root = config.get("root_module") if isinstance(config, Mapping) else None
    declared = root.get("variables") if isinstance(root, Mapping) else None
    if not isinstance(declared, Mapping):
        return frozenset()
    return frozenset(
        k for k, v in declared.items() if isinstance(v, Mapping) and v.get("sensitive") is True
    )


def _redact_rc(rc: Any) -> Any:
    if not isinstance(rc, Mapping) or not isinstance(rc.get("change"), Mapping):
        return rc
    return {**rc, "change": redact_change(rc["change"])}


def _redact_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """``planned_values`` or ``prior_state``: resources carry ``sensitive_values``."""
    out = dict(state)
    if isinstance(out.get("values"), Mapping):
        out["values"] = _redact_state(out["values"])
    if isinstance(out.get("outputs"), Mapping):
        out["outputs"] = {
            k: {**v, "value": REDACTED} if isinstance(v, Mapping) and v.get("sensitive") else v
            for k, v in out["outputs"].items()
        }
    if isinstance(out.get("root_module"), Mapping):
        out["root_module"] = _redact_module(out["root_module"])
    return out


def _redact_module(module: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(module)
    resources = out.get("resources")
    if isinstance(resources, list):
        out["resources"] = [
            {**r, "values": mask(r.get("values"), r.get("sensitive_values"))}
            if isinstance(r, Mapping)
            else r
            for r in resources
        ]
    children = out.get("child_modules")
    if isinstance(children, list):
        out["child_modules"] = [
            _redact_module(c) if isinstance(c, Mapping) else c for c in children
        ]
    return out

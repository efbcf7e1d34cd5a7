"""A Terraform plan generator: real resource shapes scaled to N resources.

Benchmarks and tests need plans far larger than any real fixture, yet shaped like
real ones, because a reader's cost lies in the values it must step over. This module
takes the managed resources of the plans in ``../shared/corpus/tfplan/`` as
templates (their ``before``/``after`` values, sensitivity maps and unknown maps,
read in place) and emits a ``terraform show -json`` document (format 1.2, the
Terraform JSON output format) of N resources with a chosen mix of actions, complete
with the ``planned_values``, ``prior_state`` and ``configuration`` sections that real
plans carry. Output is compact JSON, as Terraform writes it.

    python -m benchmarks.plangen --resources 100000 \
        --mix no-op=70,update=15,create=10,replace=3,delete=2 -o /tmp/plan.json
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

#: ``../shared/corpus/tfplan`` from the project root, read in place.
CORPUS_TFPLAN = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "tfplan"

#: Terraform's action tuples by the short names ``--mix`` accepts.
ACTIONS: Mapping[str, tuple[str, ...]] = {
    "no-op": ("no-op",),
    "create": ("create",),
    "read": ("read",),
    "update": ("update",),
    "delete": ("delete",),
    "replace": ("delete", "create"),
    "replace-cbd": ("create", "delete"),
    "forget": ("forget",),
}

DEFAULT_MIX: Mapping[str, float] = {
    "no-op": 70,
    "update": 15,
    "create": 10,
    "replace": 3,
    "delete": 2,
}

#: Templates whose values are larger than this are left out, so that file size grows
#: with the resource count rather than with one outsized fixture.
MAX_TEMPLATE_BYTES = 2_000


@dataclass(frozen=True, slots=True)
class Template:
    """One real resource shape: its type, provider and values."""

    type: str
    provider_name: str
    values: Mapping[str, Any]
    sensitive: Any
    unknown: Any


def load_templates(corpus: Path = CORPUS_TFPLAN) -> list[Template]:
    """Managed resources of the corpus plans with object values, one per shape."""
    seen: set[tuple[str, int]] = set()
    out: list[Template] = []
    for path in sorted(corpus.glob("*.json")):
        try:
            plan = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            continue
        changes = plan.get("resource_changes") if isinstance(plan, dict) else None
        for rc in changes if isinstance(changes, list) else []:
            template = _template(rc)
            if template is None:
                continue
            key = (template.type, len(template.values))
            if key not in seen:
                seen.add(key)
                out.append(template)
    if not out:
        raise SystemExit(f"no resource templates found under {corpus}")
    return out


def _template(rc: Any) -> Template | None:
    if not isinstance(rc, dict) or rc.get("mode") != "managed":
        return None
    change = rc.get("change")
    if not isinstance(change, dict):
        return None
    values = change.get("after") or change.get("before")
    rtype, provider = rc.get("type"), rc.get("provider_name")
    if not (isinstance(values, dict) and values and isinstance(rtype, str)):
        return None
    if "_" not in rtype or not isinstance(provider, str):
        return None
    if len(orjson.dumps(values)) > MAX_TEMPLATE_BYTES:
        return None
    sensitive = change.get("after_sensitive") or change.get("before_sensitive") or {}
    return Template(rtype, provider, values, sensitive, change.get("after_unknown") or {})


def parse_mix(text: str) -> dict[str, float]:
    """``create=10,replace=2`` -> weights; unknown action names are an error."""
    mix: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = part.partition("=")
        if name not in ACTIONS:
            raise ValueError(f"unknown action {name!r}; known: {', '.join(ACTIONS)}")
        mix[name] = float(weight or 1)
    if not mix or sum(mix.values()) <= 0:
        raise ValueError("the mix needs at least one positive weight")
    return mix


def generate(
    resources: int,
    mix: Mapping[str, float] = DEFAULT_MIX,
    *,
    seed: int = 3,
    templates: Sequence[Template] | None = None,
) -> dict[str, Any]:
    """A plan document of ``resources`` resource changes drawn with weights ``mix``."""
    pool = list(templates) if templates is not None else load_templates()
    rng = random.Random(seed)
    names, weights = list(mix), [mix[n] for n in mix]
    changes: list[dict[str, Any]] = []
    planned: list[dict[str, Any]] = []
    prior: list[dict[str, Any]] = []
    config: list[dict[str, Any]] = []
    for i in range(resources):
        t = pool[i % len(pool)]
        action = rng.choices(names, weights)[0]
        rc = _resource_change(i, t, ACTIONS[action])
        changes.append(rc)
        state = {k: rc[k] for k in ("address", "mode", "type", "name", "provider_name")}
        if rc["change"]["after"] is not None:
            planned.append({**state, "schema_version": 0, "values": t.values})
        if rc["change"]["before"] is not None:
            prior.append({**state, "schema_version": 0, "values": t.values})
        config.append({**state, "provider_config_key": _provider_key(t), "expressions": {}})
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "variables": {"environment": {"value": "production"}},
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": prior}}},
        "configuration": {
            "provider_config": _provider_config(pool),
            "root_module": {"resources": config},
        },
        "timestamp": "2026-01-01T00:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }


def _resource_change(i: int, t: Template, actions: tuple[str, ...]) -> dict[str, Any]:
    creates = "create" in actions or actions in (("update",), ("no-op",), ("read",))
    keeps = actions not in (("create",), ("read",))
    name = f"r{i}"
    change: dict[str, Any] = {
        "actions": list(actions),
        "before": t.values if keeps else None,
        "after": t.values if creates else None,
        "after_unknown": t.unknown if creates else {},
        "before_sensitive": t.sensitive if keeps else False,
        "after_sensitive": t.sensitive if creates else False,
    }
    rc: dict[str, Any] = {
        "address": f"{t.type}.{name}",
        "mode": "data" if actions == ("read",) else "managed",
        "type": t.type,
        "name": name,
        "provider_name": t.provider_name,
        "change": change,
    }
    if i % 10 == 9:
        module = f"module.m{i % 7}"
        rc["module_address"] = module
        rc["address"] = f"{module}.{rc['address']}"
    if len(actions) == 2 and "delete" in actions:
        change["replace_paths"] = [[next(iter(t.values))]]
        rc["action_reason"] = "replace_because_cannot_update"
    return rc


def _provider_key(t: Template) -> str:
    return t.provider_name.rsplit("/", 1)[-1]


def _provider_config(pool: Sequence[Template]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for t in pool:
        key = _provider_key(t)
        out[key] = {"name": key, "full_name": t.provider_name}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.plangen --resources N --mix ... -o FILE``."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.plangen", description=__doc__)
    p.add_argument("--resources", type=int, required=True, help="resource changes to emit")
    p.add_argument("--mix", default="", help="action weights, e.g. create=10,replace=2")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("-o", "--output", required=True, help="file to write ('-' = stdout)")
    args = p.parse_args(argv)
    mix = parse_mix(args.mix) if args.mix else DEFAULT_MIX
    data = orjson.dumps(generate(args.resources, mix, seed=args.seed))
    if args.output == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(args.output).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())

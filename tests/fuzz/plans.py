"""Plans for fuzzing: the corpus plans mutated, and a stdlib view of what they still do.

Seeds are every Terraform/OpenTofu, CloudFormation and Pulumi file of the corpus (read
in place) and the ``kubectl diff`` output of tests/classify/test_k8s.py. Mutations work
on the parsed JSON (drop, retype, swap action words, duplicate keys, shuffle, nest)
or on the bytes (cut, flip, splice, insert JSON tokens).

``risky`` is the oracle: whether a document still holds a delete, a replace or a
change the format does not define, read with the standard library only and routed
to a format by the same top-level keys ``interlock.classify.plans`` documents. A
duplicated key is read as the last one, as Go's ``encoding/json`` (Terraform, Pulumi),
``msgspec`` and Python's ``json`` all read it.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from tests.classify.test_k8s import DIFF
from tests.classify.test_plans import _mutate, _risky
from tests.conftest import CORPUS

PLAN_DIRS = ("tfplan", "other/cloudformation/extracted", "other/pulumi")


@cache
def seeds() -> tuple[bytes, ...]:
    """Every corpus plan's bytes, then ``kubectl diff`` output, read in place."""
    files = sorted(p for d in PLAN_DIRS for p in (CORPUS / d).iterdir() if p.is_file())
    return (*(Path(p).read_bytes() for p in files), DIFF.encode())


#: Seeds larger than this are left to the byte mutations: parsing and re-writing the
#: few plans of several hundred KB would take most of the campaign's time.
MAX_DOCUMENT = 64 * 1024


@cache
def documents() -> tuple[tuple[str, Any], ...]:
    """``(kind, value)`` of each seed up to ``MAX_DOCUMENT``: ``json`` or ``lines``."""
    out: list[tuple[str, Any]] = []
    for data in (s for s in seeds() if len(s) <= MAX_DOCUMENT):
        try:
            out.append(("json", json.loads(data)))
        except ValueError:
            if data.lstrip().startswith(b"{"):
                out.append(("lines", [json.loads(line) for line in data.splitlines() if line]))
    return tuple(out)


# -- the oracle -------------------------------------------------------------------

_CFN_ROUTINE = ("Add", "Import", "Modify")
_PULUMI_DESTROY = frozenset(
    {
        "delete",
        "discard",
        "replace",
        "create-replacement",
        "delete-replaced",
        "discard-replaced",
        "read-replacement",
        "import-replacement",
        "remove-pending-replace",
    }
)
_PULUMI_OPS = _PULUMI_DESTROY | {"same", "create", "update", "read", "refresh", "import"}


def _get(obj: Any, key: str) -> Any:
    """CloudFormation's two spellings, PascalCase first."""
    if not isinstance(obj, Mapping):
        return None
    value = obj.get(key)
    return obj.get(key[:1].lower() + key[1:]) if value is None else value


def _cfn_risky(doc: Any) -> bool:
    changes = doc if isinstance(doc, list) else _get(doc, "Changes")
    if not isinstance(changes, list):
        return True
    for change in changes:
        rc = _get(change, "ResourceChange")
        if _get(change, "Type") not in (None, "Resource") or not isinstance(rc, Mapping):
            return True
        act = _get(rc, "Action")
        if act == "Modify" and _get(rc, "ResourceType") == "AWS::CloudFormation::Stack":
            return True
        if act == "Modify" and _get(rc, "Replacement") in ("True", "Conditional", True):
            return True
        if act not in _CFN_ROUTINE:
            return True
    return False


def _pulumi_steps_risky(steps: list[Any]) -> bool:
    """Steps grouped by URN as Pulumi spells a replace; a retained delete is a write."""
    ops: dict[str, set[str]] = {}
    retained: dict[str, bool] = {}
    for i, meta in enumerate(steps):
        if not isinstance(meta, Mapping):
            return True
        urn = meta["urn"] if isinstance(meta.get("urn"), str) else f"steps[{i}]"
        op = meta.get("op")
        if not isinstance(op, str) or op not in _PULUMI_OPS:
            return True
        ops.setdefault(urn, set()).add(op)
        old = next((meta[k] for k in ("oldState", "old") if isinstance(meta.get(k), Mapping)), None)
        keep = isinstance(old, Mapping) and old.get("retainOnDelete") is True
        retained[urn] = retained.get(urn, False) or keep
    for urn, found in ops.items():
        destroys = found & _PULUMI_DESTROY
        if destroys and not (retained[urn] and destroys <= {"delete", "discard"}):
            return True
    return False


def _error(diag: Any) -> bool:
    return isinstance(diag, Mapping) and diag.get("severity") == "error"


def _pulumi_risky(doc: Any) -> bool:
    steps = doc.get("steps")
    if steps is not None and not isinstance(steps, list):
        return True
    diagnostics = doc.get("diagnostics")
    if isinstance(diagnostics, list) and any(_error(d) for d in diagnostics):
        return True
    return _pulumi_steps_risky(list(steps or []))


def _events_risky(events: list[Any]) -> bool:
    steps: list[Any] = []
    for event in events:
        if not isinstance(event, Mapping):
            return True
        pre = event.get("resourcePreEvent")
        if isinstance(pre, Mapping):
            steps.append(pre.get("metadata"))
        if _error(event.get("diagnosticEvent")):
            return True
        cancel = event.get("cancelEvent")
        if cancel and cancel != {}:
            return True
    return _pulumi_steps_risky(steps)


def risky_document(doc: Any) -> bool:
    """Whether one parsed plan document still deletes, replaces or is unreadable."""
    if isinstance(doc, list):
        first = doc[0] if doc else None
        if isinstance(first, Mapping) and ("resourceChange" in first or "ResourceChange" in first):
            return _cfn_risky(doc)
        return False
    if not isinstance(doc, Mapping):
        return False
    if doc.get("resource_changes") or doc.get("planned_values"):
        return bool(_risky(doc))
    if doc.get("Changes") or doc.get("ChangeSetId") or doc.get("changes"):
        return _cfn_risky(doc)
    if doc.get("steps") or doc.get("changeSummary"):
        return _pulumi_risky(doc)
    return False


def risky(data: bytes) -> bool:
    """The oracle over bytes: one JSON document, or an event stream line by line."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return _stream_risky(data)
    return risky_document(doc)


_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def _diff_risky(text: str) -> bool:
    """``kubectl diff``: an object whose hunks only remove lines is deleted."""
    for block in re.split(r"^diff ", text, flags=re.MULTILINE)[1:]:
        hunks = [m for line in block.splitlines() if (m := _HUNK.match(line))]
        removed = sum(int(m.group(1) or 1) for m in hunks)
        added = sum(int(m.group(2) or 1) for m in hunks)
        if hunks and removed and not added:
            return True
    return False


def _stream_risky(data: bytes) -> bool:
    if data.lstrip()[:5] == b"diff ":
        return _diff_risky(data.decode("utf-8", "replace"))
    events = []
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except (ValueError, RecursionError):
            return False  # not a stream: the reader refuses it, nothing to judge
    return bool(events) and _events_risky(events)


# -- mutations --------------------------------------------------------------------

_WORDS: dict[str, tuple[Any, ...]] = {
    "actions": (
        ["delete"],
        ["delete", "create"],
        ["create", "delete"],
        ["create"],
        ["no-op"],
        ["update"],
        ["forget"],
        ["read"],
        [],
        ["Delete"],
        ["destroy"],
        "delete",
        None,
        ["delete", "delete"],
        ["no-op", "delete"],
    ),
    "Action": ("Add", "Modify", "Remove", "Import", "Dynamic", "remove", "", None, 1, ["Remove"]),
    "Replacement": ("True", "False", "Conditional", True, False, "true", None),
    "op": ("same", "create", "update", "delete", "replace", "delete-replaced", "bogus", None, ""),
}
_ODD: tuple[Any, ...] = (None, True, 0, -1, 2**63, 1.5, "", "x", [], {}, [None], {"a": []})


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        out.append((node, key))
        if isinstance(value, (dict, list)):
            _slots(value, out)
    return out


def _action_word(rng: random.Random, doc: Any) -> None:
    slots = [(c, k) for c, k in _slots(doc, []) if isinstance(k, str)]
    found = [(c, k) for c, k in slots if k in _WORDS or k[:1].upper() + k[1:] in _WORDS]
    if found:
        container, key = rng.choice(found)
        words = _WORDS.get(key) or _WORDS[key[:1].upper() + key[1:]]
        container[key] = copy.deepcopy(rng.choice(words))


def _structural(rng: random.Random, doc: Any) -> None:
    slots = _slots(doc, [])
    if not slots:
        return
    container, key = rng.choice(slots)
    roll = rng.random()
    value = container[key]
    if roll < 0.3 and isinstance(value, list) and len(value) > 1:
        rng.shuffle(value)
    elif roll < 0.5:
        container[key] = [value] if rng.random() < 0.5 else {"nested": value}
    elif roll < 0.7 and isinstance(container, dict):
        container[rng.choice(("extra", "Extra", "_x", key.upper()))] = _odd(rng)
    elif roll < 0.85 and isinstance(value, list) and value:
        value.append(copy.deepcopy(value[rng.randrange(len(value))]))
    else:
        container[key] = _odd(rng)


def _odd(rng: random.Random) -> Any:
    """A fresh odd value (the constants are never put into a document themselves)."""
    return copy.deepcopy(rng.choice(_ODD))


def mutate_document(rng: random.Random, doc: Any) -> None:
    """A few edits of a parsed document, in place."""
    for _ in range(rng.randrange(1, 5)):
        roll = rng.random()
        if roll < 0.4:
            _action_word(rng, doc)
        elif roll < 0.55 and isinstance(doc, dict) and doc:
            # test_plans' own edits; its "actions" edit expects an intact Terraform
            # shape, which earlier edits may have broken (``_action_word`` covers it)
            op = rng.choice(("drop", "retype"))
            _mutate(doc, (op, rng.randrange(10_000), _odd(rng), []))
        else:
            _structural(rng, doc)


def dumps_with_duplicate(rng: random.Random, doc: Any) -> bytes:
    """``doc`` as JSON where one object repeats one key, before or after the original."""
    objects = [c for c, _ in _slots(doc, []) if isinstance(c, dict)]
    if isinstance(doc, dict):
        objects.append(doc)
    target = rng.choice(objects) if objects else None
    extra = rng.choice(_ODD + _WORDS["actions"])
    first = rng.random() < 0.5

    def encode(node: Any) -> bytes:
        if isinstance(node, dict):
            pairs = [_dumps(k) + b":" + encode(v) for k, v in node.items()]
            if node is target and node:
                dup = _dumps(rng.choice(list(node))) + b":" + _dumps(extra)
                pairs.insert(0 if first else len(pairs), dup)
            return b"{" + b",".join(pairs) + b"}"
        if isinstance(node, list):
            return b"[" + b",".join(encode(v) for v in node) + b"]"
        return _dumps(node)

    return encode(doc)


def _dumps(value: Any, indent: bool = False) -> bytes:
    """``orjson`` for speed; ``json`` for what it refuses (integers past 64 bits)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else None)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, indent=2 if indent else None).encode()


def mutated_plan(rng: random.Random) -> bytes:
    """A corpus plan, parsed, mutated and written back (a stream line by line)."""
    kind, original = rng.choice(documents())
    doc = orjson.loads(orjson.dumps(original))
    if kind == "lines":
        for _ in range(rng.randrange(1, 4)):
            mutate_document(rng, doc[rng.randrange(len(doc))])
        return b"\n".join(_dumps(e) for e in doc) + b"\n"
    mutate_document(rng, doc)
    if rng.random() < 0.2:
        return dumps_with_duplicate(rng, doc)
    return _dumps(doc, indent=rng.random() < 0.3)


_TOKENS: tuple[bytes, ...] = (
    b"{", b"}", b"[", b"]", b",", b":", b'"', b"null", b'"delete"', b'"Remove"', b'"op":',
    b"\n", b"\r\n", b"\x00", b"\xff", b"\xef\xbb\xbf", b"-", b"1e999", b"@@ -1,2 +0,0 @@\n",
    b"diff -u a b\n", b"apiVersion: v1\nkind: Namespace\n", b"\\u0000", b"\\ud800",
)  # fmt: skip


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """Byte edits: cut, flip, delete, duplicate, splice another seed, insert tokens."""
    edits: tuple[Callable[[bytes, int], bytes], ...] = (
        lambda d, at: d[:at],
        lambda d, at: d[:at] + bytes([rng.randrange(256)]) + d[at + 1 :],
        lambda d, at: d[:at] + d[at + rng.randrange(1, 64) :],
        lambda d, at: d[:at] + d[at : at + rng.randrange(1, 256)] + d[at:],
        lambda d, at: d[:at] + rng.choice(_TOKENS) + d[at:],
        lambda d, at: d[:at] + rng.choice(seeds())[rng.randrange(4096) :][:2048],
    )
    for _ in range(rng.randrange(1, 4)):
        data = rng.choice(edits)(data, rng.randrange(len(data) + 1))
    return data


def random_plan_bytes(rng: random.Random) -> bytes:
    """Mostly mutated seeds; sometimes raw random bytes or a mutated document."""
    roll = rng.random()
    if roll < 0.1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
    if roll < 0.3:
        return mutate_bytes(rng, mutated_plan(rng))
    return mutate_bytes(rng, rng.choice(seeds()))

"""Plan format detection, refusal of what is not a plan, and mutated-plan properties."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlock.classify import assess
from interlock.classify.plans import detect
from interlock.config import default_config
from interlock.demo.incident import incident_plan, minimal_fix_plan
from interlock.errors import PlanFormatError
from interlock.models import Action, ActionKind, Target, Verdict
from interlock.policy import decide

CONFIG = default_config()
#: Action lists that destroy nothing (forget leaves the object running, unmanaged).
ROUTINE = (
    ["no-op"],
    ["create"],
    ["read"],
    ["update"],
    ["forget"],
    ["create", "forget"],
    ["forget", "create"],
)


def _check(data: bytes, env: str | None = "development") -> Verdict:
    action = Action(ActionKind.TERRAFORM_PLAN, data, Target(environment=env))
    assessment = assess(action, CONFIG)
    # the reader's own safety net must never be what catches a plan
    assert "plan-reader-error" not in {f.rule_id for f in assessment.findings}
    return decide(assessment, CONFIG).verdict


@pytest.mark.parametrize(
    ("folder", "fmt"),
    [
        ("tfplan", "terraform"),
        ("other/cloudformation/extracted", "cloudformation"),
        ("other/pulumi", "pulumi"),
    ],
)
def test_corpus_formats_are_detected(corpus: Path, folder: str, fmt: str) -> None:
    files = sorted(p for p in (corpus / folder).iterdir() if p.is_file())
    assert files
    for path in files:
        assert detect(path.read_bytes()) == fmt, path.name


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n", "kubernetes"),
        (b'{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}', "kubernetes"),
        (b"diff -u -N /tmp/LIVE-1/v1.Namespace..x /tmp/MERGED-2/v1.Namespace..x\n", "kubernetes"),
        (b'[{"resourceChange": {"action": "Add"}}]', "cloudformation"),
        (b'\xef\xbb\xbf  {"format_version": "1.2", "resource_changes": []}', "terraform"),
    ],
)
def test_small_documents_are_detected(data: bytes, fmt: str) -> None:
    assert detect(data) == fmt


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"hello world", "not a plan format"),
        (b'{"hello": "world"}', "not a plan interlock reads"),
        (b'{"format_version": "1.0", "values": {"root_module": {}}}', "Terraform state"),
        (b'{"format_version": "1.2"}', "not a plan interlock reads"),
        (b'{"format_version": "1.2", ', "not valid JSON"),
        (b"[1, 2, 3]", "JSON array"),
        (b"[1, 2", "not valid JSON"),
        (b'{"format_version": "1.2", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "deeply"),
        (b"[" * 100_000 + b"]" * 100_000, "deeply"),
    ],
)
def test_what_is_not_a_plan_is_refused_precisely(data: bytes, words: str) -> None:
    with pytest.raises(PlanFormatError, match=words):
        _check(data)


def test_a_reader_that_breaks_holds_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    from interlock.classify import cfn

    def broken(*_: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(cfn, "assess_cfn", broken)
    action = Action(ActionKind.TERRAFORM_PLAN, b'{"Changes": []}', Target(environment="dev"))
    assessment = assess(action, CONFIG)
    assert [f.rule_id for f in assessment.findings] == ["plan-reader-error"]
    assert decide(assessment, CONFIG).verdict is Verdict.HOLD


def test_text_payloads_are_read_like_bytes() -> None:
    text = orjson.dumps(minimal_fix_plan()).decode()
    action = Action(ActionKind.TERRAFORM_PLAN, text, Target(environment="development"))
    assert decide(assess(action, CONFIG), CONFIG).verdict is Verdict.ALLOW


# -- properties over mutated plans ------------------------------------------------

_ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.just("x" * 200_000),
    st.lists(st.text(max_size=8), max_size=4),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)
_ACTION_WORDS = st.sampled_from(
    ["create", "delete", "update", "no-op", "read", "forget", "destroy", "", "Delete", "replace"]
)
_MUTATION = st.tuples(
    st.sampled_from(["drop", "retype", "actions", "huge"]),
    st.integers(min_value=0, max_value=10_000),
    _ODD_VALUES,
    st.lists(_ACTION_WORDS, max_size=3),
)


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) in a JSON tree, in a stable order."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        out.append((node, key))
        if isinstance(value, (dict, list)):
            _slots(value, out)
    return out


def _mutate(plan: dict[str, Any], mutation: tuple[str, int, Any, list[str]]) -> None:
    op, index, odd, words = mutation
    slots = _slots(plan, [])
    container, key = slots[index % len(slots)]
    if op == "drop" and isinstance(container, dict):
        del container[key]
    elif op == "actions":
        changes = plan.get("resource_changes")
        if isinstance(changes, list) and changes and isinstance(changes[0], dict):
            target = changes[index % len(changes)]
            if isinstance(target.get("change"), dict):
                target["change"]["actions"] = words
    elif op == "huge":
        container[key] = "y" * 300_000
    else:
        container[key] = odd


def _risky(plan: Any) -> bool:
    """Whether any change is a delete, a replace, unknown or unreadable (stdlib view)."""
    if not isinstance(plan, dict):
        return True
    changes = plan.get("resource_changes", [])
    if changes is None:
        return False
    if not isinstance(changes, list):
        return True
    for rc in changes:
        change = rc.get("change") if isinstance(rc, dict) else None
        actions = change.get("actions") if isinstance(change, dict) else None
        if actions not in ROUTINE:
            return True
    return False


_BASES = [minimal_fix_plan(), incident_plan("staging")]


@pytest.mark.fuzz
@settings(
    max_examples=int(os.environ.get("INTERLOCK_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    base=st.sampled_from(range(len(_BASES))),
    mutations=st.lists(_MUTATION, min_size=1, max_size=4),
    cut=st.one_of(st.none(), st.integers(min_value=0, max_value=100_000)),
)
def test_mutated_plans_never_crash_and_never_allow_risk(
    base: int, mutations: list[tuple[str, int, Any, list[str]]], cut: int | None
) -> None:
    plan = orjson.loads(orjson.dumps(_BASES[base]))
    for mutation in mutations:
        _mutate(plan, mutation)
    try:
        full = orjson.dumps(plan)
    except (TypeError, orjson.JSONEncodeError):
        return  # integers beyond 64 bits have no JSON form here
    data = full if cut is None else full[: cut % (len(full) + 1)]
    try:
        verdict = _check(data)
    except PlanFormatError:
        return
    assert len(data) == len(full), "a truncated plan was read as a whole one"
    if _risky(plan):
        assert verdict is not Verdict.ALLOW


def test_generated_plans_are_counted_exactly() -> None:
    from benchmarks.plangen import generate, parse_mix

    mix = parse_mix("no-op=5,create=3,update=3,replace=1,replace-cbd=1,delete=1,forget=1,read=1")
    plan = generate(600, mix, seed=11)
    names = {"delete,create": "replace", "create,delete": "replace"}
    expected: dict[str, int] = {}
    for rc in plan["resource_changes"]:
        key = ",".join(rc["change"]["actions"])
        expected[names.get(key, key)] = expected.get(names.get(key, key), 0) + 1
    action = Action(ActionKind.TERRAFORM_PLAN, orjson.dumps(plan), Target())
    assessment = assess(action, CONFIG)
    assert dict(assessment.blast_radius.counts) == expected
    assert len(plan["resource_changes"]) == 600
    with pytest.raises(ValueError, match="unknown action"):
        parse_mix("explode=1")

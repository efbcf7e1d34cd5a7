"""Fuzzing the plan readers (Terraform/OpenTofu, CloudFormation, Pulumi, ``kubectl diff``).

* A mutated corpus plan that still deletes or replaces something, or holds a change
  its format does not define (``plans.risky``), is never allowed; refusing it as not
  a plan (``PlanFormatError``) is not allowing it.
* Mutated bytes and random bytes never crash a reader, never trip the readers'
  safety net (``plan-reader-error`` means a bug was caught), and are never allowed
  when what they still say is risky.
* No input takes more than 100 ms.
"""

from __future__ import annotations

import random

import pytest

from interlock.classify import assess
from interlock.config import default_config
from interlock.errors import InterlockError
from interlock.models import Action, ActionKind, Assessment, Decision, Target, Verdict
from interlock.policy import decide
from tests.fuzz.campaign import Campaign
from tests.fuzz.plans import (
    MAX_DOCUMENT,
    documents,
    mutated_plan,
    random_plan_bytes,
    risky,
    risky_document,
    seeds,
)

CONFIG = default_config()
INTERNAL_ERROR = "plan-reader-error"
ENVIRONMENTS = (None, "development", "staging", "production")

Plan = tuple[bytes, str | None]
#: The assessment and decision, or ``None`` when the plan was refused as not a plan.
Outcome = tuple[Assessment, Decision] | None


def check(plan: Plan) -> Outcome:
    """What ``interlock check --plan`` computes (the timed call)."""
    data, env = plan
    try:
        assessment = assess(
            Action(ActionKind.TERRAFORM_PLAN, data, Target(environment=env)), CONFIG
        )
    except InterlockError:
        return None
    return assessment, decide(assessment, CONFIG)


def _show(plan: Plan) -> str:
    return f"env={plan[1]} {plan[0]!r}"


def test_the_oracle_sees_what_the_corpus_says() -> None:
    """Every seed the oracle calls risky is held as written; most held seeds are risky.

    The readers hold more than the oracle sees (drift, incomplete plans, errors), so
    only the one direction is exact.
    """
    assert len(seeds()) > 150
    held = 0
    for data in seeds():
        outcome = check((data, "development"))
        assert outcome is not None, data[:80]
        stopped = outcome[1].verdict is not Verdict.ALLOW
        held += stopped
        if risky(data):
            assert stopped, data[:200]
    assert held - 5 <= sum(risky(d) for d in seeds()) <= held


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"resource_changes": [{"change": {"actions": ["create"]}}]}, False),
        ({"resource_changes": [{"change": {"actions": ["delete", "create"]}}]}, True),
        ({"Changes": [{"Type": "Resource", "ResourceChange": {"Action": "Remove"}}]}, True),
        ({"changes": [{"resourceChange": {"action": "Add"}}]}, False),
        ({"steps": [{"urn": "u", "op": "delete"}]}, True),
        ({"steps": [{"urn": "u", "op": "delete", "oldState": {"retainOnDelete": True}}]}, False),
        ({"steps": [{"urn": "u", "op": "same"}]}, False),
        ({"steps": [{"urn": "u", "op": "explode"}]}, True),
    ],
)
def test_the_oracle_reads_each_format(doc: object, expected: bool) -> None:
    assert risky_document(doc) is expected


def test_a_duplicated_key_is_read_as_the_last_one() -> None:
    first = b'{"resource_changes": [{"change": {"actions": ["delete"]}}], "resource_changes": []}'
    last = b'{"resource_changes": [], "resource_changes": [{"change": {"actions": ["delete"]}}]}'
    assert not risky(first)
    assert risky(last)
    assert check((last, None)) is not None
    assert check((last, None))[1].verdict is not Verdict.ALLOW  # type: ignore[index]


def test_mutations_change_the_documents() -> None:
    rng = random.Random(3)
    originals = set(seeds())
    made = [mutated_plan(rng) for _ in range(200)]
    assert sum(m not in originals for m in made) > 150
    assert sum(risky(m) for m in made) > 40
    assert len(documents()) == sum(len(s) <= MAX_DOCUMENT for s in seeds()) - 1  # the diff


def _mutated(rng: random.Random) -> Plan:
    return mutated_plan(rng), rng.choice(ENVIRONMENTS)


def _random(rng: random.Random) -> Plan:
    return random_plan_bytes(rng), rng.choice(ENVIRONMENTS)


def _judge(plan: Plan, outcome: Outcome) -> None:
    if outcome is None:
        return  # refused: an error for the caller, never an allow
    assessment, decision = outcome
    rules = {f.rule_id for f in assessment.findings}
    assert INTERNAL_ERROR not in rules, f"reader error: {assessment.findings[0].evidence}"
    if risky(plan[0]):
        assert decision.verdict is not Verdict.ALLOW, f"risky plan allowed: {sorted(rules)}"


@pytest.mark.fuzz
def test_mutated_plans_with_risk_are_never_allowed() -> None:
    tally = Campaign[Plan, Outcome]("plans-mutated", _show).run(
        _mutated, check, _judge, warm=(seeds()[0], None)
    )
    assert tally.clean, tally.report()


@pytest.mark.fuzz
def test_plan_bytes_never_crash_a_reader() -> None:
    tally = Campaign[Plan, Outcome]("plans-bytes", _show).run(
        _random, check, _judge, warm=(seeds()[-1], None)
    )
    assert tally.clean, tally.report()

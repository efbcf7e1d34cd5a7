"""Meta-tests over every tool family's rules: ids, descriptions, working examples.

One table for the whole registry, so a rule cannot be documented without an example
that really produces it, and no two families can share an id or a program.
"""

from __future__ import annotations

import re

import pytest

from interlock.classify.command import Rule
from interlock.classify.commands import FAMILIES, all_rules, handler_for
from tests.classify.commands.localtools import rule_ids

_KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
RULES = all_rules()


def test_every_family_is_registered_once() -> None:
    assert len(set(FAMILIES)) == len(FAMILIES)
    assert handler_for("rm") is not None


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.rule_id)
def test_rule_is_documented(rule: Rule) -> None:
    assert _KEBAB.match(rule.rule_id), rule.rule_id
    assert rule.description.strip()
    assert rule.examples


def test_rule_ids_are_unique() -> None:
    ids = [r.rule_id for r in RULES]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


@pytest.mark.parametrize(
    ("rule_id", "example"),
    [(r.rule_id, ex) for r in RULES for ex in r.examples],
    ids=lambda x: str(x)[:50],
)
def test_example_produces_its_rule(rule_id: str, example: str) -> None:
    assert rule_id in rule_ids(example)

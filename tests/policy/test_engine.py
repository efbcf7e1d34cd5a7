"""The decision engine: order, reasons with sources, and nothing ever below the floor."""

from __future__ import annotations

import functools
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlock.config import Config, parse_config
from interlock.models import (
    VERDICT_ORDER,
    Action,
    ActionKind,
    Assessment,
    Category,
    Finding,
    Principal,
    PrincipalKind,
    ReasonSource,
    Risk,
    Scope,
    Verdict,
)
from interlock.policy import decide, load_policies
from interlock.policy.engine import ENGINE_RULE_IDS, policies_for
from interlock.policy.floor import floor_decision
from interlock.policy.rego import PolicySet

BASE = """\
environments:
  production: {protected: true, approvals: 2, approver_groups: [sre, dba], match: {names: [prod]}}
  staging: {approvals: 1}
"""
CONFIG = parse_config(BASE)


def _finding(category: Category, env: str | None, scope: Scope = Scope.REMOTE) -> Finding:
    return Finding("t-rule", category, scope, "target", "evidence", "why", environment=env)


def _assess(*findings: Finding) -> Assessment:
    return Assessment(Action(ActionKind.SHELL, "x"), findings)


@functools.cache
def _policies(text: str) -> PolicySet:
    directory = Path(tempfile.mkdtemp(prefix="interlock-test-"))
    (directory / "p.rego").write_text("package main\nimport rego.v1\n" + text, encoding="utf-8")
    return load_policies([directory])


def test_decide_without_extras_is_the_floor() -> None:
    assessment = _assess(_finding(Category.DELETE, "production"))
    assert decide(assessment, CONFIG) == floor_decision(assessment, CONFIG)


def test_reasons_keep_their_sources_in_engine_order() -> None:
    config = parse_config(
        BASE
        + "people: {alice: {groups: [ops]}}\n"
        + "groups: {ops: {permissions: {'*': [read, change]}}}\n"
        + "freezes: {f: {environments: [staging], reason: quiet week}}\n"
    )
    policies = _policies('warn contains "looked at" if true\ndeny contains "no" if input.x\n')
    alice = Principal("alice", PrincipalKind.HUMAN)
    decision = decide(
        _assess(_finding(Category.DELETE, "staging")),
        config,
        requester=alice,
        policies=policies,
    )
    assert [r.source for r in decision.reasons] == [
        ReasonSource.FLOOR,
        ReasonSource.PERMISSION,
        ReasonSource.CONFIG,
        ReasonSource.REGO,
    ]
    assert decision.verdict is Verdict.DENY


def test_warn_adds_a_reason_without_raising() -> None:
    decision = decide(
        _assess(_finding(Category.READ, "staging")),
        CONFIG,
        policies=_policies('warn contains "just so you know" if true\n'),
    )
    assert decision.verdict is Verdict.ALLOW
    assert decision.reasons[-1].message == "just so you know"
    assert decision.reasons[-1].rule_id == "rego-warn"


def test_require_holds_for_more_approvers_from_a_group() -> None:
    policies = _policies('require contains {"approvals": 3, "group": "dba"} if true\n')
    held = decide(_assess(_finding(Category.DELETE, "production")), CONFIG, policies=policies)
    assert held.verdict is Verdict.HOLD
    assert held.required_approvals == 3
    assert held.approver_groups == ("dba",)  # narrowed from sre, dba
    allowed = decide(_assess(_finding(Category.WRITE, "staging")), CONFIG, policies=policies)
    assert allowed.verdict is Verdict.HOLD
    assert allowed.required_approvals == 3


def test_require_zero_still_holds_for_the_environments_approvers() -> None:
    policies = _policies('require contains {"approvals": 0} if true\n')
    decision = decide(_assess(_finding(Category.WRITE, "staging")), CONFIG, policies=policies)
    assert decision.verdict is Verdict.HOLD
    assert decision.required_approvals == 1


def test_disjoint_approver_groups_deny() -> None:
    policies = _policies('require contains {"approvals": 2, "group": "finance"} if true\n')
    decision = decide(_assess(_finding(Category.DELETE, "production")), CONFIG, policies=policies)
    assert decision.verdict is Verdict.DENY
    assert "config-approver-groups-conflict" in [r.rule_id for r in decision.reasons]


def test_configured_policies_are_loaded_once(tmp_path: Path) -> None:
    (tmp_path / "p.rego").write_text('package main\ndeny["configured"] { true }\n', "utf-8")
    config = parse_config(BASE + f"policies: ['{tmp_path}']\n")
    assert policies_for(config) is policies_for(config)
    decision = decide(_assess(_finding(Category.READ, "staging")), config)
    assert decision.verdict is Verdict.DENY
    assert decision.reasons[-1].message == "configured"


def test_an_error_inside_the_engine_denies() -> None:
    broken = Config(environments=CONFIG.environments, windows={"w": "not a window"})  # type: ignore[dict-item]
    decision = decide(
        _assess(_finding(Category.WRITE, "staging")), broken, now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert decision.verdict is Verdict.DENY
    assert decision.reasons[-1].rule_id == "engine-error"
    assert "engine-error" in ENGINE_RULE_IDS


# --- property: nothing configurable ever lowers the floor -------------------------

CATEGORIES = st.sampled_from(list(Category))
SCOPES = st.sampled_from(list(Scope))
ENVS = st.sampled_from(["production", "prod", "staging", "development", "elsewhere", None])
FINDINGS = st.builds(
    lambda c, s, e, r: Finding("t", c, s, "x", "e", "w", risk=r, environment=e),
    CATEGORIES,
    SCOPES,
    ENVS,
    st.sampled_from(list(Risk)),
)
CLASSES = st.lists(st.sampled_from(["read", "plan", "change", "destroy"]), unique=True)


@st.composite
def configs(draw: st.DrawFn) -> Config:
    approvals = draw(st.integers(2, 5))
    staging_protected = draw(st.booleans())
    staging = draw(st.integers(2 if staging_protected else 1, 4))
    prod_groups = draw(st.lists(st.sampled_from(["sre", "dba", "ops"]), unique=True))
    text = (
        "environments:\n"
        f"  production: {{protected: true, approvals: {approvals}, "
        f"approver_groups: {prod_groups}, match: {{names: [prod]}}}}\n"
        f"  staging: {{approvals: {staging}, protected: {staging_protected}}}\n"
        "  development: {approvals: 1}\n"
    )
    if draw(st.booleans()):
        human, agent = draw(CLASSES), draw(CLASSES)
        text += (
            "people: {alice: {groups: [g]}}\nagents: {kiro: {for: alice, profile: p}}\n"
            f"groups: {{g: {{permissions: {{'*': {human}}}}}}}\n"
            f"profiles: {{p: {{permissions: {{'*': {agent}}}}}}}\n"
        )
    if draw(st.booleans()):
        text += "freezes: {f: {environments: [staging], reason: r}}\n"
    if draw(st.booleans()):
        text += "windows: {w: {environments: [production], days: [sun], start: '01:00'}}\n"
    return parse_config(text)


REGO_RULES = st.lists(
    st.sampled_from(
        [
            'require contains {"approvals": 0} if true',
            'require contains {"approvals": 1, "group": "sre"} if true',
            'require contains {"approvals": 4, "group": "dba"} if true',
            'require contains {"approvals": 3, "groups": ["ops", "sre"]} if true',
            'warn contains "fine" if true',
            'deny contains "no" if input.environment == "staging"',
        ]
    ),
    max_size=3,
    unique=True,
)
REQUESTERS = st.sampled_from(
    [
        None,
        Principal("alice", PrincipalKind.HUMAN),
        Principal("kiro", PrincipalKind.AGENT, acts_for="alice"),
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    findings=st.lists(FINDINGS, max_size=4),
    config=configs(),
    rules=REGO_RULES,
    requester=REQUESTERS,
    hour=st.integers(0, 23),
)
def test_nothing_configurable_lowers_the_floor(
    findings: list[Finding],
    config: Config,
    rules: list[str],
    requester: Principal | None,
    hour: int,
) -> None:
    assessment = Assessment(Action(ActionKind.SHELL, "x"), tuple(findings))
    policies = _policies("\n".join(sorted(rules)) + "\n") if rules else None
    now = datetime(2026, 11, 22, hour, tzinfo=UTC)  # a Sunday
    floor = floor_decision(assessment, config)
    final = decide(assessment, config, requester=requester, now=now, policies=policies)
    assert VERDICT_ORDER[final.verdict] >= VERDICT_ORDER[floor.verdict]
    assert set(floor.reasons) <= set(final.reasons)
    if final.verdict is not Verdict.HOLD:
        return
    assert final.required_approvals >= max(1, floor.required_approvals)
    if floor.approver_groups:
        assert final.approver_groups
        assert set(final.approver_groups) <= set(floor.approver_groups)


@pytest.mark.parametrize("approvals", [0, 1])
def test_config_cannot_lower_production_below_two(approvals: int) -> None:
    with pytest.raises(Exception, match="at least 2 approvers"):
        parse_config(BASE.replace("approvals: 2,", f"approvals: {approvals},"))


def test_every_reason_id_is_registered_and_kebab_case() -> None:
    import re

    from interlock.policy.permissions import PERMISSION_RULE_IDS
    from interlock.policy.windows import WINDOW_RULE_IDS

    ids = [*ENGINE_RULE_IDS, *PERMISSION_RULE_IDS, *WINDOW_RULE_IDS]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", i) for i in ids)
    for source in ("engine.py", "permissions.py", "windows.py"):
        text = (Path(__file__).parents[2] / "src/interlock/policy" / source).read_text()
        used = set(re.findall(r'"((?:permission|window|config|rego|engine)-[a-z-]+)"', text))
        assert used <= set(ids), used - set(ids)

"""Least privilege: the action-class mapping and the human ∩ agent-profile intersection."""

from __future__ import annotations

import pytest

from interlock.config import ActionClass, Config, parse_config
from interlock.models import (
    Action,
    ActionKind,
    Assessment,
    Category,
    Finding,
    Principal,
    PrincipalKind,
    ReasonSource,
    Scope,
    Verdict,
)
from interlock.policy import decide
from interlock.policy.permissions import action_class, check_permissions, may_approve

ENVIRONMENTS = """\
environments:
  production: {protected: true, approvals: 2, match: {names: [prod]}}
  staging: {approvals: 1}
"""


def _config(groups: str, profile: str) -> Config:
    return parse_config(
        ENVIRONMENTS
        + f"""\
people:
  alice: {{groups: [humans]}}
  bob: {{groups: [sre]}}
agents:
  kiro: {{for: alice, profile: agent}}
groups:
  humans: {{permissions: {groups}}}
  sre: {{permissions: {{staging: [read, approve]}}}}
profiles:
  agent: {{permissions: {profile}}}
"""
    )


def _finding(category: Category, env: str | None, scope: Scope = Scope.REMOTE) -> Finding:
    return Finding(
        "t-rule", category, scope, "aws_db_instance.main", "evidence", "why", environment=env
    )


def _assess(*findings: Finding) -> Assessment:
    return Assessment(Action(ActionKind.SHELL, "x"), findings)


KIRO = Principal("kiro", PrincipalKind.AGENT, acts_for="alice")
ALICE = Principal("alice", PrincipalKind.HUMAN)


@pytest.mark.parametrize(
    ("category", "scope", "evidence", "expected"),
    [
        (Category.READ, Scope.REMOTE, "aws s3 ls", ActionClass.READ),
        (Category.READ, Scope.REMOTE, "terraform plan -out tf.plan", ActionClass.PLAN),
        (Category.READ, Scope.REMOTE, "tofu -chdir=infra plan -destroy", ActionClass.PLAN),
        (Category.WRITE, Scope.WORKSPACE, "terraform plan -out=x", ActionClass.PLAN),
        (Category.WRITE, Scope.REMOTE, "terraform plan; terraform apply", ActionClass.CHANGE),
        (Category.CREATE, Scope.REMOTE, "aws s3 mb s3://x", ActionClass.CHANGE),
        (Category.WRITE, Scope.REMOTE, "kubectl apply -f x.yaml", ActionClass.CHANGE),
        (Category.EXPOSURE, Scope.REMOTE, "aws s3api put-bucket-acl", ActionClass.CHANGE),
        (Category.DELETE, Scope.REMOTE, "terraform plan -destroy", ActionClass.DESTROY),
        (Category.REPLACE, Scope.REMOTE, "x", ActionClass.DESTROY),
        (Category.PRIVILEGE, Scope.REMOTE, "x", ActionClass.DESTROY),
        (Category.OPAQUE, Scope.WORKSPACE, "eval $x", ActionClass.DESTROY),
        (Category.SELF_TAMPER, Scope.WORKSPACE, "vim interlock.yaml", ActionClass.DESTROY),
        (Category.READ, Scope.REMOTE, "terraform show", ActionClass.READ),
    ],
)
def test_action_class_mapping(
    category: Category, scope: Scope, evidence: str, expected: ActionClass
) -> None:
    finding = Finding("t-rule", category, scope, "t", evidence, "why")
    assert action_class(finding) is expected


ALL = "{'*': [read, plan, change, destroy, approve]}"


@pytest.mark.parametrize(
    ("human", "profile", "category", "env", "requester", "verdict", "blamed"),
    [
        # the table: the human may destroy in staging, the agent profile may only
        # plan -> the agent's destroy in staging is denied, naming the agent profile
        (
            "{staging: [read, plan, destroy]}",
            "{staging: [read, plan]}",
            Category.DELETE,
            "staging",
            KIRO,
            Verdict.DENY,
            "agent profile 'agent' does not allow destroy in staging",
        ),
        # the reverse: the profile allows it, the human does not -> names the human
        (
            "{staging: [read, plan]}",
            "{staging: [read, plan, destroy]}",
            Category.DELETE,
            "staging",
            KIRO,
            Verdict.DENY,
            "human 'alice' may not destroy in staging",
        ),
        # the Kiro incident: alice is admin everywhere, kiro's profile is a planner
        (
            ALL,
            "{'*': [read, plan]}",
            Category.REPLACE,
            "production",
            KIRO,
            Verdict.DENY,
            "agent profile 'agent' does not allow destroy in production",
        ),
        # alice herself may, and is held by the floor like anyone
        (ALL, "{'*': [read, plan]}", Category.REPLACE, "production", ALICE, Verdict.HOLD, None),
        # both sides allow: the floor decides
        (
            "{staging: [change]}",
            "{staging: [change]}",
            Category.WRITE,
            "staging",
            KIRO,
            Verdict.ALLOW,
            None,
        ),
        # an alias resolves to its environment on both sides
        (
            "{prod: [read]}",
            "{production: [read]}",
            Category.READ,
            "prod",
            KIRO,
            Verdict.ALLOW,
            None,
        ),
        # '*' covers an environment not listed; a listed one overrides '*'
        (
            "{'*': [change], staging: [read]}",
            ALL.replace("approve", "read"),
            Category.WRITE,
            "staging",
            KIRO,
            Verdict.DENY,
            "human 'alice' may not change in staging",
        ),
        # an unknown environment is only covered by '*'
        (
            "{production: [destroy]}",
            ALL.replace(", approve", ""),
            Category.DELETE,
            None,
            KIRO,
            Verdict.DENY,
            "human 'alice' may not destroy in an unknown environment",
        ),
        # reading is a permission too
        (
            "{staging: [plan]}",
            "{staging: [read]}",
            Category.READ,
            "staging",
            KIRO,
            Verdict.DENY,
            "human 'alice' may not read in staging",
        ),
    ],
)
def test_permission_intersection(  # noqa: PLR0917 - one parameter per table column
    human: str,
    profile: str,
    category: Category,
    env: str | None,
    requester: Principal,
    verdict: Verdict,
    blamed: str | None,
) -> None:
    config = _config(human, profile)
    decision = decide(_assess(_finding(category, env)), config, requester=requester)
    assert decision.verdict is verdict
    permission = [r for r in decision.reasons if r.source is ReasonSource.PERMISSION]
    if blamed is None:
        assert permission == []
    else:
        assert any(blamed in r.message for r in permission), permission
        assert all(r.verdict is Verdict.DENY for r in permission)


def test_both_sides_lacking_name_both() -> None:
    config = _config("{staging: [read]}", "{staging: [read]}")
    reasons = check_permissions(_assess(_finding(Category.DELETE, "staging")), config, KIRO)
    assert [r.rule_id for r in reasons] == ["permission-agent-profile", "permission-human"]


@pytest.mark.parametrize(
    ("requester", "rule_id"),
    [
        (Principal("mallory", PrincipalKind.HUMAN), "permission-unknown-human"),
        (Principal("kiro", PrincipalKind.AGENT, acts_for="bob"), "permission-agent-identity"),
        (Principal("ghost", PrincipalKind.AGENT), "permission-agent-identity"),
        (
            Principal("codex", PrincipalKind.AGENT, acts_for="bob"),
            "permission-agent-profile-missing",
        ),
        (Principal("codex", PrincipalKind.AGENT, acts_for="eve"), "permission-unknown-human"),
    ],
)
def test_unresolvable_requesters_are_denied(requester: Principal, rule_id: str) -> None:
    config = _config(ALL, "{'*': [read]}")
    decision = decide(_assess(_finding(Category.READ, "staging")), config, requester=requester)
    assert decision.verdict is Verdict.DENY
    assert rule_id in [r.rule_id for r in decision.reasons]


def test_token_agent_uses_its_own_profile_or_the_default() -> None:
    config = _config(ALL, "{'*': [read]}")
    codex = Principal("codex", PrincipalKind.AGENT, acts_for="alice", profile="agent")
    read = _assess(_finding(Category.READ, "staging"))
    assert decide(read, config, requester=codex).verdict is Verdict.ALLOW
    with_default = parse_config(
        ENVIRONMENTS
        + "people: {alice: {groups: [g]}}\ngroups: {g: {permissions: {'*': [read]}}}\n"
        + "profiles: {p: {permissions: {'*': [read]}}}\ndefault_agent_profile: p\n"
    )
    anon = Principal("codex", PrincipalKind.AGENT, acts_for="alice")
    assert decide(read, with_default, requester=anon).verdict is Verdict.ALLOW


def test_no_identity_config_restricts_nobody() -> None:
    config = parse_config(ENVIRONMENTS)
    stranger = Principal("anyone", PrincipalKind.AGENT, acts_for="someone")
    finding = _finding(Category.WRITE, "staging")
    assert check_permissions(_assess(finding), config, stranger) == ()
    assert decide(_assess(finding), config).verdict is Verdict.ALLOW


def test_workspace_findings_are_left_to_the_floor() -> None:
    config = _config("{staging: [read]}", "{staging: [read]}")
    local = _finding(Category.DELETE, None, Scope.WORKSPACE)
    assert check_permissions(_assess(local), config, KIRO) == ()


def test_may_approve_needs_the_approve_permission() -> None:
    config = _config(ALL, "{'*': [read]}")
    assert may_approve(config, "alice", "production") is None
    assert may_approve(config, "bob", "staging") is None
    assert may_approve(config, "bob", "production") == "human 'bob' may not approve in production"
    assert may_approve(config, "mallory", "staging") == "'mallory' is not listed in people"
    assert may_approve(parse_config(ENVIRONMENTS), "anyone", "production") is None

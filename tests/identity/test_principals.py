"""Principals from interlock.yaml and the store; who may issue and revoke tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from interlock.config import Config, default_config, parse_config
from interlock.errors import AuthenticationError, ForbiddenError, InputError
from interlock.identity.access import authenticate
from interlock.identity.service import TokenService, wanted_agent, wanted_human
from interlock.models import Principal, PrincipalKind
from interlock.store import Store

CONFIG = """
people:
  alice: {groups: [admin]}
  bob: {groups: [oncall]}
agents:
  kiro: {for: alice, profile: planner}
groups:
  admin: {permissions: {"*": [read, plan, change, destroy, approve]}}
  oncall: {permissions: {"*": [read, approve]}}
profiles:
  planner: {permissions: {"*": [read, plan]}}
"""


def who(store: Store, config: Config, token: str) -> Principal:
    with store.transaction() as conn:
        return authenticate(conn, config, token, now=datetime.now(UTC)).principal


@pytest.fixture
def listed() -> Config:
    return parse_config(CONFIG)


def test_config_decides_groups_and_agents(store: Store, listed: Config) -> None:
    service = TokenService(store, listed)
    alice = service.issue(wanted_human("alice", ("oncall",)), expires_in=None)
    assert who(store, listed, alice.token).groups == ("admin",)
    kiro = service.issue(wanted_agent("kiro", "alice"), expires_in=None)
    assert who(store, listed, kiro.token) == Principal(
        "kiro", PrincipalKind.AGENT, acts_for="alice", profile="planner"
    )


@pytest.mark.parametrize(
    ("wanted", "words"),
    [
        (wanted_human("mallory"), "not among the people"),
        (wanted_agent("kiro", "bob"), "acting for alice"),
        (wanted_human("kiro"), "defines kiro as an agent"),
        (wanted_agent("alice", "bob"), "defines alice as a human"),
        (wanted_human(" bob"), "not a usable principal name"),
    ],
)
def test_config_refuses_what_it_does_not_list(
    store: Store, listed: Config, wanted: Principal, words: str
) -> None:
    with pytest.raises(InputError, match=words):
        TokenService(store, listed).issue(wanted, expires_in=None)


def test_without_people_in_config_tokens_create_principals(store: Store) -> None:
    service = TokenService(store, default_config())
    alice = service.issue(wanted_human("alice", ("dba", "sre")), expires_in=timedelta(days=30))
    assert who(store, default_config(), alice.token).groups == ("dba", "sre")
    service.issue(wanted_human("bob"), expires_in=None)
    with pytest.raises(InputError, match="alice is already a human"):
        service.issue(wanted_agent("alice", "bob"), expires_in=None)
    with pytest.raises(InputError, match="not a known human"):
        service.issue(wanted_agent("kiro", "nobody"), expires_in=None)
    with pytest.raises(InputError, match="other than itself"):
        service.issue(wanted_agent("kiro", "kiro"), expires_in=None)


def test_a_stored_principal_contradicting_config_is_refused(store: Store, listed: Config) -> None:
    service = TokenService(store, default_config())
    service.issue(wanted_human("bob"), expires_in=None)
    kiro = service.issue(wanted_agent("kiro", "bob"), expires_in=None)
    with pytest.raises(AuthenticationError, match=r"contradicts interlock\.yaml"):
        who(store, listed, kiro.token)


def test_a_person_dropped_from_config_no_longer_exists(store: Store, listed: Config) -> None:
    carol = TokenService(store, default_config()).issue(wanted_human("carol"), expires_in=None)
    with pytest.raises(AuthenticationError, match="not among the people"):
        who(store, listed, carol.token)


def test_who_may_issue_and_revoke(store: Store) -> None:
    config = default_config()
    operator = TokenService(store, config)
    alice = operator.issue(wanted_human("alice", ("admin",)), expires_in=None)
    bob = operator.issue(wanted_human("bob"), expires_in=None)
    kiro = operator.issue(wanted_agent("kiro", "alice"), expires_in=None)
    with pytest.raises(ForbiddenError, match="agent 'kiro' may not issue tokens"):
        operator.issue(wanted_agent("kiro2", "alice"), expires_in=None, issuer_token=kiro.token)
    with pytest.raises(ForbiddenError, match="only for themselves or for their own agents"):
        operator.issue(wanted_human("bob"), expires_in=None, issuer_token=alice.token)
    with pytest.raises(ForbiddenError, match="only for themselves"):
        operator.issue(wanted_human("alice2"), expires_in=None, issuer_token=alice.token)
    with pytest.raises(ForbiddenError, match="groups"):
        operator.issue(
            wanted_human("alice", ("oncall",)), expires_in=None, issuer_token=alice.token
        )
    mine = operator.issue(
        wanted_agent("claude", "alice"), expires_in=None, issuer_token=alice.token
    )
    with pytest.raises(ForbiddenError, match="revoke only their own"):
        operator.revoke(mine.id, issuer_token=bob.token)
    with pytest.raises(ForbiddenError, match="agent 'kiro' may not revoke"):
        operator.revoke(mine.id, issuer_token=kiro.token)
    with pytest.raises(ForbiddenError, match="may not list"):
        operator.list(issuer_token=kiro.token)
    assert operator.revoke(mine.id, issuer_token=alice.token).revoked_at is not None
    states = {info.id: state for info, state in operator.list()}
    assert states[mine.id] == "revoked"
    assert states[alice.id] == "active"

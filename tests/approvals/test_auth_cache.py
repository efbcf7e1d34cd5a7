"""The service remembers who a token is, but never lets a dead token write.

A principal the configuration defines cannot change while the process runs, so its
authentication is kept far longer than a stored principal's; either way the write
transaction reads the token again, so a token revoked or expired after it was
remembered still cannot vote or submit.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from interlock.approvals import service as service_module
from interlock.config import parse_config
from interlock.errors import AuthenticationError
from interlock.identity.service import wanted_agent, wanted_human
from interlock.store import Store
from tests.approvals.conftest import World, hold, make_world

CONFIG = """\
version: 1
environments:
  production:
    protected: true
    approvals: 2
    match:
      names: [prod]
people:
  alice:
    groups: [dev]
  bob:
    groups: [sre]
  carol:
    groups: [sre]
agents:
  kiro:
    for: alice
    profile: coding
groups:
  dev:
    permissions:
      "*": [read, plan, change, destroy]
  sre:
    permissions:
      "*": [read, plan, change, destroy, approve]
profiles:
  coding:
    permissions:
      "*": [read, plan, change, destroy]
"""


def test_a_configured_principal_is_remembered_longer(store: Store) -> None:
    world = make_world(store, parse_config(CONFIG))
    world.service._authenticated(world.tokens.issue(wanted_human("bob"), expires_in=None).token)
    (entry,) = world.service._auth_cache.values()
    assert entry[0].principal.name == "bob"
    assert entry[1] - time.monotonic() > service_module.AUTH_CACHE_SECONDS


def test_a_stored_principal_is_remembered_briefly(world: World) -> None:
    world.service._authenticated(world.human("dave", "sre"))  # no people in the config
    (entry,) = world.service._auth_cache.values()
    assert entry[1] - time.monotonic() <= service_module.AUTH_CACHE_SECONDS


def test_a_token_revoked_after_it_was_remembered_cannot_vote(store: Store) -> None:
    world = make_world(store, parse_config(CONFIG))
    kiro = world.tokens.issue(wanted_agent("kiro", "alice"), expires_in=None).token
    issued = world.tokens.issue(wanted_human("bob"), expires_in=None)
    first = hold(world, kiro, "delete ledger db").record
    second = hold(world, kiro, "delete audit db").record
    world.service.approve(first.id, issued.token)  # remembered from here on
    world.tokens.revoke(issued.id)
    with pytest.raises(AuthenticationError, match="revoked"):
        world.service.approve(second.id, issued.token)


def test_a_token_expired_after_it_was_remembered_cannot_submit(store: Store) -> None:
    world = make_world(store, parse_config(CONFIG))
    kiro = world.tokens.issue(wanted_agent("kiro", "alice"), expires_in=timedelta(minutes=1))
    hold(world, kiro.token)
    world.clock.advance(timedelta(minutes=2))
    with pytest.raises(AuthenticationError, match="expired"):
        hold(world, kiro.token, "delete audit db")

"""Factories for approvals tests: a store with people, agents and a clock that steps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from interlock.approvals.service import DEFAULT_TTL, ApprovalService, Submitted
from interlock.config import Config, default_config
from interlock.identity.service import TokenService, wanted_agent, wanted_human
from interlock.models import (
    Action,
    ActionKind,
    Assessment,
    Category,
    Decision,
    Finding,
    Risk,
    Scope,
    Target,
)
from interlock.policy.floor import floor_decision
from interlock.store import Store
from interlock.store.schema import audit_entries


@dataclass
class SteppingClock:
    """A clock that stands still until told to move."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 22, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class World:
    """One store with the services over it."""

    store: Store
    config: Config
    clock: SteppingClock
    tokens: TokenService
    service: ApprovalService

    def human(self, name: str, *groups: str) -> str:
        return self.tokens.issue(wanted_human(name, groups), expires_in=None).token

    def agent(self, name: str, acts_for: str) -> str:
        return self.tokens.issue(wanted_agent(name, acts_for), expires_in=None).token

    def audit_entries(self) -> list[dict[str, Any]]:
        """Every audit entry, decoded, in log order."""
        with self.store.transaction() as conn:
            query = select(audit_entries.c.entry).order_by(audit_entries.c.idx)
            return [json.loads(bytes(e)) for e in conn.execute(query).scalars()]

    def audit_log(self) -> bytes:
        """The raw bytes of every entry, to search for what must never be there."""
        with self.store.transaction() as conn:
            query = select(audit_entries.c.entry).order_by(audit_entries.c.idx)
            return b"\n".join(bytes(e) for e in conn.execute(query).scalars())

    def audit_kinds(self) -> list[str]:
        return [e["kind"] for e in self.audit_entries()]

    def audit_bodies(self, kind: str) -> list[dict[str, Any]]:
        return [e["body"] for e in self.audit_entries() if e["kind"] == kind]


def make_world(store: Store, config: Config | None = None) -> World:
    clock = SteppingClock()
    config = config or default_config()
    return World(
        store,
        config,
        clock,
        TokenService(store, config, clock=clock),
        ApprovalService(store, config, clock=clock),
    )


@pytest.fixture
def world(store: Store) -> World:
    """A store on SQLite or PostgreSQL, a default config and a stepping clock."""
    return make_world(store)


def destructive(command: str, env: str = "production") -> tuple[Action, Assessment]:
    """A command that deletes something remote in ``env``, classified by hand."""
    action = Action(ActionKind.SHELL, command, Target(environment=env), task="fix a bug")
    finding = Finding(
        "test-remote-delete",
        Category.DELETE,
        Scope.REMOTE,
        "aws_db_instance.ledger",
        command,
        "deletes a database",
        Risk.CRITICAL,
        env,
        stateful=True,
    )
    return action, Assessment(action, (finding,), (env,), risk=Risk.CRITICAL)


def hold(
    world: World,
    token: str,
    command: str = "delete ledger db",
    *,
    ttl: timedelta = DEFAULT_TTL,
    break_glass: bool = False,
) -> Submitted:
    """Record a destructive production request under the floor's own decision."""
    action, assessment = destructive(command)
    decision = floor_decision(assessment, world.config)
    return world.service.record_decided(
        token, action, assessment, decision, ttl=ttl, break_glass=break_glass
    )


def decided(world: World, token: str, decision: Decision, command: str = "ls") -> Submitted:
    """Record a read-only workspace command under ``decision``."""
    action = Action(ActionKind.SHELL, command, Target(environment="development"))
    finding = Finding("test-read", Category.READ, Scope.WORKSPACE, ".", command, "reads")
    assessment = Assessment(action, (finding,), ("development",))
    return world.service.record_decided(token, action, assessment, decision)

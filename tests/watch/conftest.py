"""Factories for watch tests: scripted agent sessions through ``ApprovalService.submit``.

A session is replayed exactly as the agent hook submits it: an agent token, a shell
command, the session id and the human's task, on SQLite and PostgreSQL (``store``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from interlock.approvals.service import Submitted
from interlock.models import Action, ActionKind, Target, Verdict
from interlock.store import Store
from interlock.watch.sessions import SessionWatch
from tests.approvals.conftest import World, make_world


@dataclass
class Session:
    """An agent's session: submits commands with one session id and task."""

    world: World
    token: str
    session_id: str
    task: str | None = None
    step: timedelta = timedelta(seconds=5)
    seen: list[Submitted] = field(default_factory=list)

    def run(self, command: str, *, task: str | None = None, cwd: str | None = None) -> Submitted:
        """Submit ``command`` after ``step`` has passed; remember the result."""
        self.world.clock.advance(self.step)
        action = Action(
            ActionKind.SHELL,
            command,
            Target(cwd=cwd),
            task=task if task is not None else self.task,
            session_id=self.session_id,
        )
        submitted = self.world.service.submit(self.token, action)
        self.seen.append(submitted)
        return submitted


def rules(submitted: Submitted) -> set[str]:
    """Every reason and finding id of a submission."""
    found = {f.rule_id for f in submitted.assessment.findings}
    return found | {r.rule_id for r in submitted.decision.reasons}


def verdict(submitted: Submitted) -> Verdict:
    return submitted.decision.verdict


@pytest.fixture
def world(store: Store) -> World:
    """A store on SQLite or PostgreSQL, the default config and a stepping clock."""
    return make_world(store)


@pytest.fixture
def kiro(world: World) -> Session:
    """Agent kiro acting for alice, in session ``s-1``."""
    world.human("alice")
    return Session(world, world.agent("kiro", "alice"), "s-1")


@pytest.fixture
def sessions(world: World) -> SessionWatch:
    """The sessions facade over the same store, clock and config."""
    return SessionWatch(world.store, world.config, clock=world.clock)

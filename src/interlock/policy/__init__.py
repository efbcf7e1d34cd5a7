"""Decisions: an Assessment (and, later, principals) in, a Decision with reasons out."""

from __future__ import annotations

from interlock.config import Config
from interlock.models import Assessment, Decision
from interlock.policy.floor import floor_decision


def decide(assessment: Assessment, config: Config) -> Decision:
    """The decision for ``assessment``: the floor, then whatever config adds."""
    return floor_decision(assessment, config)

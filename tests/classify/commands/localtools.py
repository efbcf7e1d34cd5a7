"""Helpers for the local-tool family tests: run a line through the real pipeline.

Lines go through the shell walker, the family registry and the floor exactly as
``interlock check`` does, so a table row states what an operator would see.
"""

from __future__ import annotations

from interlock.classify import assess
from interlock.config import default_config
from interlock.models import Action, ActionKind, Finding, Target, Verdict
from interlock.policy import decide

CONFIG = default_config()


def findings(line: str, cwd: str | None = None) -> tuple[Finding, ...]:
    """Every finding for ``line`` run in ``cwd``."""
    return assess(Action(ActionKind.SHELL, line, Target(cwd=cwd)), CONFIG).findings


def verdict(line: str, cwd: str | None = None) -> Verdict:
    """The floor's decision for ``line``."""
    action = Action(ActionKind.SHELL, line, Target(cwd=cwd))
    return decide(assess(action, CONFIG), CONFIG).verdict


def rule_ids(line: str, cwd: str | None = None) -> set[str]:
    """The rule ids found for ``line``."""
    return {f.rule_id for f in findings(line, cwd)}

"""Classification: an action in, an Assessment out, computed without I/O.

This package is pure: no clock, no database, no network, so it can be fuzzed on its
own and gives the same answer everywhere. Each action kind has its reader; they are
imported lazily so that a shell check does not pay for the plan readers.
"""

from __future__ import annotations

from interlock.config import Config
from interlock.models import Action, ActionKind, Assessment


def assess(action: Action, config: Config) -> Assessment:
    """Classify ``action`` under ``config``; unknown kinds are refused by the caller."""
    if action.kind is ActionKind.SHELL:
        from interlock.classify.shell import assess_shell

        return assess_shell(action, config)
    from interlock.classify.plans import assess_plan

    return assess_plan(action, config)

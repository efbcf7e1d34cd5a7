"""Break-glass: the explicit, loud path for an emergency (DESIGN.md floor rule 2).

It is faster only in *who* may approve: the on-call group named by
``break_glass_group`` in interlock.yaml replaces the usual approver groups. It never
needs fewer than two humans (nor fewer than the decision asked for), it cannot turn a
``deny`` into anything else, an agent cannot start it, and starting it appends an
alert event to the audit log that notification channels pick up.
"""

from __future__ import annotations

from dataclasses import replace

from interlock.config import FLOOR_APPROVALS, Config
from interlock.errors import ForbiddenError
from interlock.models import (
    Decision,
    Principal,
    PrincipalKind,
    Reason,
    ReasonSource,
    Verdict,
)

#: The group used when the configuration names none.
DEFAULT_GROUP = "oncall"

#: Stable id of the reason a break-glass decision carries.
RULE_ID = "floor-break-glass"


def group_of(config: Config) -> str:
    """The on-call group whose members approve break-glass requests."""
    return config.break_glass_group or DEFAULT_GROUP


def check_requester(requester: Principal) -> None:
    """Refuse break-glass to anyone but a human."""
    if requester.kind is not PrincipalKind.HUMAN:
        raise ForbiddenError(
            f"agent {requester.name!r} may not start break-glass; only a human can"
        )


def escalate(decision: Decision, requester: Principal, config: Config) -> Decision:
    """The decision a break-glass request is held under; agents are refused outright."""
    check_requester(requester)
    if decision.verdict is Verdict.DENY:
        return decision
    group = group_of(config)
    needed = max(FLOOR_APPROVALS, decision.required_approvals)
    reason = Reason(
        ReasonSource.FLOOR,
        RULE_ID,
        f"break-glass by {requester.name}: needs {needed} humans from on-call group {group!r}",
        Verdict.HOLD,
    )
    return replace(
        decision,
        verdict=Verdict.HOLD,
        required_approvals=needed,
        approver_groups=(group,),
        reasons=(*decision.reasons, reason),
    )

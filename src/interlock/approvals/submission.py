"""How a decision becomes a request record: its first state, summary and detail.

Every verdict is recorded so that execution is uniform (issue 4): ``allow`` starts
``approved`` (its grant is issued at once), ``deny`` starts ``denied``, ``hold`` and
``ask`` start ``pending``. A hold needs the decision's count of distinct humans,
never fewer than one; an ask needs the operator's one confirmation. Anything else
would be a verdict this module does not know, and it fails closed.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from interlock.approvals.requests import Status
from interlock.config import Config
from interlock.errors import DecisionError
from interlock.models import Action, Assessment, Decision, Verdict, strictest, to_plain
from interlock.policy.floor import floor_decision

#: Findings kept in a request's stored detail; the rest are counted, not stored.
MAX_STORED_FINDINGS = 500


def initial_state(decision: Decision) -> tuple[Status, int]:
    """The first status of a request under ``decision`` and the approvals it needs."""
    if decision.verdict is Verdict.ALLOW:
        return Status.APPROVED, 0
    if decision.verdict is Verdict.DENY:
        return Status.DENIED, 0
    if decision.verdict is Verdict.ASK:
        return Status.PENDING, 1
    if decision.verdict is Verdict.HOLD:
        return Status.PENDING, max(1, decision.required_approvals)
    raise DecisionError(f"unknown verdict {decision.verdict!r}")


def summary_of(action: Action) -> str:
    """One line a reviewer recognises: the command, or the plan by hash and size."""
    if isinstance(action.payload, bytes):
        sha = hashlib.sha256(action.payload).hexdigest()
        return f"{action.kind.value} sha256:{sha[:16]} ({len(action.payload)} bytes)"
    return action.payload


def build_detail(assessment: Assessment, decision: Decision) -> dict[str, Any]:
    """What reviewers see beside the summary: findings, reasons, blast radius."""
    findings = [to_plain(f) for f in assessment.findings]
    detail: dict[str, Any] = {
        "decision": decision.verdict.value,
        "risk": decision.risk.value,
        "required_approvals": decision.required_approvals,
        "approver_groups": list(decision.approver_groups),
        "environments": list(assessment.environments),
        "reasons": [to_plain(r) for r in decision.reasons],
        "blast_radius": to_plain(assessment.blast_radius),
        "findings": findings[:MAX_STORED_FINDINGS],
    }
    if len(findings) > MAX_STORED_FINDINGS:
        detail["findings_omitted"] = len(findings) - MAX_STORED_FINDINGS
    return detail


def at_least_floor(decision: Decision, assessment: Assessment, config: Config) -> Decision:
    """``decision`` made no less strict than the floor's own decision on ``assessment``."""
    floor = floor_decision(assessment, config)
    verdict = strictest(decision.verdict, floor.verdict)
    if (
        verdict is decision.verdict
        and decision.required_approvals >= floor.required_approvals
        and (decision.approver_groups or not floor.approver_groups)
    ):
        return decision
    extra = tuple(r for r in floor.reasons if r not in decision.reasons)
    return replace(
        decision,
        verdict=verdict,
        required_approvals=max(decision.required_approvals, floor.required_approvals),
        # Groups narrow who may vote; a union would widen it, so the decision's own
        # groups stand and the floor's apply only where the decision named none.
        approver_groups=decision.approver_groups or floor.approver_groups,
        reasons=(*decision.reasons, *extra),
    )

"""The decision engine: an assessment and its requester in, a Decision with reasons out.

Order (issue 4): the floor first (``floor.py``, the least anything may require), then
permissions (the requester's and, for an agent, its profile's), then time windows
(freezes and deployment windows), then the environment's configured approvals and
approver groups, then Rego policies (``deny`` / ``violation`` deny, ``warn`` adds a
reason, ``require`` holds for more approvers). Each step can only make the result
stricter: verdicts combine with ``strictest``, approvals with ``max``, and approver
groups only narrow (when two requirements name disjoint groups, no single list of
groups satisfies both, so the action is denied rather than either one dropped).
Every reason that produced the decision is kept, with its source. The environment's
configured minimum is applied last, so that it also covers holds Rego adds.

Anything that goes wrong while deciding is a deny with the error as its reason
(DESIGN.md floor rule 3); a policy that does not load raises ``PolicySyntaxError``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from interlock.config import FLOOR_APPROVALS, Config
from interlock.errors import LoadError
from interlock.models import (
    Assessment,
    Decision,
    Principal,
    Reason,
    ReasonSource,
    Risk,
    Scope,
    Verdict,
    max_risk,
    strictest,
)
from interlock.policy.document import policy_input
from interlock.policy.floor import floor_decision
from interlock.policy.permissions import check_permissions
from interlock.policy.windows import check_windows

if TYPE_CHECKING:  # rego (and rego-cpp behind it) loads only when a config names policies
    from interlock.policy.rego import PolicySet, RegoResult

#: Reason ids the engine itself produces (the other steps list theirs).
ENGINE_RULE_IDS: tuple[str, ...] = (
    "config-environment-approvals",
    "config-approver-groups-conflict",
    "rego-deny",
    "rego-warn",
    "rego-require",
    "rego-error",
    "engine-error",
)

_cache: dict[tuple[str, ...], PolicySet] = {}
_cache_lock = threading.Lock()


@dataclass
class _Draft:
    """A decision being made stricter step by step."""

    verdict: Verdict
    approvals: int
    groups: tuple[str, ...]
    reasons: list[Reason] = field(default_factory=list)

    def add(self, reason: Reason, approvals: int = 0) -> None:
        self.reasons.append(reason)
        self.verdict = strictest(self.verdict, reason.verdict)
        self.approvals = max(self.approvals, approvals)

    def narrow(self, groups: tuple[str, ...], source: ReasonSource, why: str) -> None:
        """Approvers must now also come from ``groups``; disjoint demands deny."""
        if not groups:
            return
        if not self.groups:
            self.groups = tuple(sorted(set(groups)))
            return
        both = tuple(sorted(set(self.groups) & set(groups)))
        if both:
            self.groups = both
            return
        text = (
            f"{why} needs approvers from {', '.join(groups)} but approvers must already "
            f"come from {', '.join(self.groups)}; no approver list satisfies both"
        )
        self.add(Reason(source, "config-approver-groups-conflict", text, Verdict.DENY))


def decide(
    assessment: Assessment,
    config: Config,
    *,
    requester: Principal | None = None,
    now: datetime | None = None,
    policies: PolicySet | None = None,
) -> Decision:
    """The decision for ``assessment`` asked by ``requester`` at ``now``."""
    floor = floor_decision(assessment, config)
    if policies is None and config.policies:
        policies = policies_for(config)
    draft = _Draft(floor.verdict, floor.required_approvals, floor.approver_groups)
    draft.reasons.extend(floor.reasons)
    try:
        _apply(draft, assessment, config, requester=requester, now=now, policies=policies)
    except LoadError:
        raise
    except Exception as exc:  # fail closed: an error in the gate never allows
        text = f"the decision engine failed: {type(exc).__name__}: {exc}"
        draft.add(Reason(ReasonSource.CONFIG, "engine-error", text, Verdict.DENY))
    return _finish(draft, floor)


def _apply(
    draft: _Draft,
    assessment: Assessment,
    config: Config,
    *,
    requester: Principal | None,
    now: datetime | None,
    policies: PolicySet | None,
) -> None:
    for reason in check_permissions(assessment, config, requester):
        draft.add(reason)
    minimum, env_groups = environment_minimum(assessment, config)
    for item in check_windows(assessment, config, now):
        draft.add(item.reason, minimum if item.reason.verdict is Verdict.HOLD else 0)
    if policies is not None:
        _apply_rego(
            draft,
            policies.evaluate(policy_input(assessment, requester, policies.input_keys)),
            minimum,
        )
    if draft.verdict is Verdict.HOLD:
        _apply_environment(draft, minimum, env_groups)


def _apply_environment(draft: _Draft, minimum: int, env_groups: tuple[str, ...]) -> None:
    """A held action needs at least its environments' configured approvers and groups."""
    if minimum > draft.approvals:
        text = f"the environment's configuration asks for {minimum} approvers"
        draft.add(Reason(ReasonSource.CONFIG, "config-environment-approvals", text, Verdict.HOLD))
        draft.approvals = minimum
    if env_groups and not draft.groups:
        draft.groups = env_groups


def _apply_rego(draft: _Draft, result: RegoResult, minimum: int) -> None:
    if result.error is not None:
        draft.add(Reason(ReasonSource.REGO, "rego-error", result.error, Verdict.DENY))
        return
    for message in result.denies:
        draft.add(Reason(ReasonSource.REGO, "rego-deny", message, Verdict.DENY))
    for message in result.warnings:
        draft.add(Reason(ReasonSource.REGO, "rego-warn", message, Verdict.ALLOW))
    for need in result.requirements:
        groups = f" from {', '.join(need.groups)}" if need.groups else ""
        text = f"policy requires {need.approvals} approvers{groups}"
        text += f": {need.message}" if need.message else ""
        reason = Reason(ReasonSource.REGO, "rego-require", text, Verdict.HOLD)
        draft.add(reason, max(need.approvals, minimum))
        draft.narrow(need.groups, ReasonSource.REGO, "a policy")


def environment_minimum(assessment: Assessment, config: Config) -> tuple[int, tuple[str, ...]]:
    """Approvers and groups a hold needs for the environments this action touches.

    An environment interlock cannot name counts as protected (the floor's rule).
    """
    names = [f.environment for f in assessment.findings if f.environment]
    names += list(assessment.environments)
    unknown_remote = any(
        f.environment is None and f.scope is Scope.REMOTE for f in assessment.findings
    )
    minimum = FLOOR_APPROVALS if unknown_remote else 1
    groups: set[str] = set()
    for name in names:
        env = config.environment(name)
        if env is None:
            minimum = max(minimum, FLOOR_APPROVALS)
            continue
        minimum = max(minimum, env.approvals)
        groups.update(env.approver_groups)
    return minimum, tuple(sorted(groups))


def _finish(draft: _Draft, floor: Decision) -> Decision:
    approvals = draft.approvals
    if draft.verdict in (Verdict.ALLOW, Verdict.ASK):
        approvals = 0
    elif draft.verdict is Verdict.HOLD:
        approvals = max(approvals, 1)
    risk = floor.risk
    if draft.verdict is Verdict.DENY:
        risk = max_risk(risk, Risk.HIGH)
    return Decision(draft.verdict, risk, approvals, tuple(draft.reasons), draft.groups)


def policies_for(config: Config) -> PolicySet:
    """The configured policies, loaded and compiled once per process."""
    from interlock.policy.rego import load_policies

    key = tuple(config.policies)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None:
            cached = _cache[key] = load_policies(key)
        return cached

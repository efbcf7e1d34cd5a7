"""The non-negotiable floor of DESIGN.md, in code.

Configuration and Rego policies may add requirements on top of what this module
decides; nothing may remove one. The rules, each a stable id in the reasons:

* ``floor-self-tamper``: an agent changing interlock itself is denied.
* ``floor-opaque``: what cannot be understood is held, never allowed.
* ``floor-two-person``: a delete, replace, privilege or opaque finding that reaches a
  protected environment needs at least two distinct humans, neither the requester.
  An environment interlock cannot name is treated as protected.
* ``floor-protected-write``: other changes to a protected environment are held for
  the environment's approvers.
* ``floor-unknown-write``: a change to infrastructure of unknown environment asks.
* ``floor-host-destructive``: destroying local work outside the workspace, or local
  work that cannot be undone, asks the operator; wiping a whole machine or home
  directory (risk ``critical``) is denied.
* ``floor-empty``: an assessment without findings cannot be judged and is held.

Remote findings in a known unprotected environment are held for that environment's
approvers when destructive (one by default) and allowed otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

from interlock.config import FLOOR_APPROVALS, Config, EnvironmentConfig
from interlock.models import (
    DESTRUCTIVE,
    Assessment,
    Category,
    Decision,
    Finding,
    Reason,
    ReasonSource,
    Risk,
    Scope,
    Verdict,
    max_risk,
    strictest,
)

_CHANGE = frozenset({Category.CREATE, Category.WRITE, Category.EXPOSURE})


def floor_decision(assessment: Assessment, config: Config) -> Decision:
    """Decide from findings alone: the least any configuration may require."""
    if not assessment.findings:
        reason = _reason("floor-empty", "nothing was recognised in the action", Verdict.HOLD)
        return Decision(Verdict.HOLD, Risk.HIGH, FLOOR_APPROVALS, (reason,))
    verdict = Verdict.ALLOW
    approvals = 0
    groups: set[str] = set()
    reasons: list[Reason] = []
    for f in assessment.findings:
        judged = _judge(f, config)
        if judged is None:
            continue
        reason, needed, env = judged
        reasons.append(reason)
        verdict = strictest(verdict, reason.verdict)
        approvals = max(approvals, needed)
        if env is not None and reason.verdict is Verdict.HOLD:
            groups.update(env.approver_groups)
    if verdict is not Verdict.HOLD:
        approvals = 0
    risk = max_risk(assessment.risk, *(f.risk for f in assessment.findings))
    return Decision(verdict, risk, approvals, tuple(reasons), tuple(sorted(groups)))


def _judge(f: Finding, config: Config) -> tuple[Reason, int, EnvironmentConfig | None] | None:
    """The floor's verdict on one finding, or ``None`` when it allows it silently."""
    env = config.environment(f.environment)
    protected = env.protected if env is not None else True
    if f.category is Category.SELF_TAMPER:
        return (
            _reason("floor-self-tamper", _say(f, "changes interlock itself"), Verdict.DENY),
            0,
            env,
        )
    if f.category is Category.OPAQUE:
        needed = _needed(env, destructive=True)
        text = _say(f, "cannot be understood statically")
        return _reason("floor-opaque", text, Verdict.HOLD), needed, env
    if f.scope is Scope.REMOTE:
        return _judge_remote(f, env, protected)
    if f.scope is Scope.HOST and f.category in DESTRUCTIVE | _CHANGE:
        if f.risk is Risk.CRITICAL and f.category in DESTRUCTIVE:
            text = _say(f, "would destroy the machine or a home directory")
            return _reason("floor-host-destructive", text, Verdict.DENY), 0, env
        text = _say(f, "changes the local machine beyond the workspace or cannot be undone")
        return _reason("floor-host-destructive", text, Verdict.ASK), 0, env
    return None


def _judge_remote(
    f: Finding, env: EnvironmentConfig | None, protected: bool
) -> tuple[Reason, int, EnvironmentConfig | None] | None:
    where = env.name if env is not None else "an unknown environment"
    if f.category in DESTRUCTIVE or (protected and f.category is Category.EXPOSURE):
        needed = _needed(env, destructive=True)
        rule = "floor-two-person" if protected else "floor-destructive"
        text = _say(f, f"in {where} needs {needed} approver{'s' * (needed > 1)}")
        return _reason(rule, text, Verdict.HOLD), needed, env
    if f.category in _CHANGE:
        if env is None:
            text = _say(f, "changes infrastructure whose environment is unknown")
            return _reason("floor-unknown-write", text, Verdict.ASK), 0, env
        if protected:
            needed = _needed(env, destructive=False)
            text = _say(f, f"changes protected {where}")
            return _reason("floor-protected-write", text, Verdict.HOLD), needed, env
    return None


def _needed(env: EnvironmentConfig | None, *, destructive: bool) -> int:
    """Approvers required: never below two for destructive work where protected."""
    if env is None:
        return FLOOR_APPROVALS
    if env.protected and destructive:
        return max(FLOOR_APPROVALS, env.approvals)
    return max(1, env.approvals)


def _say(f: Finding, what: str) -> str:
    return f"{f.rule_id}: {f.target} {what}"


def _reason(rule_id: str, message: str, verdict: Verdict) -> Reason:
    return Reason(ReasonSource.FLOOR, rule_id, message, verdict)


def floor_rule_ids() -> Iterable[str]:
    """Every reason id this module can produce, for registry meta-tests."""
    return (
        "floor-self-tamper",
        "floor-opaque",
        "floor-two-person",
        "floor-destructive",
        "floor-protected-write",
        "floor-unknown-write",
        "floor-host-destructive",
        "floor-empty",
    )

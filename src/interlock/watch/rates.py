"""Rates over a session and an agent: attempts, denied-target retries, first-timers.

Issue 8 asks the watch to notice an agent that keeps pushing:

* **Attempts**: an action is a destructive or held *attempt* when the gate holds or
  denies it, or when it deletes, replaces, escalates or cannot be understood beyond
  the agent's workspace (scope ``remote`` or ``host``). Routine workspace work
  (``rm -rf build``) is not an attempt. Attempts are counted per session over
  ``watch.rate_window`` seconds and per agent, across its sessions, over
  ``watch.agent_window``; the circuit breaker (``breaker.py``) trips on either.
* **Denied-target retries** (``watch-denied-target-retry``): a target refused earlier
  in the session (denied by the gate, or by a human vote) attempted again within
  ``watch.retry_window``, by the same tool or another one (same normalised family and
  name, or the same resource name in the same environment, so that ``aws rds`` after a
  denied ``terraform destroy -target=...ledger`` counts). Held.
* **First-time action classes** (``watch-first-time-class``): the first time an
  agent does a class of action (read, plan, change, destroy) in an environment, the
  decision says so. This is information for the reviewer, never a verdict of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from interlock.models import (
    DESTRUCTIVE,
    Assessment,
    Decision,
    Reason,
    ReasonSource,
    Scope,
    Verdict,
)
from interlock.policy.permissions import action_class as finding_class
from interlock.watch.history import Entry
from interlock.watch.targets import ANY, TargetRef, same_environment

RETRY_RULE = "watch-denied-target-retry"
FIRST_TIME_RULE = "watch-first-time-class"

_CLASS_ORDER = ("read", "plan", "change", "destroy")
_NOT_WORKSPACE = frozenset({Scope.REMOTE, Scope.HOST})
#: Names too generic to identify a resource on their own across tools.
_GENERIC = frozenset({ANY, "default", "all", "--all", "main", "app", "api", "web", "test"})


def is_attempt(assessment: Assessment, decision: Decision) -> bool:
    """Whether this action counts toward the session's and the agent's rates."""
    if decision.verdict in (Verdict.HOLD, Verdict.DENY):
        return True
    return any(f.category in DESTRUCTIVE and f.scope in _NOT_WORKSPACE for f in assessment.findings)


def action_class(assessment: Assessment) -> str:
    """The action's strongest class and where: ``destroy@production``, ``read@-``."""
    classes = [finding_class(f).value for f in assessment.findings]
    strongest = max(classes, key=_rank, default="destroy")
    envs = sorted({f.environment for f in assessment.findings if f.environment})
    return f"{strongest}@{','.join(envs) or '-'}"[:64]


def _rank(klass: str) -> int:
    return _CLASS_ORDER.index(klass) if klass in _CLASS_ORDER else len(_CLASS_ORDER)


def first_time(agent: str, klass: str) -> Reason:
    """The reason noting an agent's first action of ``klass``."""
    what, _, where = klass.partition("@")
    place = f" in {where}" if where != "-" else ""
    text = f"first time agent {agent} asks to {what}{place} (within the kept history)"
    return Reason(ReasonSource.WATCH, FIRST_TIME_RULE, text, Verdict.ALLOW)


def denied_retries(current: Sequence[TargetRef], refused: Iterable[Entry]) -> list[Reason]:
    """A held reason for each current target that an earlier refused action aimed at."""
    out: list[Reason] = []
    seen: set[str] = set()
    for entry in refused:
        for earlier in entry.targets:
            for ref in current:
                if ref.key in seen or not _same_target(ref, earlier):
                    continue
                seen.add(ref.key)
                out.append(_retry(ref, earlier, entry))
    return out


def _same_target(ref: TargetRef, earlier: TargetRef) -> bool:
    if ref.same_resource(earlier):
        return True
    return (
        ref.name == earlier.name
        and ref.name not in _GENERIC
        and len(ref.name) >= 3
        and same_environment(ref.environment, earlier.environment)
    )


def _retry(ref: TargetRef, earlier: TargetRef, entry: Entry) -> Reason:
    how = "again" if ref.family == earlier.family else f"through another tool ({ref.family})"
    request = entry.request_id or "an unrecorded request"
    text = (
        f"{ref.key} was refused earlier in this session ({request}, {earlier.key}); "
        f"this action aims at it {how}"
    )
    return Reason(ReasonSource.WATCH, RETRY_RULE, text, Verdict.HOLD)

"""Time windows: change freezes and deployment windows, per environment.

DESIGN.md lists "deployment windows" among the safeguards, and one of the incidents
it cites is an agent deleting a production database during a code freeze. Here a
``change`` or ``destroy`` finding (see ``permissions.action_class``) in an
environment that is frozen, or outside every deployment window configured for it,
is held for that environment's approvers at least (a freeze with ``deny: true`` is
denied). Reads and plans are never affected: looking is always allowed.

A remote finding whose environment is unknown is treated as frozen by every active
freeze (it may be the frozen one) but only by windows that name no environments.
The clock is an argument, so decisions are reproducible and tests need no patching.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from interlock.config import ActionClass, Config, FreezeConfig, Weekday, WindowConfig
from interlock.models import Assessment, Reason, ReasonSource, Verdict
from interlock.policy.permissions import action_class, environment_of

_GATED = frozenset({ActionClass.CHANGE, ActionClass.DESTROY})
_DAYS = tuple(Weekday)

#: Reason ids this module produces, for registry meta-tests.
WINDOW_RULE_IDS: tuple[str, ...] = ("window-freeze", "window-closed")


@dataclass(frozen=True, slots=True)
class WindowReason:
    """A window rule's reason and the environment it is about (``None``: unknown)."""

    reason: Reason
    environment: str | None


def check_windows(
    assessment: Assessment, config: Config, now: datetime | None = None
) -> tuple[WindowReason, ...]:
    """Hold (or deny) reasons for changes in frozen or closed environments at ``now``."""
    if not (config.freezes or config.windows):
        return ()
    moment = _aware(now)
    out: list[WindowReason] = []
    for environment in _gated_environments(assessment, config):
        for freeze in config.freezes.values():
            if _freeze_applies(freeze, environment, moment):
                out.append(WindowReason(_freeze_reason(freeze, environment), environment))
        closed = _closed_reason(config.windows.values(), environment, moment)
        if closed is not None:
            out.append(WindowReason(closed, environment))
    return tuple(out)


def _gated_environments(assessment: Assessment, config: Config) -> list[str | None]:
    """Environments touched by change or destroy findings, once each, in order."""
    seen: list[str | None] = []
    for finding in assessment.findings:
        restricted, environment = environment_of(finding, config)
        if restricted and action_class(finding) in _GATED and environment not in seen:
            seen.append(environment)
    return seen


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _matches(patterns: Iterable[str], environment: str | None, *, unknown: bool) -> bool:
    patterns = tuple(patterns)
    if not patterns:
        return True
    if environment is None:
        return unknown
    return any(fnmatch.fnmatchcase(environment.lower(), p.lower()) for p in patterns)


def _freeze_applies(freeze: FreezeConfig, environment: str | None, now: datetime) -> bool:
    if freeze.start is not None and now < freeze.start:
        return False
    if freeze.end is not None and now >= freeze.end:
        return False
    return _matches(freeze.environments, environment, unknown=True)


def _freeze_reason(freeze: FreezeConfig, environment: str | None) -> Reason:
    where = environment or "an unknown environment"
    until = f" until {freeze.end.isoformat()}" if freeze.end is not None else ""
    verdict = Verdict.DENY if freeze.deny else Verdict.HOLD
    text = f"change freeze {freeze.name!r} on {where}{until}: {freeze.reason}"
    return Reason(ReasonSource.CONFIG, "window-freeze", text, verdict)


def _closed_reason(
    windows: Iterable[WindowConfig], environment: str | None, now: datetime
) -> Reason | None:
    mine = [w for w in windows if _matches(w.environments, environment, unknown=False)]
    if not mine or any(is_open(w, now) for w in mine):
        return None
    where = environment or "an unknown environment"
    shown = "; ".join(_describe(w) for w in mine)
    text = f"{where} is outside its deployment windows ({shown})"
    return Reason(ReasonSource.CONFIG, "window-closed", text, Verdict.HOLD)


def is_open(window: WindowConfig, now: datetime) -> bool:
    """Whether ``window`` is open at ``now``; an end before the start wraps past midnight."""
    local = _aware(now).astimezone(_zone(window.timezone))
    day = _DAYS[local.weekday()]
    at = local.time().replace(tzinfo=None)
    if window.start < window.end:
        return day in window.days and window.start <= at < window.end
    yesterday = _DAYS[(local - timedelta(days=1)).weekday()]
    return (day in window.days and at >= window.start) or (
        yesterday in window.days and at < window.end
    )


def _describe(window: WindowConfig) -> str:
    days = ",".join(d.value for d in window.days)
    span = f"{window.start:%H:%M}-{window.end:%H:%M} {window.timezone}"
    text = f"{window.name}: {days} {span}"
    return f"{text}, {window.reason}" if window.reason else text


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)

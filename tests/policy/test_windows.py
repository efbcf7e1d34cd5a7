"""Time windows: change freezes and deployment windows, at a given clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interlock.config import Config, parse_config
from interlock.models import (
    Action,
    ActionKind,
    Assessment,
    Category,
    Finding,
    ReasonSource,
    Scope,
    Verdict,
)
from interlock.policy import decide
from interlock.policy.windows import check_windows, is_open

CONFIG = parse_config(
    """\
environments:
  production: {protected: true, approvals: 3, match: {names: [prod]}}
  staging: {approvals: 1}
  development: {approvals: 1}
freezes:
  year-end:
    environments: [production]
    start: 2026-12-20T00:00:00Z
    end: 2027-01-04T00:00:00Z
    reason: year-end change freeze
  migration:
    environments: [stag*]
    start: 2026-11-01T00:00:00Z
    end: 2026-11-02T00:00:00Z
    reason: database migration
    deny: true
windows:
  office:
    environments: [staging]
    days: [mon, tue, wed, thu, fri]
    start: "09:00"
    end: "17:00"
    timezone: Europe/Berlin
    reason: someone is around to roll back
  night:
    environments: [development]
    days: [fri]
    start: "22:00"
    end: "02:00"
"""
)

#: Monday 23 November 2026, 10:00 in Berlin (09:00 UTC).
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CHRISTMAS = datetime(2026, 12, 24, 12, 0, tzinfo=UTC)
MIGRATION = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # a Sunday


def _assess(category: Category, env: str | None, scope: Scope = Scope.REMOTE) -> Assessment:
    finding = Finding("t-rule", category, scope, "target", "evidence", "why", environment=env)
    return Assessment(Action(ActionKind.SHELL, "x"), (finding,))


@pytest.mark.parametrize(
    ("category", "env", "now", "verdict", "rule_ids"),
    [
        # a freeze holds a change that the floor would allow, for the env's approvers
        (Category.WRITE, "staging", MIGRATION, Verdict.DENY, ["window-freeze", "window-closed"]),
        (Category.WRITE, "production", CHRISTMAS, Verdict.HOLD, ["window-freeze"]),
        (Category.DELETE, "prod", CHRISTMAS, Verdict.HOLD, ["window-freeze"]),
        (Category.WRITE, "production", MONDAY_MORNING, Verdict.HOLD, []),  # floor only
        # reads and plans are never frozen
        (Category.READ, "production", CHRISTMAS, Verdict.ALLOW, []),
        # windows: inside allows, outside holds
        (Category.WRITE, "staging", MONDAY_MORNING, Verdict.ALLOW, []),
        (Category.WRITE, "staging", SATURDAY, Verdict.HOLD, ["window-closed"]),
        (Category.DELETE, "staging", SATURDAY, Verdict.HOLD, ["window-closed"]),
        (Category.READ, "staging", SATURDAY, Verdict.ALLOW, []),
        # an environment without windows is not restricted by others' windows
        (Category.WRITE, "qa", SATURDAY, Verdict.ALLOW, []),
        # an unknown environment may be the frozen one
        (Category.WRITE, None, CHRISTMAS, Verdict.HOLD, ["window-freeze"]),
    ],
)
def test_windows(
    category: Category, env: str | None, now: datetime, verdict: Verdict, rule_ids: list[str]
) -> None:
    config = CONFIG
    if env == "qa":
        config = parse_config("environments: {qa: {approvals: 1}}\n")
    decision = decide(_assess(category, env), config, now=now)
    assert decision.verdict is verdict
    found = [r.rule_id for r in decision.reasons if r.rule_id.startswith("window-")]
    assert found == rule_ids
    for reason in decision.reasons:
        if reason.rule_id.startswith("window-"):
            assert reason.source is ReasonSource.CONFIG


def test_a_freeze_hold_needs_the_environments_approvers() -> None:
    decision = decide(_assess(Category.WRITE, "staging"), CONFIG, now=SATURDAY)
    assert decision.required_approvals == 1
    held = decide(_assess(Category.WRITE, "production"), CONFIG, now=CHRISTMAS)
    assert held.required_approvals == 3
    freeze = next(r for r in held.reasons if r.rule_id == "window-freeze")
    assert "year-end change freeze" in freeze.message
    assert "until 2027-01-04" in freeze.message


def test_closed_window_reason_describes_the_windows() -> None:
    (item,) = check_windows(_assess(Category.WRITE, "staging"), CONFIG, SATURDAY)
    assert item.environment == "staging"
    assert "mon,tue,wed,thu,fri 09:00-17:00 Europe/Berlin" in item.reason.message
    assert "someone is around to roll back" in item.reason.message


@pytest.mark.parametrize(
    ("name", "now", "expected"),
    [
        ("office", datetime(2026, 11, 23, 7, 59, tzinfo=UTC), False),  # 08:59 Berlin
        ("office", datetime(2026, 11, 23, 8, 0, tzinfo=UTC), True),  # 09:00 Berlin
        ("office", datetime(2026, 11, 23, 15, 59, tzinfo=UTC), True),
        ("office", datetime(2026, 11, 23, 16, 0, tzinfo=UTC), False),  # 17:00 Berlin
        ("office", datetime(2026, 7, 6, 7, 30, tzinfo=UTC), True),  # summer time: 09:30
        # wraps past midnight: Friday 22:00 to Saturday 02:00 (UTC)
        ("night", datetime(2026, 11, 27, 23, 0, tzinfo=UTC), True),
        ("night", datetime(2026, 11, 28, 1, 59, tzinfo=UTC), True),
        ("night", datetime(2026, 11, 28, 2, 0, tzinfo=UTC), False),
        ("night", datetime(2026, 11, 28, 23, 0, tzinfo=UTC), False),  # Saturday night
        ("night", datetime(2026, 11, 27, 1, 0, tzinfo=UTC), False),  # Friday early morning
    ],
)
def test_window_open(name: str, now: datetime, expected: bool) -> None:
    assert is_open(CONFIG.windows[name], now) is expected


def test_naive_now_is_utc() -> None:
    naive = datetime(2026, 12, 24, 12, 0)
    assert check_windows(_assess(Category.WRITE, "production"), CONFIG, naive)


def test_no_windows_configured_costs_nothing() -> None:
    assert check_windows(_assess(Category.WRITE, "production"), Config(), CHRISTMAS) == ()

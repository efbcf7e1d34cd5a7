"""interlock.yaml: the model, the loader's errors (key and line), the floor at load."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from interlock.config import (
    ActionClass,
    Config,
    Weekday,
    default_config,
    load_config,
    parse_config,
    reference,
)
from interlock.errors import ConfigError

FULL = """\
environments:
  production:
    protected: true
    approvals: 2
    approver_groups: [sre]
    match: {names: [prod, live]}
  staging:
    approvals: 1
people:
  alice: {groups: [admins]}
  bob: {groups: [sre]}
agents:
  kiro: {for: alice, profile: planner}
groups:
  admins:
    permissions: {"*": [read, plan, change, destroy, approve]}
  sre:
    permissions:
      prod: [read, plan, approve]
      staging: [read, plan, change, destroy]
profiles:
  planner:
    description: looks, never touches
    permissions: {"*": [read, plan]}
default_agent_profile: planner
freezes:
  year-end:
    environments: [production]
    start: 2026-12-20T00:00:00Z
    end: 2027-01-04T00:00:00+01:00
    reason: year-end change freeze
windows:
  office:
    environments: [staging]
    days: [mon, tue, wed]
    start: 9:00
    end: "17:30"
    timezone: Europe/Berlin
    reason: someone is around
policies: [policies, extra/one.rego]
break_glass_group: pager
"""


def test_full_config_loads_every_section() -> None:
    config = parse_config(FULL)
    assert config.people["alice"].groups == ("admins",)
    assert config.agents["kiro"].acts_for == "alice"
    assert config.agents["kiro"].profile == "planner"
    assert config.groups["sre"].permissions["prod"] == (
        ActionClass.READ,
        ActionClass.PLAN,
        ActionClass.APPROVE,
    )
    assert config.profiles["planner"].description == "looks, never touches"
    freeze = config.freezes["year-end"]
    assert freeze.start == datetime(2026, 12, 20, tzinfo=UTC)
    assert freeze.end == datetime(2027, 1, 4, tzinfo=timezone(timedelta(hours=1)))
    window = config.windows["office"]
    assert (window.start, window.end) == (time(9, 0), time(17, 30))
    assert window.days == (Weekday.MON, Weekday.TUE, Weekday.WED)
    assert config.break_glass_group == "pager"
    assert config.restricts_identity


def test_policies_are_resolved_next_to_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "interlock.yaml"
    path.parent.mkdir()
    path.write_text(FULL, encoding="utf-8")
    config = load_config(path)
    assert config.policies == (
        str(path.parent.resolve() / "policies"),
        str(path.parent.resolve() / "extra/one.rego"),
    )


def test_defaults_restrict_nobody() -> None:
    config = default_config()
    assert not config.restricts_identity
    assert config.break_glass_group == "oncall"
    assert config.policies == ()
    assert not parse_config("version: 1").restricts_identity


@pytest.mark.parametrize("approvals", [0, 1])
def test_protected_approvals_below_two_are_rejected_naming_key_and_line(approvals: int) -> None:
    text = f"environments:\n  production:\n    protected: true\n    approvals: {approvals}\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="interlock.yaml")
    message = info.value.message
    assert "environments.production.approvals (line 4)" in message
    assert f"got {approvals}" in message
    assert "two-person floor" in (info.value.hint or "")


def _replace(old: str, new: str) -> str:
    assert old in FULL
    return FULL.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_replace("groups: [admins]", "groups: [admin]"), "people.alice.groups (line 10)"),
        (_replace("{for: alice,", "{for: alicia,"), "agents.kiro.for (line 13): unknown person"),
        (_replace("profile: planner}", "profile: plan}"), "agents.kiro.profile (line 13)"),
        (
            _replace('{"*": [read, plan]}', '{"*": [read, approve]}'),
            "profiles.planner.permissions.* (line 24): an agent profile cannot allow approve",
        ),
        (_replace("prod: [read", "prdo: [read"), "groups.sre.permissions.prdo (line 19)"),
        (_replace("[read, plan, change, destroy]", "[read, destory]"), "expected one of read"),
        (_replace("end: 2027-01-04T00:00:00+01:00", "end: 2026-12-01T00:00:00Z"), "ends before"),
        (_replace("start: 2026-12-20T00:00:00Z", "start: 2026-12-20T00:00:00"), "no time zone"),
        (_replace("start: 9:00", "start: nine"), "windows.office.start (line 36)"),
        (_replace("Europe/Berlin", "Europe/Atlantis"), "windows.office.timezone (line 38)"),
        (_replace("days: [mon, tue, wed]", "days: [mon, tue, xyz]"), "expected one of mon"),
        (_replace("environments: [staging]", "environments: [stagign]"), "unknown environment"),
        (_replace("    reason: year-end change freeze\n", ""), "a freeze needs a reason"),
        (_replace("default_agent_profile: planner", "default_agent_profile: x"), "unknown profile"),
        (_replace("  kiro: {for: alice,", "  bob: {for: alice,"), "is a person and an agent"),
        (_replace("break_glass_group: pager", "break_glass: pager"), "break_glass (line 41)"),
    ],
)
def test_bad_config_names_key_and_line(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="interlock.yaml")
    assert expected in info.value.message


def test_yaml_sexagesimal_times_are_read_as_clock_times() -> None:
    # YAML 1.1 reads 9:30 as the integer 570; a window must not open at minute 570.
    config = parse_config(_replace("start: 9:00", "start: 9:30"))
    assert config.windows["office"].start == time(9, 30)


def test_every_key_is_documented() -> None:
    rows = reference()
    assert all(doc for _, _, doc in rows), [key for key, _, doc in rows if not doc]
    keys = {key for key, _, _ in rows}
    for expected in (
        "people.<name>.groups",
        "agents.<name>.for",
        "agents.<name>.profile",
        "groups.<name>.permissions",
        "profiles.<name>.permissions",
        "freezes.<name>.end",
        "windows.<name>.timezone",
        "policies",
        "break_glass_group",
    ):
        assert expected in keys


def test_every_config_field_is_in_the_reference() -> None:
    top = {key for key, _, _ in reference() if "." not in key}
    hints = typing.get_type_hints(Config)
    assert top == {f.metadata.get("key", f.name) for f in dataclasses.fields(Config)}
    assert set(hints) >= {"people", "agents", "groups", "profiles", "freezes", "windows"}

"""Load-time checks of interlock.yaml that span more than one key.

``config.py`` builds the model from YAML and checks each value's type; this module
checks what only the whole file can tell: the floor (DESIGN.md: a protected
environment needs at least two approvers, so a config that lowers it never loads),
and every cross-reference (a person's groups, an agent's human and profile, the
environments a permission table, freeze or window names, time zones). Each error
names the key path and its line in the file, so the operator fixes it at once; a
reference that silently never matched would be a rule that silently never applied.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from interlock.config import (
    ANY_ENVIRONMENT,
    FLOOR_APPROVALS,
    ActionClass,
    Config,
    Permissions,
    valid_timezone,
)
from interlock.errors import ConfigError


def check_config(config: Config, root: Any, source: str) -> None:
    """Raise ``ConfigError`` naming key and line for the first problem in ``config``."""
    where = _Where(root, source)
    _check_floor(config, where)
    _check_people(config, where)
    _check_agents(config, where)
    for kind, table in (("groups", config.groups), ("profiles", config.profiles)):
        for name, item in table.items():
            _check_permissions(config, item.permissions, (kind, name, "permissions"), where)
    for name, profile in config.profiles.items():
        for env, classes in profile.permissions.items():
            if ActionClass.APPROVE in classes:
                where.fail(
                    ("profiles", name, "permissions", env),
                    "an agent profile cannot allow approve: agents never approve",
                )
    _check_freezes(config, where)
    _check_windows(config, where)


class _Where:
    """Finds the line of a key path in the YAML node tree for error messages."""

    def __init__(self, root: Any, source: str) -> None:
        self.root = root
        self.source = source

    def line(self, keys: tuple[str, ...]) -> str:
        node = self.root
        for key in keys:
            found = None
            for k, v in getattr(node, "value", ()):
                if getattr(k, "value", None) == key:
                    found = v
            if found is None:
                break
            node = found
        mark = getattr(node, "start_mark", None)
        return f" (line {mark.line + 1})" if mark is not None else ""

    def fail(self, keys: tuple[str, ...], message: str, hint: str | None = None) -> None:
        path = ".".join(keys)
        raise ConfigError(f"{self.source}: {path}{self.line(keys)}: {message}", hint=hint)


def _check_floor(config: Config, where: _Where) -> None:
    for name, env in config.environments.items():
        if env.protected and env.approvals < FLOOR_APPROVALS:
            where.fail(
                ("environments", name, "approvals"),
                f"a protected environment needs at least {FLOOR_APPROVALS} approvers, "
                f"got {env.approvals}",
                hint="the two-person floor cannot be lowered by configuration",
            )
        if env.approvals < 1:
            where.fail(("environments", name, "approvals"), "must be at least 1")


def _check_people(config: Config, where: _Where) -> None:
    for name, person in config.people.items():
        for group in person.groups:
            if group not in config.groups:
                where.fail(
                    ("people", name, "groups"),
                    f"unknown group {group!r}",
                    hint=_known("groups", config.groups),
                )
        if name in config.agents:
            where.fail(("agents", name), f"{name!r} is a person and an agent; choose one")


def _check_agents(config: Config, where: _Where) -> None:
    for name, agent in config.agents.items():
        if not agent.acts_for:
            where.fail(("agents", name), "an agent needs 'for': the human it acts for")
        if config.people and agent.acts_for not in config.people:
            where.fail(
                ("agents", name, "for"),
                f"unknown person {agent.acts_for!r}",
                hint=_known("people", config.people),
            )
        if agent.profile and agent.profile not in config.profiles:
            where.fail(
                ("agents", name, "profile"),
                f"unknown profile {agent.profile!r}",
                hint=_known("profiles", config.profiles),
            )
    default = config.default_agent_profile
    if default and default not in config.profiles:
        where.fail(("default_agent_profile",), f"unknown profile {default!r}")


def _check_permissions(
    config: Config, permissions: Permissions, keys: tuple[str, ...], where: _Where
) -> None:
    for env in permissions:
        if env != ANY_ENVIRONMENT and not _names_environment(config, env):
            where.fail(
                (*keys, env),
                f"unknown environment {env!r}",
                hint=_known("environments", config.environments) + " or '*'",
            )


def _check_freezes(config: Config, where: _Where) -> None:
    for name, freeze in config.freezes.items():
        _check_environment_globs(config, freeze.environments, ("freezes", name), where)
        if freeze.start and freeze.end and freeze.end <= freeze.start:
            where.fail(("freezes", name, "end"), "the freeze ends before it starts")
        if not freeze.reason:
            where.fail(("freezes", name), "a freeze needs a reason: it is shown to requesters")


def _check_windows(config: Config, where: _Where) -> None:
    for name, window in config.windows.items():
        _check_environment_globs(config, window.environments, ("windows", name), where)
        if not valid_timezone(window.timezone):
            where.fail(("windows", name, "timezone"), f"unknown time zone {window.timezone!r}")
        if not window.days:
            where.fail(("windows", name, "days"), "a window needs at least one day")
        if window.start == window.end:
            where.fail(("windows", name, "end"), "the window opens and closes at the same time")


def _check_environment_globs(
    config: Config, patterns: Iterable[str], keys: tuple[str, ...], where: _Where
) -> None:
    for pattern in patterns:
        if any(c in pattern for c in "*?[") or _names_environment(config, pattern):
            continue
        where.fail(
            (*keys, "environments"),
            f"unknown environment {pattern!r}",
            hint=_known("environments", config.environments),
        )


def _names_environment(config: Config, name: str) -> bool:
    """A configured environment or alias; anything goes when none are configured."""
    if not config.environments:
        return True
    return config.environment(name) is not None or any(
        fnmatch.fnmatchcase(e, name) for e in config.environments
    )


def _known(what: str, table: Mapping[str, Any]) -> str:
    names = ", ".join(sorted(table)) or "none"
    return f"known {what}: {names}"

"""The unit every shell-command rule works on: one simple command that would run.

``classify/shell.py`` turns a command line into these after unwrapping pipelines,
lists, wrappers (``sudo``, ``env``, ``timeout`` ...), ``bash -c`` strings and
substitutions; the tool-family modules in ``classify/commands/`` then judge each one
by its program and arguments. Keeping this type small and frozen lets the families
stay pure functions that can be tested and fuzzed on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from interlock.config import Config, MatchKind
from interlock.frozen import quick_init
from interlock.models import Category, Finding, Risk, Scope

#: The assignments of a command without any: read-only, so one is shared.
NO_ASSIGNMENTS: Mapping[str, str] = MappingProxyType({})


@quick_init
@dataclass(frozen=True, slots=True)
class Redirect:
    """A redirection attached to a command: ``op`` such as ``>``, ``>>``, ``<``."""

    op: str
    target: str


class _CommandFields(NamedTuple):
    argv: tuple[str, ...]
    text: str
    assignments: Mapping[str, str] = NO_ASSIGNMENTS
    redirects: tuple[Redirect, ...] = ()
    wrappers: tuple[str, ...] = ()
    stdin: str | None = None
    elevated: bool = False
    remote_host: str | None = None
    container: str | None = None
    program: str = ""
    args: tuple[str, ...] = ()


class SimpleCommand(_CommandFields):
    """One program invocation, after quotes and wrappers are resolved.

    ``argv`` holds the words as the program would receive them (quotes removed,
    escapes applied). ``text`` is the exact source span, used as evidence.
    ``wrappers`` lists what it was unwrapped from, outermost first (``sudo``,
    ``bash -c``, ``ssh prod-db`` ...). ``stdin`` is a heredoc or here-string body fed
    to it, when one is. ``remote_host`` is set when it runs on another machine
    through ``ssh``; ``container`` when through ``kubectl exec`` or ``docker exec``.
    ``program`` is the program's base name (``/usr/bin/rm`` and ``rm`` are both
    ``rm``) and ``args`` the words after it; both are derived from ``argv`` here,
    never passed.

    A named tuple rather than a frozen dataclass: one is made for every command of
    every check, and a tuple is built in a fraction of the time (issue 2's ratio to
    the parse); it is just as immutable. ``program`` and ``args`` are stored rather
    than properties because the rules read them several times per command, and a
    tuple field is read several times faster than a property is computed.
    """

    __slots__ = ()

    def __new__(  # noqa: PLR0917 - the tuple's own fields, positional as before
        cls,
        argv: tuple[str, ...],
        text: str,
        assignments: Mapping[str, str] = NO_ASSIGNMENTS,
        redirects: tuple[Redirect, ...] = (),
        wrappers: tuple[str, ...] = (),
        stdin: str | None = None,
        elevated: bool = False,
        remote_host: str | None = None,
        container: str | None = None,
    ) -> SimpleCommand:
        program = argv[0].rpartition("/")[2] if argv else ""  # posixpath.basename
        fields = (assignments, redirects, wrappers, stdin, elevated, remote_host, container)
        return _NEW_TUPLE(cls, (argv, text, *fields, program, argv[1:]))

    def _replace(self, /, **changes: Any) -> SimpleCommand:
        """A copy with ``changes``; ``program`` and ``args`` follow a new ``argv``."""
        fields: dict[str, Any] = dict(zip(_GIVEN, self, strict=False))
        fields.update(changes)
        return SimpleCommand(**fields)


#: The fields ``SimpleCommand`` is built from; the rest are derived.
_GIVEN = _CommandFields._fields[:-2]
_NEW_TUPLE = tuple.__new__


@quick_init
@dataclass(frozen=True, slots=True)
class CommandContext:
    """What a rule may know besides the command: config, cwd and a forced environment.

    ``cwd`` is where the command runs. It is the action's workspace unless a ``cd``
    earlier on the line moved it (``moved``); the workspace is then ``workspace``, and
    a relative path names a file under the new ``cwd``, not under the workspace:
    ``cd / && rm -rf etc`` deletes ``/etc``.
    """

    config: Config
    cwd: str | None = None
    environment: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    workspace: str | None = None
    moved: bool = False

    def resolve_environment(self, kind: MatchKind, value: str | None) -> str | None:
        """Name of the environment ``value`` belongs to, the forced one, or ``None``.

        A forced environment (``--env``) wins: the operator said where this runs.
        ``None`` means unknown, which the floor treats as protected.
        """
        if self.environment:
            return self.environment
        if not value:
            return None
        return _resolved(self.config, kind, value)


#: Environment names already resolved, by (config identity, kind, value). The config
#: is kept in the entry so an identity reused by a new config never matches.
_RESOLVED: dict[tuple[int, str, str], tuple[Config, str | None]] = {}
_RESOLVED_LIMIT = 4096


def _resolved(config: Config, kind: MatchKind, value: str) -> str | None:
    """``config.resolve(kind, value)``'s name, remembered: configs are frozen."""
    key = (id(config), kind, value)
    hit = _RESOLVED.get(key)
    if hit is not None and hit[0] is config:
        return hit[1]
    env = config.resolve(kind, value)
    name = env.name if env else None
    if len(_RESOLVED) >= _RESOLVED_LIMIT:
        _RESOLVED.clear()
    _RESOLVED[key] = (config, name)
    return name


#: A tool-family rule set: findings for one simple command.
Handler = Callable[[SimpleCommand, CommandContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A documented rule id: what it finds and a command that triggers it.

    Meta-tests check that every rule's examples produce a finding with its id, so the
    registry cannot drift from the code.
    """

    rule_id: str
    category: Category
    description: str
    examples: tuple[str, ...]


def finding(
    rule: Rule,
    cmd: SimpleCommand,
    *,
    scope: Scope,
    target: str,
    explanation: str,
    risk: Risk = Risk.MEDIUM,
    environment: str | None = None,
    stateful: bool = False,
    category: Category | None = None,
) -> Finding:
    """Build a finding for ``rule`` with the command's exact text as evidence."""
    # positional, in ``Finding``'s field order: one of these is built per command
    return Finding(
        rule.rule_id,
        category or rule.category,
        scope,
        target,
        cmd.text,
        explanation,
        risk,
        environment,
        stateful,
    )

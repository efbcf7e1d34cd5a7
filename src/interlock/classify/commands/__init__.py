"""The registry of tool-family rule sets: program name in, handler out.

Each family module under ``interlock.classify.commands`` (listed in ``FAMILIES``)
exposes ``HANDLERS: Mapping[str, Handler]`` keyed by program base name and
``RULES: Sequence[Rule]`` documenting its rule ids. ``classify/shell.py`` asks
``handler_for`` for every simple command it extracts. Modules are imported once, on
first use, and only the one that claims the program (``commands/index.py``), so that
``interlock check -- ls`` pays for the read-only family alone.

A family that fails to import is a bug, not a reason to allow: the import error
propagates and the shell walker turns it into an opaque finding (fail closed).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache

from interlock.classify.command import Handler, Rule
from interlock.classify.commands.index import FAMILY_OF

#: Family modules, by name under this package. Add a module with a one-line edit.
FAMILIES: tuple[str, ...] = (
    "terraform",
    "iac",
    "kubectl",
    "helm",
    "aws",
    "gcloud",
    "azure",
    "cloudverbs",
    "readonly",
    "files",
    "system",
    "git",
    "github",
    "sql",
    "nosql",
    "packages",
    "http",
    "interpreters",
    "containers",
    "services",
    "interlock_self",
    "archives",
    "orchestration",
    "sqlclients",
    "dbadmin",
    "hostconfig",
    "ansible",
    "salt",
    "parallelshell",
    "gitops",
)


@cache
def _registry() -> tuple[Mapping[str, Handler], tuple[Rule, ...]]:
    """Import every family once and merge its handlers and rules."""
    handlers: dict[str, Handler] = {}
    rules: list[Rule] = []
    for name in FAMILIES:
        module = importlib.import_module(f"{__name__}.{name}")
        for program, handler in getattr(module, "HANDLERS", {}).items():
            if program in handlers and handlers[program] is not handler:
                raise ValueError(f"program {program!r} is claimed by two families")
            handlers[program] = handler
        rules.extend(getattr(module, "RULES", ()))
    return handlers, tuple(rules)


#: Handlers found so far, by program: filled family by family as programs are seen.
_KNOWN: dict[str, Handler | None] = {}


def handler_for(program: str) -> Handler | None:
    """The handler for ``program`` (a base name such as ``rm``), or ``None``."""
    try:
        return _KNOWN[program]
    except KeyError:
        pass
    handler = _lookup(program)
    if len(_KNOWN) < _KNOWN_LIMIT:
        _KNOWN[program] = handler
    return handler


#: Distinct programs remembered by ``handler_for`` (unknown names are unbounded).
_KNOWN_LIMIT = 4096


def _lookup(program: str) -> Handler | None:
    """Import only the family ``index.FAMILY_OF`` names; all of them when it names none."""
    family = FAMILY_OF.get(program)
    if family is not None:
        module = importlib.import_module(f"{__name__}.{family}")
        handler: Handler | None = getattr(module, "HANDLERS", {}).get(program)
        if handler is not None:
            return handler
    return _registry()[0].get(program)


def all_rules() -> tuple[Rule, ...]:
    """Every rule documented by every family, in ``FAMILIES`` order."""
    return _registry()[1]

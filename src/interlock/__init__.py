"""interlock: a change-control gateway between AI coding agents and production.

The public API is ``__all__``; everything else may change without notice. Names are
loaded on first use (PEP 562) so that importing a small submodule, such as the agent
hook that runs on every tool call, does not pay for the configuration model.
"""

from __future__ import annotations

# ``typing`` is not imported at run time: this module is on the agent hook's path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from interlock.config import Config, default_config, load_config
    from interlock.errors import InterlockError
    from interlock.models import (
        Action,
        ActionKind,
        Assessment,
        Category,
        Decision,
        Finding,
        Risk,
        Scope,
        Target,
        Verdict,
    )

__all__ = [
    "Action",
    "ActionKind",
    "Assessment",
    "Category",
    "Config",
    "Decision",
    "Finding",
    "InterlockError",
    "Risk",
    "Scope",
    "Target",
    "Verdict",
    "default_config",
    "load_config",
]
__version__ = "0.1.0"

#: The module each public name lives in.
_HOMES: dict[str, str] = {
    "Config": "interlock.config",
    "default_config": "interlock.config",
    "load_config": "interlock.config",
    "InterlockError": "interlock.errors",
} | dict.fromkeys(
    (
        "Action",
        "ActionKind",
        "Assessment",
        "Category",
        "Decision",
        "Finding",
        "Risk",
        "Scope",
        "Target",
        "Verdict",
    ),
    "interlock.models",
)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'interlock' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

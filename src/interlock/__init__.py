"""interlock: a change-control gateway between AI coding agents and production.

The public API is ``__all__``; everything else may change without notice.
"""

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

"""Decisions: an Assessment and its requester in, a Decision with every reason out.

``decide`` is the one entry point (``policy/engine.py``): the floor, permissions,
time windows, per-environment configuration, then Rego policies, each only ever
making the decision stricter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interlock.policy.engine import decide

if TYPE_CHECKING:
    from interlock.policy.rego import PolicySet, load_policies

__all__ = ["PolicySet", "decide", "load_policies"]


def __getattr__(name: str) -> Any:
    """``PolicySet`` and ``load_policies`` on first use: the Rego engine (rego-cpp)
    costs a check that names no policies a fifth of its start-up."""
    if name in ("PolicySet", "load_policies"):
        from interlock.policy import rego

        return getattr(rego, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Decisions: an Assessment and its requester in, a Decision with every reason out.

``decide`` is the one entry point (``policy/engine.py``): the floor, permissions,
time windows, per-environment configuration, then Rego policies, each only ever
making the decision stricter.
"""

from __future__ import annotations

from interlock.policy.engine import decide
from interlock.policy.rego import PolicySet, load_policies

__all__ = ["PolicySet", "decide", "load_policies"]

"""Approvals: requests, their lifecycle, votes and quorum, single-use grants, break-glass.

An action the policy holds becomes a *request* bound to a *digest* of exactly what will
run (``digest.py``); distinct eligible humans vote on it (``quorum.py``, ``votes.py``),
never the requester's own human and never an agent; at quorum one *grant* is issued
and can be consumed once for that digest (``grants.py``). Lifecycle and expiry are in
``requests.py``, the emergency path in ``breakglass.py``. Adapters use the facade
``service.ApprovalService`` and nothing deeper. See DESIGN.md (floor rules 1, 2, 5).
"""

from __future__ import annotations

from interlock.approvals.requests import RequestRecord, Status
from interlock.approvals.service import ApprovalService, RequestView, Submitted

__all__ = ["ApprovalService", "RequestRecord", "RequestView", "Status", "Submitted"]

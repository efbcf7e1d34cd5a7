"""The tamper-evident audit log: an RFC 6962 Merkle log with signed checkpoints.

``log.append(conn, kind, actor, body)`` records an event inside the caller's store
transaction; ``merkle`` holds the tree and its proofs; ``checkpoint`` and ``keys`` the
C2SP signed checkpoints; ``verify`` recomputes everything from the store and
``export`` writes what ``offline_verify`` (a single dependency-light file) checks.
"""

from __future__ import annotations

from interlock.audit.log import Event, append, append_many

__all__ = ["Event", "append", "append_many"]

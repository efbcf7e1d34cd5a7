"""Time as identity and approvals use it: timezone-aware UTC, always.

SQLite hands back naive datetimes for timezone-aware columns; every value read from
the store passes through ``aware`` so comparisons with the clock never mix the two.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: A source of the current time; tests pass a fixed or stepping one.
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive value is taken to be UTC already (as stored)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

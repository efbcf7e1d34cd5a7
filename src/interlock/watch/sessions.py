"""Sessions for humans: list them, show one, freeze and unfreeze (issue 8).

The facade the ``session`` verb (and the server's pages) call. Every method needs a
*human* token, authenticated in the same transaction as what it reads or changes;
an agent's token is refused (``ForbiddenError``), so an agent can neither unfreeze
its own session nor look at others. Freezes and unfreezes are audited in the same
transaction (``breaker.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from interlock.config import Config
from interlock.identity.access import authenticate, require_human
from interlock.identity.clock import Clock, utcnow
from interlock.models import Principal
from interlock.store import Store
from interlock.store.watch_records import watch_actions
from interlock.watch import breaker, history
from interlock.watch.breaker import Freeze


@dataclass(frozen=True, slots=True)
class SessionView:
    """One session: its newest actions and every freeze, newest first."""

    session_id: str
    entries: tuple[history.Entry, ...]
    freezes: tuple[Freeze, ...]

    @property
    def frozen(self) -> Freeze | None:
        """The freeze holding the session now, if any."""
        return next((f for f in self.freezes if f.unfrozen_at is None), None)


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A session as the list shows it."""

    summary: history.SessionSummary
    frozen: bool


class SessionWatch:
    """Read and steer watched sessions over one store and configuration."""

    def __init__(self, store: Store, config: Config, *, clock: Clock = utcnow) -> None:
        self.store = store
        self.config = config
        self.clock = clock

    def _human(self, conn: Connection, token: str, doing: str) -> tuple[Principal, datetime]:
        now = self.clock()
        who = authenticate(conn, self.config, token, now=now)
        return require_human(who, doing), now

    def list(self, token: str, *, limit: int = 50) -> list[SessionRow]:
        """The most recently active sessions, with whether each is frozen."""
        with self.store.transaction() as conn:
            self._human(conn, token, "list sessions")
            rows = history.sessions(conn, limit=limit)
            return [SessionRow(r, breaker.current(conn, r.session_id) is not None) for r in rows]

    def show(self, token: str, session_id: str, *, limit: int = 50) -> SessionView:
        """A session's newest ``limit`` actions and its freezes."""
        with self.store.transaction() as conn:
            self._human(conn, token, "read sessions")
            entries = tuple(history.recent(conn, session_id, limit=limit))
            return SessionView(session_id, entries, tuple(breaker.freezes(conn, session_id)))

    def of_request(self, token: str, request_id: str) -> SessionView | None:
        """The session ``request_id`` was decided in, with its freezes (no actions).

        ``None`` when the watch never saw the request (decided before the watch kept
        history, or its history row was pruned).
        """
        with self.store.transaction() as conn:
            self._human(conn, token, "read sessions")
            found = conn.execute(
                select(watch_actions.c.session_id)
                .where(watch_actions.c.request_id == request_id)
                .limit(1)
            ).scalar_one_or_none()
            if found is None:
                return None
            return SessionView(found, (), tuple(breaker.freezes(conn, found)))

    def freeze(self, token: str, session_id: str, *, reason: str) -> Freeze:
        """Freeze a session by hand: its non-read actions are held from now on."""

        def work(conn: Connection) -> Freeze:
            human, now = self._human(conn, token, "freeze sessions")
            return breaker.freeze(conn, session_id, by=human.name, reason=reason, now=now)

        return self.store.run_in_transaction(work)

    def unfreeze(self, token: str, session_id: str, *, reason: str) -> Freeze:
        """Lift a session's freeze; humans only."""

        def work(conn: Connection) -> Freeze:
            human, now = self._human(conn, token, "unfreeze sessions")
            return breaker.unfreeze(conn, session_id, by=human, reason=reason, now=now)

        return self.store.run_in_transaction(work)

"""The objects one server process shares between requests: store, services, bus.

``create_app`` builds one :class:`Gateway` and keeps it on ``app.state.gateway``;
routes (API and pages) reach it with :func:`gateway_of`. It owns the store and
the background parts (event bus, webhook thread) and closes them on shutdown.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import func, select

from interlock.approvals import ApprovalService, RequestRecord, RequestView, Status
from interlock.identity.access import Authenticated, authenticate
from interlock.identity.clock import utcnow
from interlock.identity.service import TokenService
from interlock.models import Category
from interlock.notify import Notifier
from interlock.server.events import EventBus, make_bus
from interlock.server.metrics import Metrics
from interlock.server.settings import Settings
from interlock.store import Store, open_store
from interlock.store.records import requests as requests_table
from interlock.watch.breaker import FROZEN_RULE

#: Statuses worth a webhook when a request reaches them.
_OUTCOMES = frozenset({Status.APPROVED, Status.DENIED, Status.EXECUTED, Status.FAILED})


class Gateway:
    """Everything a route needs, built once per app."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.config = settings.config
        self.notifier = Notifier(self.config.notify.webhooks)  # checks them before opening
        self.store = store if store is not None else open_store(settings.database_url)
        self.approvals = ApprovalService(self.store, self.config)
        self.tokens = TokenService(self.store, self.config)
        url = self.store.engine.url.render_as_string(hide_password=False)
        try:
            self.bus: EventBus = make_bus(self.store.dialect, url)
        except BaseException:
            self.store.close()
            raise
        self.metrics = Metrics(self.pending_count, self.notifier.stats)

    def authenticate_token(self, token: str) -> Authenticated:
        """The principal behind ``token``; unknown, expired or revoked raises (401)."""
        with self.store.read_transaction() as conn:
            return authenticate(conn, self.config, token, now=utcnow())

    def pending_count(self) -> int:
        """Requests pending and not yet past their expiry."""
        query = (
            select(func.count())
            .select_from(requests_table)
            .where(requests_table.c.status == Status.PENDING.value)
            .where(requests_table.c.expires_at > utcnow())
        )
        with self.store.read_transaction() as conn:
            return int(conn.execute(query).scalar_one())

    def changed(self, record: RequestRecord) -> None:
        """Announce a committed change of ``record``: wake waiters; webhooks on outcomes.

        Safe to call more than once for one change: waiters re-read the store, and
        webhooks fire only for outcomes (approved, denied, executed, failed).
        """
        self.bus.publish(record.id, record.status.value)
        if record.status in _OUTCOMES:
            self.notifier.emit(f"request.{record.status.value}", self.event_data(record))

    def voted(self, record: RequestRecord) -> None:
        """After a vote on ``record`` (re-read after it): metrics, waiters, webhooks."""
        if record.status is Status.APPROVED:
            waited = (utcnow() - record.created_at).total_seconds()
            self.metrics.approval_latency.observe(max(0.0, waited))
        self.changed(record)

    def submitted(self, record: RequestRecord) -> None:
        """Announce a new request: ``request.pending`` if it waits, and any alerts."""
        self.bus.publish(record.id, record.status.value)
        data = self.event_data(record)
        if record.status is Status.PENDING:
            self.notifier.emit("request.pending", data)
        if record.break_glass:
            self.notifier.emit("alert.break-glass", data)
        if record.status is Status.DENIED and _self_tamper(record):
            self.notifier.emit("alert.self-tamper", data)
        if _session_frozen(record):
            self.notifier.emit("alert.session-frozen", data)

    def event_data(self, record: RequestRecord) -> dict[str, Any]:
        """What webhooks are told about ``record``."""
        return {
            "id": record.id,
            "status": record.status.value,
            "decision": record.verdict.value,
            "kind": record.kind,
            "summary": record.summary,
            "requester": record.requester_human,
            "agent": record.requester_agent,
            "environments": list(record.environments),
            "required_approvals": record.required_approvals,
            "break_glass": record.break_glass,
            "reason": record.status_reason,
            "url": self.settings.request_url(record.id),
        }

    def show(self, request_id: str) -> RequestView:
        """A request with its ballots and grant."""
        return self.approvals.show(request_id)

    def close(self) -> None:
        """Stop the background parts, then close the store."""
        self.notifier.close()
        self.bus.close()
        self.store.close()


def _self_tamper(record: RequestRecord) -> bool:
    findings = record.detail.get("findings", [])
    return any(f.get("category") == Category.SELF_TAMPER.value for f in findings)


def _session_frozen(record: RequestRecord) -> bool:
    reasons = record.detail.get("reasons", [])
    return any(r.get("rule_id") == FROZEN_RULE for r in reasons)


def gateway_of(request: Request) -> Gateway:
    """The app's gateway."""
    gateway: Gateway = request.app.state.gateway
    return gateway


async def current_gateway(request: Request) -> Gateway:
    """The app's gateway as a FastAPI dependency (``async``: a plain ``def`` dependency
    would cost a hop through the threadpool on every request)."""
    return gateway_of(request)

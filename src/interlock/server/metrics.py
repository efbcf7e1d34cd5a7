"""Prometheus metrics of one gateway server (issue 6), served at ``/metrics``.

Each app has its own registry, so several apps in one process (tests) never collide.

* ``interlock_decisions_total{decision}``: submitted actions by verdict;
* ``interlock_pending_requests``: requests waiting for votes, counted in the store at
  scrape time (so votes cast elsewhere count too);
* ``interlock_approval_latency_seconds``: from submission to the approving vote;
* ``interlock_classification_seconds``: classifying and deciding one action;
* ``interlock_webhook_deliveries_total{outcome}``: delivered, retried, dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from interlock.notify.webhooks import Stats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_LATENCY_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, float("inf"))
_CLASSIFY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    float("inf"),
)


class Metrics:
    """The server's instruments and the registry they live in."""

    def __init__(self, pending: Callable[[], int], webhooks: Stats) -> None:
        self.registry = CollectorRegistry()
        self.decisions = Counter(
            "interlock_decisions",
            "Submitted actions by decision",
            ["decision"],
            registry=self.registry,
        )
        self.pending = Gauge(
            "interlock_pending_requests", "Requests waiting for votes", registry=self.registry
        )
        self.pending.set_function(lambda: float(pending()))
        self.approval_latency = Histogram(
            "interlock_approval_latency_seconds",
            "Seconds from submission to approval",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.classification = Histogram(
            "interlock_classification_seconds",
            "Seconds to classify and decide one action",
            buckets=_CLASSIFY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_WebhookCollector(webhooks))

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


class _WebhookCollector(Collector):
    def __init__(self, stats: Stats) -> None:
        self._stats = stats

    def collect(self) -> list[CounterMetricFamily]:
        family = CounterMetricFamily(
            "interlock_webhook_deliveries", "Webhook deliveries by outcome", labels=["outcome"]
        )
        for outcome in ("delivered", "retried", "dropped"):
            family.add_metric([outcome], float(getattr(self._stats, outcome)))
        return [family]

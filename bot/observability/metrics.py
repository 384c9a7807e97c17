"""Prometheus metrics of one process, in a registry of its own (one per app, so tests that
build several apps never share counters).

Counters move where things happen (turns, notices); the payment and queue gauges are read from
the database when Prometheus scrapes, so every process reports the same truth.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.observability.context import bound, new_request_id
from core.billing.queries import order_counts
from core.inbox.queries import outbox_queue_depth
from core.ports import Delivery

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "ispbot_updates", "Turns received, per channel.", ["channel"], registry=r
        )
        self.dialog_errors = Counter(
            "ispbot_dialog_errors", "Turns that failed inside the dialog engine.", registry=r
        )
        self.turn_seconds = Histogram(
            "ispbot_turn_seconds", "Time to answer a turn, per channel.", ["channel"], registry=r
        )
        self.http_seconds = Histogram(
            "ispbot_http_request_seconds",
            "Time to answer an HTTP request, per route and status.",
            ["route", "status"],
            registry=r,
        )
        self.alerts_sent = Counter(
            "ispbot_alerts_sent", "Notices delivered to a chat, per kind.", ["kind"], registry=r
        )
        self.alerts_failed = Counter(
            "ispbot_alerts_failed",
            "Notices that could not be delivered (tried again later), per kind and reason.",
            ["kind", "reason"],
            registry=r,
        )
        self.payments = Gauge(
            "ispbot_payments", "Orders in the database, per state.", ["state"], registry=r
        )
        self.queue_depth = Gauge(
            "ispbot_outbox_queue_depth", "Notices waiting in the outbox.", registry=r
        )

    async def refresh_from_database(self) -> None:
        for state, count in (await order_counts()).items():
            self.payments.labels(state.value).set(count)
        self.queue_depth.set(await outbox_queue_depth())

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class DialogErrorCounter(logging.Handler):
    """Counts the errors the dialog engine logs (a failed step, a turn that failed before its
    flow ran): the engine reports them by logging, so counting its records sees each once."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(level=logging.ERROR)
        self.metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        self.metrics.dialog_errors.inc()


def instrument_engine(engine: Any, metrics: Metrics) -> Any:
    """Wrap ``engine.handle``: each turn gets an update id for its log lines, its text and a web
    chat's id are masked in them, and it is counted and timed per channel."""
    handle: Callable[[Any], Awaitable[Any]] = engine.handle

    async def instrumented(turn: Any) -> Any:
        rid = f"{turn.channel}:{turn.message_ref}" if turn.message_ref else new_request_id()
        secrets = [turn.text, turn.contact_phone]
        if turn.channel == "web":  # the web chat's id is the browser's cookie
            secrets.append(turn.chat_id)
        metrics.updates.labels(turn.channel).inc()
        started = time.perf_counter()
        with bound(rid, secrets):
            try:
                return await handle(turn)
            finally:
                metrics.turn_seconds.labels(turn.channel).observe(time.perf_counter() - started)

    engine.handle = instrumented
    return engine


class MeteredNotifier:
    """The Notifier port, counting what was delivered and what was not."""

    def __init__(self, notifier: Any, metrics: Metrics) -> None:
        self.notifier = notifier
        self.metrics = metrics

    async def notify(
        self, subscriber_id: int, kind: str, params: dict[str, Any]
    ) -> Delivery | None:
        try:
            delivery = await self.notifier.notify(subscriber_id, kind, params)
        except Exception:
            self.metrics.alerts_failed.labels(kind, "error").inc()
            raise
        if delivery is None:
            self.metrics.alerts_failed.labels(kind, "no_channel").inc()
        else:
            self.metrics.alerts_sent.labels(kind).inc()
        return delivery

"""Prometheus metrics of one process, in a registry of its own (one per app, so tests that
build several apps never share counters).

Counters move where things happen (turns, notices, the worker's jobs); the payment and queue
gauges are read from the database when Prometheus scrapes, so every process reports the same
truth. The web app serves them on its ``/metrics``, a worker on its own port
(``ISPBOT_WORKER_METRICS_PORT``, bot/observability/web.py).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.observability.context import bound, new_request_id
from core.billing.queries import order_counts
from core.clock import SystemClock
from core.inbox.queries import outbox_queue_depth
from core.oncall import oldest_pending_order_age, oldest_unsent_notice_age
from core.ports import Clock, Delivery

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Job = TypeVar("Job", bound=Callable[..., Awaitable[Any]])


class Metrics:
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "ispbot_updates", "Turns received, per channel.", ["channel"], registry=r
        )
        self.dialog_errors = Counter(
            "ispbot_dialog_errors", "Turns that failed inside the dialog engine.", registry=r
        )
        self.turn_seconds = Histogram(
            "ispbot_turn_seconds",
            "Time to answer a turn, per channel; on Telegram its replies' sends (and their 429"
            " waits) included: they go out while the turn holds its chat.",
            ["channel"],
            registry=r,
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
        self.outbox_expired = Counter(
            "ispbot_outbox_expired",
            "Notices too old to send when the relay got to them (recorded as expired, never "
            "sent; ISPBOT_NOTICE_MAX_AGE_*), per kind.",
            ["kind"],
            registry=r,
        )
        self.payments = Gauge(
            "ispbot_payments", "Orders in the database, per state.", ["state"], registry=r
        )
        self.queue_depth = Gauge(
            "ispbot_outbox_queue_depth", "Notices waiting in the outbox.", registry=r
        )
        self.channel_failures = Counter(
            "ispbot_channel_send_failures",
            "Notices a channel failed to send (the next channel is tried), per channel.",
            ["channel"],
            registry=r,
        )
        self.outbox_oldest_age = Gauge(
            "ispbot_outbox_oldest_unsent_age_seconds",
            "Seconds the oldest notice not sent yet has waited in the outbox (0 when empty).",
            registry=r,
        )
        self.pending_oldest_age = Gauge(
            "ispbot_payments_oldest_pending_age_seconds",
            "Seconds the oldest order still waiting for its payment has waited (0 when none).",
            registry=r,
        )
        self.unguarded_deliveries = Counter(
            "ispbot_unguarded_deliveries",
            "Inbound messages answered without the redelivery check (its store was down), "
            "per channel.",
            ["channel"],
            registry=r,
        )
        self.inbound_refused = Counter(
            "ispbot_inbound_refused",
            "Inbound messages answered with nothing: over the per-number or total limit "
            "(ISPBOT_INBOUND_PER_NUMBER_PER_MINUTE, ISPBOT_INBOUND_PER_MINUTE), per channel.",
            ["channel"],
            registry=r,
        )
        self.job_runs = Counter(
            "ispbot_worker_jobs",
            "The worker's jobs run, per job and outcome (ok or error).",
            ["job", "outcome"],
            registry=r,
        )
        self.job_last_success = Gauge(
            "ispbot_worker_last_success_timestamp_seconds",
            "When each of the worker's jobs last ended without an error (Unix time).",
            ["job"],
            registry=r,
        )

    async def refresh_from_database(self) -> None:
        for state, count in (await order_counts()).items():
            self.payments.labels(state.value).set(count)
        self.queue_depth.set(await outbox_queue_depth())
        now = self.clock.now()
        self.outbox_oldest_age.set(await oldest_unsent_notice_age(now))
        self.pending_oldest_age.set(await oldest_pending_order_age(now))

    def count_outbox_expired(self, kind: str) -> None:
        self.outbox_expired.labels(kind).inc()

    def count_channel_failure(self, channel: str) -> None:
        self.channel_failures.labels(channel).inc()

    def timed_job(self, job: Job) -> Job:
        """``job`` (an arq job of the worker), counted per outcome, its last success stamped:
        the heartbeat an alert watches for a worker that stopped ticking."""
        name = job.__name__

        @functools.wraps(job)
        async def counted(*args: Any, **kwargs: Any) -> Any:
            try:
                result = await job(*args, **kwargs)
            except BaseException:
                self.job_runs.labels(name, "error").inc()
                raise
            self.job_runs.labels(name, "ok").inc()
            self.job_last_success.labels(name).set(self.clock.now().timestamp())
            return result

        return counted  # type: ignore[return-value]

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
    handle: Callable[..., Awaitable[Any]] = engine.handle

    async def instrumented(turn: Any, **options: Any) -> Any:
        rid = f"{turn.channel}:{turn.message_ref}" if turn.message_ref else new_request_id()
        secrets = [turn.text, turn.contact_phone]
        if turn.channel == "web":  # the web chat's id is the browser's cookie
            secrets.append(turn.chat_id)
        metrics.updates.labels(turn.channel).inc()
        started = time.perf_counter()
        with bound(rid, secrets):
            try:
                return await handle(turn, **options)
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

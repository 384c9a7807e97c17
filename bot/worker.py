"""`ispbot worker`: the scheduled jobs and the sending, on arq (a job queue in Redis).

The jobs, run by as many workers as you start:

- ``sweep_alerts`` every minute: every alert due now (10:30 in each subscriber's zone, low
  traffic, free charges ending, rejected documents) written to the outbox. arq runs each cron
  tick once across all workers (its job id is the tick), and the outbox's unique dedup key
  makes a second sweep add nothing anyway.
- ``relay_outbox`` every few seconds and right after a sweep: sends what the outbox holds
  through the channels, paced per channel by a token bucket in Redis shared by all workers.
  Each message is claimed by a compare-and-swap before it is sent, so workers relaying at once
  share the messages and never send one twice; a full batch asks another worker to help.
- the domain's upkeep: services that end or start, and paused ones that resume (every 5
  minutes), lines cut after the
  document grace (twice an hour), the month's campaign traffic (hourly; once per month by its
  key), postpaid bills of the months that ended (hourly; once per line and month by its key),
  their reminders, overdue states and lines isolated for them (every 15 minutes; once a bill)
  and old login counters purged (hourly), and the staff dashboard's figures counted and kept
  (every ``dashboard_refresh_minutes``, 5).
"""

from __future__ import annotations

import logging
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker

from bot.config import BotSettings
from bot.observability.web import serve_metrics
from bot.wiring import Wiring
from core.alerts.sweep import AlertSweep
from core.billing.bills import BillDueDates
from core.billing.periods import month_period
from core.db import close_database, open_database
from core.staff.dashboard import Dashboard
from core.staff.dashboard_snapshots import DashboardSnapshots

log = logging.getLogger(__name__)

RELAY_BATCH = 100
RELAY_EVERY_SECONDS = 5


async def sweep_alerts(ctx: dict[str, Any]) -> dict[str, int]:
    sweep = AlertSweep(ctx["settings"], ctx["clock"], channels=tuple(ctx["wiring"].senders))
    report = await sweep.run()
    if report.total:
        await ctx["redis"].enqueue_job("relay_outbox", _queue_name=ctx["queue_name"])
    return dict(report.by_kind())


async def relay_outbox(ctx: dict[str, Any]) -> int:
    """Send one batch; a full batch hands the rest to the next free worker."""
    delivered = await ctx["relay"].relay_pending(limit=RELAY_BATCH)
    if delivered >= RELAY_BATCH:
        await ctx["redis"].enqueue_job("relay_outbox", _queue_name=ctx["queue_name"])
    return delivered


async def end_expired_services(ctx: dict[str, Any]) -> int:
    """Services bought ahead start, finished ones end, lines left without one go to the
    collection list."""
    return await ctx["services"].billing_jobs.end_expired_subscriptions()


async def renew_automatically(ctx: dict[str, Any]) -> int:
    """Services ending soon of subscribers who asked, renewed from the wallet; once each."""
    renewed = await ctx["services"].auto_renewals.run()
    if renewed:
        await ctx["redis"].enqueue_job("relay_outbox", _queue_name=ctx["queue_name"])
    return renewed


async def resume_paused_services(ctx: dict[str, Any]) -> int:
    """Paused services whose day has come run again; each once."""
    return await ctx["services"].pauses.resume_due()


async def cut_lines_after_document_grace(ctx: dict[str, Any]) -> int:
    return await ctx["services"].document_reviews.enforce_document_grace()


async def charge_campaigns(ctx: dict[str, Any]) -> int:
    """This month's campaign traffic; keyed by (subscriber, plan, month), so every run after
    the first in a month adds nothing."""
    settings: BotSettings = ctx["settings"]
    period = month_period(ctx["clock"].now(), settings.zone)
    return await ctx["services"].billing_jobs.run_campaign_charges(period)


async def issue_postpaid_bills(ctx: dict[str, Any]) -> int:
    """The bills of the months that ended; keyed by (subscriber, month), so every run after
    the first adds nothing."""
    return await ctx["services"].bills.issue_all_due()


async def enforce_bill_due_dates(ctx: dict[str, Any]) -> int:
    """Reminders before a bill's last day to pay, overdue after it, lines isolated after the
    grace; each once a bill."""
    reminded, overdue, isolated = await BillDueDates(ctx["settings"], ctx["clock"]).run()
    if reminded or isolated:
        await ctx["redis"].enqueue_job("relay_outbox", _queue_name=ctx["queue_name"])
    return reminded + overdue + isolated


async def purge_login_counters(ctx: dict[str, Any]) -> int:
    """The lockout's idle counters, and login links that can no longer be used."""
    services = ctx["services"]
    return await services.login.purge_throttles() + await services.login_links.purge()


async def refresh_dashboard(ctx: dict[str, Any]) -> int:
    """The staff dashboard's figures of every period, counted and kept for the page."""
    settings: BotSettings = ctx["settings"]
    kept = await DashboardSnapshots(Dashboard(settings, ctx["clock"])).refresh(settings.zone)
    return len(kept)


# The domain's periodic jobs: each safe to run again or on two workers at once.
MAINTENANCE_JOBS = (
    end_expired_services,
    renew_automatically,
    cut_lines_after_document_grace,
    charge_campaigns,
    issue_postpaid_bills,
    enforce_bill_due_dates,
    purge_login_counters,
    refresh_dashboard,
)


def build_worker(
    wiring: Wiring,
    *,
    manage_database: bool = True,
    burst: bool = False,
    handle_signals: bool = True,
) -> Worker:
    """An arq worker with the alert sweep and the outbox relay, fed from a worker's container
    (``bootstrap(settings, process="worker")``: the web chat, through its mailbox, and the
    channels whose settings are given). Tests pass a container with their clock and senders,
    keep their own database open, and run it in burst mode."""
    settings = wiring.settings
    if not settings.redis_url:
        raise SystemExit("ispbot: the worker needs ISPBOT_REDIS_URL (its job queue is in Redis)")
    queue_name = f"{settings.redis_prefix}jobs"

    async def startup(ctx: dict[str, Any]) -> None:
        if manage_database:
            await open_database(settings.database_url)
        log.info("worker sends on: %s", ", ".join(wiring.senders) or "no channel")
        if settings.worker_metrics_port is not None:
            ctx["metrics_server"] = await serve_metrics(
                wiring.metrics, settings.host, settings.worker_metrics_port
            )
        ctx.update(
            wiring=wiring,
            settings=settings,
            clock=wiring.clock,
            queue_name=queue_name,
            relay=wiring.relay,
            services=wiring.services,
        )

    async def shutdown(ctx: dict[str, Any]) -> None:
        if "metrics_server" in ctx:
            await ctx["metrics_server"].cleanup()
        await wiring.close()
        if manage_database:
            await close_database()

    # Each job counted and its last success stamped in the worker's metrics.
    job = wiring.metrics.timed_job
    return Worker(
        functions=[job(sweep_alerts), job(relay_outbox), *map(job, MAINTENANCE_JOBS)],
        cron_jobs=[
            cron(job(end_expired_services), minute=set(range(0, 60, 5)), second=30, timeout=600),
            cron(job(resume_paused_services), minute=set(range(2, 60, 5)), second=0, timeout=600),
            cron(job(cut_lines_after_document_grace), minute={7, 37}, second=30, timeout=600),
            cron(job(renew_automatically), minute=set(range(1, 60, 10)), second=0, timeout=600),
            cron(job(charge_campaigns), minute=13, second=30, timeout=1800),
            cron(job(issue_postpaid_bills), minute=23, second=30, timeout=1800),
            cron(job(enforce_bill_due_dates), minute={2, 17, 32, 47}, second=30, timeout=600),
            cron(job(purge_login_counters), minute=43, second=30, timeout=600),
            cron(
                job(refresh_dashboard),
                minute=set(range(0, 60, settings.dashboard_refresh_minutes)),
                second=40,
                timeout=600,
            ),
            cron(job(sweep_alerts), second=0, timeout=300),
            cron(
                job(relay_outbox),
                name="relay_outbox_tick",
                second=set(range(0, 60, RELAY_EVERY_SECONDS)),
                timeout=300,
            ),
        ],
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        queue_name=queue_name,
        on_startup=startup,
        on_shutdown=shutdown,
        burst=burst,
        handle_signals=handle_signals,
        poll_delay=0.1 if burst else 0.5,
        keep_result=60,
        max_tries=3,
    )

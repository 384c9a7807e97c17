"""Outage reports and announcements, broadcast to the subscribers they concern.

An outage concerns the subscribers of one exchange centre (the building serving their line) or
those whose current service is one plan; an announcement, those or everyone
(core/alerts/audience.py). The recipients are read in keyset pages and each page is written to
the outbox at once, one message per subscriber and report (the dedup key), so a report
broadcast twice reaches nobody twice. Every message of one report or announcement carries its
``batch``, by which the console follows how far it went (core/alerts/progress.py).

Each send is two steps: the record (the outage, its numbered report, the announcement), in a
transaction the caller may widen to hold its own audit entry, then the pages of messages. The
repair's notices to those who asked (a watch, a linked ticket) are written in the record's
transaction, with ``repaired_at`` and under the outage's lock that ``watch_outage`` takes too:
a repair that is recorded has told them, and no watch is made after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.alerts import kinds
from core.alerts.audience import recipient_pages, resolve_audience
from core.alerts.due import DueAlert
from core.alerts.enums import OutageStage
from core.alerts.models import Outage, OutageWatch
from core.alerts.outbox import enqueue_many
from core.config import Settings
from core.errors import Conflict, NotFound
from core.inbox.models import Announcement
from core.ports import Clock
from core.tickets.models import Ticket


async def _refuse_a_second_open_outage(exchange_centre: str | None, plan_id: int | None) -> None:
    """One open outage per exchange centre or plan: a second would tell the same subscribers
    the same news again (a form sent twice, two staff at once); its progress goes on the first.
    Error: outage_already_open (Conflict), under the field that named the audience."""
    if exchange_centre is not None:
        found = await Outage.filter(
            exchange_centre=exchange_centre, repaired_at__isnull=True
        ).first()
        field = "exchange_centre"
    else:
        found = await Outage.filter(plan_id=plan_id, repaired_at__isnull=True).first()
        field = "plan_code"
    if found is not None:
        raise Conflict("outage_already_open", field=field, outage_id=found.id)


def outage_batch(outage_id: int, report: int) -> str:
    return f"outage:{outage_id}:{report}"


def announcement_batch(announcement_id: int) -> str:
    return f"announcement:{announcement_id}"


@dataclass(frozen=True, slots=True)
class OutageReport:
    """One report of an outage (its start, a progress report, its repair), numbered 1, 2..."""

    outage_id: int
    stage: OutageStage
    number: int
    exchange_centre: str | None
    plan_id: int | None
    estimated_repair_at: datetime | None
    # A repair: how many of those who asked were told in its transaction.
    told: int = 0

    @property
    def batch(self) -> str:
        return outage_batch(self.outage_id, self.number)


class Broadcasts:
    def __init__(self, settings: Settings, clock: Clock, page_size: int | None = None) -> None:
        self.clock = clock
        self.page_size = page_size or settings.alert_page_size

    # ---- outages ---------------------------------------------------------------------------

    async def start_outage(
        self,
        texts: dict[str, str],
        *,
        exchange_centre: str | None = None,
        plan_code: str | None = None,
        estimated_repair_at: datetime | None = None,
        force: bool = False,
    ) -> tuple[Outage, int]:
        """Record an outage and tell the subscribers it concerns; returns it and how many
        messages were written. A centre or plan nobody has is refused unless ``force``d."""
        report = await self.open_outage(
            texts,
            exchange_centre=exchange_centre,
            plan_code=plan_code,
            estimated_repair_at=estimated_repair_at,
            force=force,
        )
        written = await self.send_report(report, texts)
        return await Outage.get(id=report.outage_id), written

    async def report_progress(
        self,
        outage_id: int,
        texts: dict[str, str],
        *,
        estimated_repair_at: datetime | None = None,
    ) -> int:
        report = await self.next_report(
            outage_id, OutageStage.PROGRESS, estimated_repair_at=estimated_repair_at
        )
        return await self.send_report(report, texts)

    async def repaired(self, outage_id: int, texts: dict[str, str] | None = None) -> int:
        report = await self.next_report(outage_id, OutageStage.REPAIRED, texts=texts or {})
        return await self.send_report(report, texts or {})

    async def open_outage(
        self,
        texts: dict[str, str],
        *,
        exchange_centre: str | None = None,
        plan_code: str | None = None,
        estimated_repair_at: datetime | None = None,
        force: bool = False,
    ) -> OutageReport:
        """Record an outage and its first report (not sent yet: ``send_report``)."""
        if (exchange_centre is None) == (plan_code is None):
            raise ValueError("an outage names an exchange centre or a plan")
        now = self.clock.now()
        audience = await resolve_audience(exchange_centre, plan_code, force=force, now=now)
        await _refuse_a_second_open_outage(audience.exchange_centre, audience.plan_id)
        try:
            async with in_transaction():
                outage = await Outage.create(
                    exchange_centre=audience.exchange_centre,
                    plan_id=audience.plan_id,
                    texts=texts,
                    started_at=now,
                    estimated_repair_at=estimated_repair_at,
                    reports=1,
                )
        except IntegrityError:
            # The same outage opened at the same moment (a form sent twice): the indexes of
            # migration 0024 let one through.
            await _refuse_a_second_open_outage(audience.exchange_centre, audience.plan_id)
            raise
        return _report_of(outage, OutageStage.STARTED)

    async def next_report(
        self,
        outage_id: int,
        stage: OutageStage,
        *,
        estimated_repair_at: datetime | None = None,
        texts: dict[str, str] | None = None,
    ) -> OutageReport:
        """Number the outage's next report (progress, with a new estimated time of repair if
        given, or the repair), under the outage's lock: two operators' reports never share a
        number, and an outage is resolved once. A repair writes its notices (``texts``) to
        those who asked in the same transaction. Errors: outage_not_found,
        outage_already_resolved."""
        changes: dict[str, Any] = {}
        if stage is OutageStage.REPAIRED:
            changes["repaired_at"] = self.clock.now()
        elif estimated_repair_at is not None:
            changes["estimated_repair_at"] = estimated_repair_at
        async with in_transaction():
            outage = await Outage.select_for_update().get_or_none(id=outage_id)
            if outage is None:
                raise NotFound("outage_not_found", outage_id=outage_id)
            if outage.repaired_at is not None:
                raise Conflict("outage_already_resolved", outage_id=outage_id)
            changes["reports"] = outage.reports + 1
            await Outage.filter(id=outage_id).update(**changes)
            await outage.refresh_from_db()
            report = _report_of(outage, stage)
            if stage is OutageStage.REPAIRED:
                told = await self._tell_who_asked(report, _report_params(report, texts or {}))
                report = replace(report, told=told)
        return report

    async def send_report(self, report: OutageReport, texts: dict[str, str]) -> int:
        """Write the report's message for each subscriber it concerns; returns how many (with
        those a repair told in its own transaction, under the same keys: nobody twice)."""
        params = _report_params(report, texts)
        return report.told + await self._write_to(
            recipient_pages(
                report.exchange_centre,
                report.plan_id,
                everyone=False,
                page_size=self.page_size,
                now=self.clock.now(),
            ),
            kinds.OUTAGE,
            params,
            lambda sid: kinds.outage_key(sid, report.outage_id, report.stage, report.number),
            report.batch,
        )

    async def _tell_who_asked(self, report: OutageReport, params: dict[str, Any]) -> int:
        """The repair, to whoever asked to be told (core/support/connection.py) and to each
        subscriber of a ticket linked to the outage, whatever they muted; under the report's
        own key, so nobody is told twice."""
        asked: dict[int, dict[str, Any]] = {}
        for ticket in await Ticket.filter(
            outage_id=report.outage_id, subscriber_id__isnull=False
        ).order_by("id"):
            asked.setdefault(
                ticket.subscriber_id or 0, {"asked": "ticket", "ticket_number": ticket.number}
            )
        for watch in await OutageWatch.filter(outage_id=report.outage_id).order_by("id"):
            asked.setdefault(watch.subscriber_id, {"asked": "watch"})
        alerts = [
            DueAlert(
                sid,
                kinds.OUTAGE_REPAIRED,
                {**params, **extra},
                kinds.outage_key(sid, report.outage_id, report.stage, report.number),
                report.batch,
            )
            for sid, extra in asked.items()
        ]
        return len(await enqueue_many(alerts, self.clock.now())) if alerts else 0

    # ---- announcements ---------------------------------------------------------------------

    async def broadcast(
        self,
        texts: dict[str, str],
        *,
        exchange_centre: str | None = None,
        plan_code: str | None = None,
        force: bool = False,
    ) -> tuple[int, int]:
        """Write an announcement starting now (shown at each login) and send it to the
        subscribers it is chosen for; returns its id and how many messages were written. A
        centre or plan nobody has is refused unless ``force``d."""
        announcement_id = await self.record_announcement(
            texts, exchange_centre=exchange_centre, plan_code=plan_code, force=force
        )
        return announcement_id, await self.announce(announcement_id)

    async def record_announcement(
        self,
        texts: dict[str, str],
        *,
        exchange_centre: str | None = None,
        plan_code: str | None = None,
        force: bool = False,
    ) -> int:
        """Write an announcement starting now (not sent yet: ``announce``); returns its id."""
        now = self.clock.now()
        audience = await resolve_audience(exchange_centre, plan_code, force=force, now=now)
        announcement = await Announcement.create(
            texts=texts,
            plan_id=audience.plan_id,
            exchange_centre=audience.exchange_centre,
            starts_at=now,
        )
        return announcement.id

    async def announce(self, announcement_id: int) -> int:
        """Send an announcement to the subscribers it is chosen for (all, a plan, an exchange)."""
        announcement = await Announcement.get_or_none(id=announcement_id)
        if announcement is None:
            raise NotFound("announcement_not_found", announcement_id=announcement_id)
        # Whom it was chosen for: the notice's reason says so.
        if announcement.plan_id is not None:  # type: ignore[attr-defined]
            audience = "plan"
        elif announcement.exchange_centre is not None:
            audience = "exchange_centre"
        else:
            audience = "everyone"
        params = {
            "announcement_id": announcement.id,
            "texts": announcement.texts,
            "audience": audience,
        }
        return await self._write_to(
            recipient_pages(
                announcement.exchange_centre,
                announcement.plan_id,
                everyone=True,
                page_size=self.page_size,
                now=self.clock.now(),
            ),
            kinds.ANNOUNCEMENT,
            params,
            lambda sid: kinds.announcement_key(sid, announcement.id),
            announcement_batch(announcement.id),
        )

    async def _write_to(
        self,
        recipients: AsyncIterator[list[int]],
        kind: str,
        params: dict[str, Any],
        key: Callable[[int], str],
        batch: str,
    ) -> int:
        """The notice for each page of recipients, each once (its key); how many were new."""
        written = 0
        async for ids in recipients:
            page = [DueAlert(sid, kind, params, key(sid), batch) for sid in ids]
            written += len(await enqueue_many(page, self.clock.now()))
        return written


def _report_params(report: OutageReport, texts: dict[str, str]) -> dict[str, Any]:
    return {
        "outage_id": report.outage_id,
        "stage": str(report.stage),
        # Whom it concerns (the notice's reason says so): a plan's or a centre's lines.
        "audience": "plan" if report.plan_id is not None else "exchange_centre",
        "texts": texts,
        "estimated_repair_at": (
            report.estimated_repair_at.isoformat() if report.estimated_repair_at else None
        ),
    }


def _report_of(outage: Outage, stage: OutageStage) -> OutageReport:
    return OutageReport(
        outage_id=outage.id,
        stage=stage,
        number=outage.reports,
        exchange_centre=outage.exchange_centre,
        plan_id=outage.plan_id,
        estimated_repair_at=outage.estimated_repair_at,
    )

"""Outage reports and announcements, broadcast to the subscribers they concern.

An outage concerns the subscribers of one exchange centre (the building serving their line) or
those whose current service is one plan; an announcement, those or everyone. The recipients are
read in keyset pages and each page is written to the outbox at once, one message per subscriber
and report (the dedup key), so a report broadcast twice reaches nobody twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.alerts import kinds
from core.alerts.due import DueAlert, keyset_pages
from core.alerts.enums import OutageStage
from core.alerts.models import Outage
from core.alerts.outbox import enqueue_many
from core.alerts.queries import anyone_on_plan, centre_reach
from core.billing.models import Plan, Subscription
from core.billing.state import LIVE
from core.config import Settings
from core.errors import Conflict, InvalidInput, NotFound
from core.inbox.models import Announcement
from core.ports import Clock


class Broadcasts:
    def __init__(self, settings: Settings, clock: Clock, page_size: int | None = None) -> None:
        self.clock = clock
        self.page_size = page_size or settings.alert_page_size

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
        if (exchange_centre is None) == (plan_code is None):
            raise ValueError("an outage names an exchange centre or a plan")
        exchange_centre, plan = await self._audience(exchange_centre, plan_code, force)
        outage = await Outage.create(
            exchange_centre=exchange_centre,
            plan=plan,
            texts=texts,
            started_at=self.clock.now(),
            estimated_repair_at=estimated_repair_at,
        )
        return outage, await self._report(outage, OutageStage.STARTED, texts)

    async def report_progress(
        self,
        outage_id: int,
        texts: dict[str, str],
        *,
        estimated_repair_at: datetime | None = None,
    ) -> int:
        changes: dict[str, Any] = {}
        if estimated_repair_at is not None:
            changes["estimated_repair_at"] = estimated_repair_at
        outage = await self._outage(outage_id, **changes)
        return await self._report(outage, OutageStage.PROGRESS, texts)

    async def repaired(self, outage_id: int, texts: dict[str, str] | None = None) -> int:
        outage = await self._outage(outage_id, repaired_at=self.clock.now())
        return await self._report(outage, OutageStage.REPAIRED, texts or {})

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
        exchange_centre, plan = await self._audience(exchange_centre, plan_code, force)
        announcement = await Announcement.create(
            texts=texts, plan=plan, exchange_centre=exchange_centre, starts_at=self.clock.now()
        )
        return announcement.id, await self.announce(announcement.id)

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
        written = 0
        recipients = self._recipients(
            announcement.exchange_centre,
            announcement.plan_id,  # type: ignore[attr-defined]
        )
        async for ids in recipients:
            page = [
                DueAlert(
                    sid, kinds.ANNOUNCEMENT, params, kinds.announcement_key(sid, announcement.id)
                )
                for sid in ids
            ]
            written += len(await enqueue_many(page, self.clock.now()))
        return written

    async def _audience(
        self, exchange_centre: str | None, plan_code: str | None, force: bool
    ) -> tuple[str | None, Plan | None]:
        """The centre as the records spell it and the plan a report names. A centre or plan with
        no subscriber is almost always a typing mistake that would tell nobody, so it is refused
        as the field's error unless the operator insists (a forced centre is kept as typed)."""
        plan = None
        if plan_code is not None:
            plan = await Plan.get_or_none(code=plan_code)
            if plan is None:
                raise NotFound("plan_not_found", plan_code=plan_code)
            if not force and not await anyone_on_plan(plan_code, self.clock.now()):
                raise InvalidInput("no_subscriber_on_plan", field="plan_code")
        if exchange_centre is not None:
            reach = await centre_reach(exchange_centre)
            if reach.exchange_centre is not None:
                exchange_centre = reach.exchange_centre
            elif force:
                exchange_centre = " ".join(exchange_centre.split())
            else:
                raise InvalidInput("no_subscriber_at_exchange_centre", field="exchange_centre")
        return exchange_centre, plan

    async def _outage(self, outage_id: int, **changes: Any) -> Outage:
        async with in_transaction():
            outage = await Outage.select_for_update().get_or_none(id=outage_id)
            if outage is None:
                raise NotFound("outage_not_found", outage_id=outage_id)
            # Checked under the lock, so two operators cannot both resolve (or update) it.
            if outage.repaired_at is not None:
                raise Conflict("outage_already_resolved", outage_id=outage_id)
            if changes:
                await Outage.filter(id=outage_id).update(**changes)
                await outage.refresh_from_db()
        return outage

    async def _report(self, outage: Outage, stage: OutageStage, texts: dict[str, str]) -> int:
        # The report's number is taken atomically, so two operators' reports never share keys.
        async with in_transaction():
            locked = await Outage.select_for_update().get(id=outage.id)
            number = locked.reports + 1
            await Outage.filter(id=outage.id).update(reports=number)
        params = {
            "outage_id": outage.id,
            "stage": str(stage),
            # Whom it concerns (the notice's reason says so): a plan's or a centre's lines.
            "audience": "plan" if outage.plan_id is not None else "exchange_centre",  # type: ignore[attr-defined]
            "texts": texts,
            "estimated_repair_at": (
                outage.estimated_repair_at.isoformat() if outage.estimated_repair_at else None
            ),
        }
        written = 0
        recipients = self._recipients(
            outage.exchange_centre,
            outage.plan_id,  # type: ignore[attr-defined]
            everyone=False,
        )
        async for ids in recipients:
            page = [
                DueAlert(sid, kinds.OUTAGE, params, kinds.outage_key(sid, outage.id, stage, number))
                for sid in ids
            ]
            written += len(await enqueue_many(page, self.clock.now()))
        return written

    async def _recipients(
        self, exchange_centre: str | None, plan_id: int | None, *, everyone: bool = True
    ) -> AsyncIterator[list[int]]:
        """Pages of subscriber ids: those of the exchange centre, or on the plan now, or (with
        neither and ``everyone``) all subscribers whose line is not closed."""
        if plan_id is not None:
            now = self.clock.now()
            subscriptions = Subscription.filter(
                plan_id=plan_id, status__in=LIVE, starts_at__lte=now, ends_at__gt=now
            ).exclude(subscriber__line_status=LineStatus.CLOSED)
            async for rows in keyset_pages(subscriptions, self.page_size, "subscriber_id"):
                yield list(dict.fromkeys(row["subscriber_id"] for row in rows))
        elif exchange_centre is not None or everyone:
            subscribers = Subscriber.exclude(line_status=LineStatus.CLOSED)
            if exchange_centre is not None:
                subscribers = subscribers.filter(exchange_centre=exchange_centre)
            async for rows in keyset_pages(subscribers, self.page_size):
                yield [row["id"] for row in rows]

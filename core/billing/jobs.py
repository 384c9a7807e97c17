"""The periodic billing jobs: services starting and ending on time, campaigns' monthly traffic."""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.line_status import change_line_status
from core.billing import state
from core.billing.enums import BucketKind, SubscriptionSource, SubscriptionStatus
from core.billing.models import CampaignCharge, Subscription, TrafficBucket
from core.billing.subscriptions import lock_subscriber
from core.billing.units import mb_to_bytes
from core.errors import InvalidInput
from core.ports import Clock

CAMPAIGN_APPLIED = "applied"
CAMPAIGN_SKIPPED_LINE_CLOSED = "skipped_line_closed"
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class BillingJobs:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def run_campaign_charges(self, period: str) -> int:
        """Add each live campaign plan's monthly traffic, once per (subscriber, plan, period):
        the charge's unique constraint decides, so running the job twice charges nothing twice.
        Every charge is logged with its result. Returns how many were applied.

        Errors: invalid_period {period} (expected "YYYY-MM")."""
        if not isinstance(period, str) or not _PERIOD.match(period):
            raise InvalidInput("invalid_period", period=period)
        now = self.clock.now()
        # A free-charge window carries the last plan only to let the line connect: it earns
        # no campaign traffic (the free charge is 2 days / 100 MB, nothing more).
        subs = (
            await Subscription.filter(
                status__in=state.LIVE,
                starts_at__lte=now,
                ends_at__gt=now,
                plan__monthly_campaign_mb__gt=0,
            )
            .exclude(source=SubscriptionSource.FREE_CHARGE)
            .select_related("plan", "subscriber")
        )
        applied = 0
        for sub in subs:
            closed = sub.subscriber.line_status == LineStatus.CLOSED
            try:
                async with in_transaction():
                    await CampaignCharge.create(
                        subscriber_id=sub.subscriber.id,
                        plan=sub.plan,
                        period=period,
                        megabytes=0 if closed else sub.plan.monthly_campaign_mb,
                        result=CAMPAIGN_SKIPPED_LINE_CLOSED if closed else CAMPAIGN_APPLIED,
                        charged_at=now,
                    )
                    if not closed:
                        await TrafficBucket.create(
                            subscriber_id=sub.subscriber.id,
                            subscription=sub,
                            kind=BucketKind.CAMPAIGN,
                            total_bytes=mb_to_bytes(sub.plan.monthly_campaign_mb),
                            valid_from=now,
                            valid_until=sub.ends_at,
                        )
            except IntegrityError:
                continue  # already charged this period
            if not closed:
                applied += 1
        return applied

    async def end_expired_subscriptions(self) -> int:
        """The periodic job: services bought ahead start when their time comes, finished ones
        end, and a line whose service ran out with nothing after it goes to the collection list.
        Returns how many subscriptions ended."""
        now = self.clock.now()
        due = await Subscription.filter(status=SubscriptionStatus.RESERVED, starts_at__lte=now)
        for sub in due:
            await Subscription.filter(id=sub.id, status=SubscriptionStatus.RESERVED).update(
                status=SubscriptionStatus.ACTIVE
            )
        finished = await Subscription.filter(
            status=SubscriptionStatus.ACTIVE, ends_at__lte=now
        ).values_list("id", "subscriber_id")
        ended = 0
        subscriber_ids: set[int] = set()
        for sub_id, subscriber_id in finished:
            ended += await Subscription.filter(id=sub_id, status=SubscriptionStatus.ACTIVE).update(
                status=SubscriptionStatus.ENDED
            )
            subscriber_ids.add(subscriber_id)
        for subscriber_id in sorted(subscriber_ids):
            async with in_transaction():
                await lock_subscriber(subscriber_id)
                if await Subscription.exists(
                    subscriber_id=subscriber_id, status__in=state.LIVE, ends_at__gt=now
                ):
                    continue
                await change_line_status(
                    subscriber_id,
                    LineStatus.IN_COLLECTION_LIST,
                    "service_ended",
                    now,
                    only_from=LineStatus.IN_OPERATION,
                )
        return ended

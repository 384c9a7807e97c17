"""The staff console's subscriber page shows a paused service: until when, for how many days,
and the pauses of the last 12 months against the limit."""

from __future__ import annotations

from core.billing.enums import SubscriptionSource
from tests.core.test_billing_support import make_plans, make_subscriber


async def test_the_subscriber_page_shows_the_pause_in_force(console):
    await make_plans()
    subscriber = await make_subscriber()
    services = console.wiring.services
    await services.subscriptions.grant_service(
        subscriber.id, "year-2m", source=SubscriptionSource.ONLINE
    )
    await console.log_in("agent")
    path = f"/staff/subscribers/{subscriber.id}"
    page = await (await console.client.get(path)).text()
    assert "Paused until" not in page
    assert "Pauses in the last 12 months: 0 of 2" in page

    await services.pauses.pause(subscriber.id, 21)
    page = await (await console.client.get(path)).text()

    assert "Paused until" in page and "(21 days)" in page
    assert "Pauses in the last 12 months: 1 of 2" in page

""" "My service" of a subscriber whose service ran out reads the service's status once for its
text and the menu's "Free charge" under it; the menu of a turn that takes the charge reads it
anew."""

from __future__ import annotations

import dataclasses

import pytest

from bot.bootstrap import build_engine
from bot.dialogs.state import MemoryStateStore
from core.accounts.models import Subscriber
from core.billing.queries import BillingQueries
from core.billing.read_models import ServiceStatus, ServiceSummary
from tests.dialogs.test_flows_billing_support import give_service, logged_in, subscriber, use


class CountingQueries(BillingQueries):
    def __init__(self, queries: BillingQueries) -> None:
        super().__init__(queries.settings, queries.clock)
        self.statuses_read = 0

    async def status_of(self, subscriber: Subscriber) -> ServiceStatus:
        self.statuses_read += 1
        return await super().status_of(subscriber)

    async def service_summary(self, subscriber: Subscriber) -> ServiceSummary:
        """The status with the wallet and the postpaid mark (TurnReads reads it so)."""
        self.statuses_read += 1
        return await super().service_summary(subscriber)


@pytest.fixture
def counting(services):
    queries = CountingQueries(services.billing_queries)
    engine = build_engine(
        dataclasses.replace(services, billing_queries=queries), MemoryStateStore()
    )
    return queries, engine


async def test_my_service_reads_the_status_once_for_its_text_and_its_menu(
    counting, services, bot_settings
):
    queries, engine = counting
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await use(services, sara, "s1", 5 * 1024**3)
    chat = await logged_in(engine)
    queries.statuses_read = 0
    await chat.press("My service")
    assert "Your traffic has run out." in chat.text
    assert "Free charge" in chat.labels
    assert queries.statuses_read == 1


async def test_the_menu_after_taking_the_charge_reads_the_status_again(
    counting, services, bot_settings
):
    queries, engine = counting
    sara = await subscriber(bot_settings)
    await give_service(services, sara, days_ago=31)
    chat = await logged_in(engine)
    await chat.press("My service")  # lends the charge's availability to that turn's menu only
    assert "Free charge" in chat.labels
    await chat.press("Free charge")
    queries.statuses_read = 0
    await chat.press("Yes, take it")
    assert "You got 2 days and 100.00 MB" in chat.text
    assert "Free charge" not in chat.labels
    assert queries.statuses_read == 1  # the menu's own read, after the charge was taken
    await chat.press("My service")
    assert "Traffic left: 0.10 GB" in chat.text
    assert "Free charge" not in chat.labels

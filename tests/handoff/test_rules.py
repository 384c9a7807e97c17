"""The hand-off's plain rules: masking personal data, office hours, /extend, and the agent flow
and a new ticket outside office hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.billing.models import Subscription
from core.errors import DomainError, InvalidInput
from core.handoff.masking import mask_national_id, mask_phone
from core.handoff.office_hours import OfficeHours
from tests.conftest import NOW
from tests.dialogs.client import ChatClient
from tests.dialogs.test_flows_billing_support import give_service, subscriber

TEHRAN = ZoneInfo("Asia/Tehran")


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("+989121234567", "+98912***4567"),
        ("+6281298765432", "+62812****5432"),
        ("0912123456", "091***3456"),
        (None, "-"),
    ],
)
def test_a_mobile_shows_its_prefix_and_last_four_digits(phone, shown):
    assert mask_phone(phone) == shown


def test_a_national_id_shows_its_first_and_last_two_digits():
    assert mask_national_id("0013542419") == "00******19"
    assert mask_national_id("") == "-"


WEEK = ("sat", "sun", "mon", "tue", "wed")  # Thursday and Friday off


@pytest.mark.parametrize(
    ("now", "opening"),
    [
        # Tuesday 10:30 in Tehran: open.
        (NOW, None),
        # Tuesday 21:00 in Tehran: Wednesday 08:00.
        (datetime(2026, 11, 24, 17, 30, tzinfo=UTC), datetime(2026, 11, 25, 8, 0, tzinfo=TEHRAN)),
        # Wednesday 20:00 (closing time): Saturday 08:00, past the weekend.
        (datetime(2026, 11, 25, 16, 30, tzinfo=UTC), datetime(2026, 11, 28, 8, 0, tzinfo=TEHRAN)),
        # Tuesday 07:59: the same morning.
        (datetime(2026, 11, 24, 4, 29, tzinfo=UTC), datetime(2026, 11, 24, 8, 0, tzinfo=TEHRAN)),
    ],
)
def test_outside_office_hours_the_next_opening_is_in_the_isp_s_zone(now, opening):
    hours = OfficeHours.parse("08:00-20:00", WEEK, TEHRAN)
    assert hours is not None
    assert hours.next_opening(now) == opening


def test_office_hours_that_cannot_be_kept_are_refused():
    assert OfficeHours.parse(None, WEEK, TEHRAN) is None
    with pytest.raises(ValueError, match="close before they open"):
        OfficeHours.parse("20:00-08:00", WEEK, TEHRAN)
    with pytest.raises(ValueError, match="office days"):
        OfficeHours.parse("08:00-20:00", ("someday",), TEHRAN)


async def test_extend_adds_days_to_the_service_in_force(services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)  # 30 days from 10 days ago
    before = await Subscription.get(subscriber_id=sara.id)
    extended = await services.subscriptions.extend_service(sara.id, 3)
    assert extended.ends_at == before.ends_at + timedelta(days=3)
    status = await services.billing_queries.service_status(sara.id)
    assert status.remaining_days == 23
    with pytest.raises(InvalidInput, match="invalid_days"):
        await services.subscriptions.extend_service(sara.id, 0)


async def test_extend_needs_a_service_in_force(services, bot_settings):
    sara = await subscriber(bot_settings)
    with pytest.raises(DomainError, match="no_service_in_force"):
        await services.subscriptions.extend_service(sara.id, 3)


@pytest.fixture
def bot_settings(bot_settings):
    return bot_settings.model_copy(update={"office_hours": "16:00-20:00"})


async def test_outside_office_hours_the_subscriber_is_told_when_to_expect_an_answer(
    engine, bot_settings
):
    await subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")
    await chat.send("agent")
    await chat.send("The line is dead since this morning")
    # NOW is 10:30 in Tehran: the agents start at 16:00 (the subscriber's zone, Tehran).
    assert "Our agents are away now" in chat.text
    assert "from Nov 24, 2026, 4:00" in chat.text


async def test_a_ticket_opened_outside_office_hours_says_when_to_expect_an_answer(
    engine, bot_settings, clock
):
    await subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")

    async def open_ticket(subject: str) -> str:
        await chat.press("Support tickets")
        await chat.press("New ticket")
        await chat.press("Technical support")
        await chat.press("Medium")
        await chat.send(subject)
        await chat.send("The modem's lights are red.")
        await chat.press("Done, no files")
        return chat.text

    # NOW is 10:30 in Tehran, before the 16:00 opening: the same afternoon.
    said = await open_ticket("No Internet")
    assert "Your ticket is open." in said and "Our agents are away now" in said
    assert "will answer you here from Nov 24, 2026, 4:00" in said
    clock.advance(timedelta(hours=6))  # 16:30: the agents are in
    said = await open_ticket("Still no Internet")
    assert "Our agents are away now" not in said
    assert "We will answer you here, and you can follow it in Support tickets." in said

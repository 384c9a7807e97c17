"""SMS: PAUSE <days> pauses the service at once (PAUSE alone says the limits and the fee),
RESUME resumes it early; in fa, id and en, each answer within two SMS parts."""

# The fixtures come from tests/fakes_twilio.py; pytest passes them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta

import pytest

from core.billing.enums import OrderKind
from core.billing.models import ServicePause, Subscription
from tests.dialogs.test_flows_billing_support import give_service, subscriber
from tests.fakes_twilio import (  # noqa: F401  (fixtures)
    TwilioWebhooks,
    twilio_app,
    twilio_fake,
    twilio_settings,
)
from tests.handlers.test_sms_keywords import ask, assert_fits


@pytest.fixture
def bot_settings(twilio_fake):
    return twilio_settings(twilio_fake)


async def test_pause_and_resume_by_sms(twilio_app, services, bot_settings, clock):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    before = await Subscription.get(subscriber_id=sara.id)

    limits = await ask(twilio_app, "PAUSE")
    assert limits.startswith("Send PAUSE and the days (7 to 60), e.g. PAUSE 7.")
    assert limits.endswith("Pausing is free.")  # not "free, from your wallet"
    too_short = await ask(twilio_app, "pause 3")
    assert too_short == "A pause is at least 7 days. Please choose more days."
    paused = await ask(twilio_app, "PAUSE 14")
    assert paused.startswith("Paused until ") and "Send RESUME to resume earlier." in paused
    again = await ask(twilio_app, "PAUSE 14")
    assert again.startswith("Your service is already paused until ")
    assert await ServicePause.all().count() == 1

    clock.advance(timedelta(days=2))
    resumed = await ask(twilio_app, "resume")
    assert resumed.startswith("Your service runs again; it now ends on ")
    assert (await Subscription.get(id=before.id)).ends_at == before.ends_at + timedelta(days=2)
    assert await ask(twilio_app, "RESUME") == "Your service is not paused."
    for text in (limits, too_short, paused, again, resumed):
        assert_fits(text)


async def test_the_indonesian_and_persian_words_pause_too(twilio_app, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await ask(twilio_app, "JEDA 7")
    assert await ServicePause.filter(subscriber_id=sara.id).count() == 1
    await ask(twilio_app, "LANJUT")
    await ask(twilio_app, "تعلیق ۱۰")  # Persian digits
    pauses = await ServicePause.filter(subscriber_id=sara.id).order_by("id")
    assert [p.days for p in pauses] == [7, 10]
    assert (await ask(twilio_app, "ادامه")).startswith("سرویس شما")


@pytest.mark.parametrize(
    ("text", "days"),
    [("PAUSE 8 weeks", 56), ("jeda 2 Minggu", 14), ("تعلیق ۲ هفته", 14), ("PAUSE 10 days", 10)],
)
async def test_a_length_in_weeks_or_days_pauses_that_many_days(
    twilio_app, services, bot_settings, text, days
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await ask(twilio_app, text)
    [pause] = await ServicePause.filter(subscriber_id=sara.id)
    assert pause.days == days


@pytest.mark.parametrize("text", ["PAUSE 2 months", "PAUSE 14 please", "PAUSE 7 8", "PAUSE two"])
async def test_anything_but_a_length_gets_the_limits_and_pauses_nothing(
    twilio_app, services, bot_settings, text
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    answer = await ask(twilio_app, text)
    assert answer.startswith("Send PAUSE and the days (7 to 60), e.g. PAUSE 7."), answer
    assert await ServicePause.filter(subscriber_id=sara.id).count() == 0


async def test_an_order_for_the_service_waiting_for_payment_holds_an_sms_pause(
    twilio_app, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    order = await services.orders.place_order(sara.id, OrderKind.RENEW_SERVICE, "std-1m")

    answer = await ask(twilio_app, "PAUSE 14")

    assert answer.startswith(f"Order {order.tracking_number} for your service waits for its")
    assert_fits(answer)
    persian = await ask(twilio_app, "تعلیق ۱۴")
    assert persian.startswith("سفارش ") and "در انتظار پرداخت" in persian
    assert_fits(persian)
    assert await ServicePause.filter(subscriber_id=sara.id).count() == 0

"""Inbound limits on WhatsApp and SMS: over ISPBOT_INBOUND_PER_NUMBER_PER_MINUTE from a number,
or ISPBOT_INBOUND_PER_MINUTE from all numbers on a channel, a signed message is answered with an
empty TwiML (200: Twilio does not retry), nothing is sent, and it is counted."""

# The fixtures come from tests/fakes_twilio.py; pytest passes them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.dialogs.state import MemoryStateStore
from bot.handlers.twilio_webhooks import EMPTY_TWIML
from tests.conftest import REDIS_TEST_URL
from tests.dialogs.test_flows_billing_support import subscriber
from tests.dialogs.test_state import redis_prefix  # noqa: F401  (fixtures)
from tests.fakes_twilio import (  # noqa: F401  (fixtures)
    TwilioWebhooks,
    twilio_fake,
    twilio_settings,
)

MOBILE = "+989121234567"
OTHER_MOBILE = "+989121234568"
STRANGER = "+6281234567890"
PER_NUMBER = 3
TOTAL = 5


@pytest.fixture
def bot_settings(twilio_fake):
    return twilio_settings(
        twilio_fake, inbound_per_number_per_minute=PER_NUMBER, inbound_per_minute=TOTAL
    )


async def serve(services, twilio_fake, settings=None):
    wiring = bootstrap(settings or services.settings, services=services, store=MemoryStateStore())
    client = TestClient(TestServer(init_app(wiring, manage_database=False)))
    await client.start_server()
    return wiring, TwilioWebhooks(client, twilio_fake)


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
async def test_over_the_limit_a_number_gets_nothing_and_others_are_unaffected(
    services, twilio_fake, bot_settings, channel
):
    await subscriber(bot_settings)
    wiring, app = await serve(services, twilio_fake)
    send = app.sms if channel == "sms" else app.whatsapp
    try:
        for _ in range(PER_NUMBER):
            await send(MOBILE, "HELP")
        answered = len(twilio_fake.to(MOBILE, channel))
        assert answered >= PER_NUMBER  # WhatsApp's answer may be several messages
        for _ in range(4):
            response = await send(MOBILE, "HELP")
            assert await response.text() == EMPTY_TWIML
        assert len(twilio_fake.to(MOBILE, channel)) == answered
        await send(OTHER_MOBILE, "HELP")  # another number has its own allowance
        assert twilio_fake.to(OTHER_MOBILE, channel)
    finally:
        await app.client.close()
    assert wiring.metrics.inbound_refused.labels(channel)._value.get() == 4


async def test_all_numbers_together_are_limited_per_channel(services, twilio_fake, bot_settings):
    await subscriber(bot_settings)
    wiring, app = await serve(services, twilio_fake)
    numbers = [f"+62812345678{n:02d}" for n in range(TOTAL + 3)]
    try:
        for number in numbers:
            await app.sms(number, "HELP")
        answered = [number for number in numbers if twilio_fake.to(number, "sms")]
        assert answered == numbers[:TOTAL]
        await app.whatsapp(MOBILE, "hi")  # WhatsApp's total is its own
        assert len(twilio_fake.to(MOBILE, "whatsapp")) == 1
    finally:
        await app.client.close()
    assert wiring.metrics.inbound_refused.labels("sms")._value.get() == 3


async def test_processes_sharing_redis_share_the_limit(
    services, twilio_fake, bot_settings, redis_prefix
):
    """With Redis the buckets are bot/pacing.py's, in Redis: two processes count together."""
    await subscriber(bot_settings)
    settings = bot_settings.model_copy(
        update={"redis_url": REDIS_TEST_URL, "redis_prefix": redis_prefix}
    )
    served = [await serve(services, twilio_fake, settings) for _ in range(2)]
    try:
        assert all(wiring.pacing is not None for wiring, _ in served)
        for n in range(PER_NUMBER + 3):
            await served[n % 2][1].sms(MOBILE, "HELP")
    finally:
        for wiring, app in served:
            await app.client.close()
            await wiring.close_clients()
    assert len(twilio_fake.to(MOBILE, "sms")) == PER_NUMBER
    refused = sum(w.metrics.inbound_refused.labels("sms")._value.get() for w, _ in served)
    assert refused == 3

"""Twilio's webhooks: the signature is checked over the public URL, a redelivered MessageSid is
handled once, status callbacks are recorded, Twilio's errors are survived."""

# The fixtures come from tests/fakes_twilio.py; pytest passes them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.twilio_messages import TwilioSmsSender
from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.dialogs.contract import Reply
from bot.handlers.twilio_webhooks import SENDERS_KEY, STATUSES_KEY
from core.accounts.models import ChatIdentity
from tests.dialogs.test_flows_billing_support import subscriber
from tests.dialogs.test_state import redis_prefix, redis_stores  # noqa: F401  (fixtures)
from tests.fakes_twilio import (  # noqa: F401  (fixtures)
    PUBLIC_URL,
    SMS_FROM,
    TwilioWebhooks,
    twilio_app,
    twilio_fake,
    twilio_settings,
    twilio_signature,
)

MOBILE = "+989121234567"


@pytest.fixture
def bot_settings(twilio_fake):
    return twilio_settings(twilio_fake)


def inbound(body: str = "HELP", sid: str = "SM" + "1" * 32) -> dict[str, str]:
    return {"MessageSid": sid, "From": MOBILE, "To": SMS_FROM, "Body": body, "NumMedia": "0"}


@pytest.mark.parametrize(
    "forge",
    [
        lambda fake, params: "",  # no signature at all
        lambda fake, params: twilio_signature("not-the-token", PUBLIC_URL + "/twilio/sms", params),
        # Signed for the address the server listens on, not the public one Twilio called.
        lambda fake, params: fake.sign("http://127.0.0.1/twilio/sms", params),
        # A parameter changed after signing.
        lambda fake, params: fake.sign(PUBLIC_URL + "/twilio/sms", {**params, "Body": "BUY"}),
    ],
)
async def test_a_forged_or_missing_signature_gets_403_and_touches_nothing(
    twilio_app, bot_settings, forge
):
    await subscriber(bot_settings)
    params = inbound()
    response = await twilio_app.post(
        "/twilio/sms", params, signature=forge(twilio_app.fake, params)
    )
    assert response.status == 403
    assert twilio_app.fake.messages == []
    assert await ChatIdentity.all().count() == 0
    # The same request, rightly signed, is answered.
    response = await twilio_app.post("/twilio/sms", params)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    assert len(twilio_app.fake.to(MOBILE)) == 1


BROKEN_MULTIPART = (
    b'--b\r\nContent-Disposition: form-data; name="Body"\r\n\r\nHELP\r\n--b-garbage',
    "multipart/form-data; boundary=b",
)


@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/whatsapp", "/twilio/status"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"From=%2B989121234567&Body=\xff\xfe", "application/x-www-form-urlencoded"),
        (b"From=%2B989121234567&Body=%ED%A0%80", "application/x-www-form-urlencoded"),
        (b"From=%2B989121234567&Body=%FF", "application/x-www-form-urlencoded"),
        BROKEN_MULTIPART,
        (b"--b\r\n\xff\r\n", "multipart/form-data"),
        (b'{"From": "+989121234567"}', "application/json"),
    ],
)
async def test_a_body_that_is_no_utf8_form_gets_400_and_touches_nothing(
    twilio_app, bot_settings, path, body, content_type
):
    await subscriber(bot_settings)
    headers = {"Content-Type": content_type, "X-Twilio-Signature": "c2lnbmVk"}
    response = await twilio_app.client.post(path, data=body, headers=headers)
    assert response.status == 400
    # Unsigned, it is the 403 of any unsigned request, still read no further.
    del headers["X-Twilio-Signature"]
    assert (await twilio_app.client.post(path, data=body, headers=headers)).status == 403
    assert twilio_app.fake.messages == []
    assert await ChatIdentity.all().count() == 0


async def test_a_redelivered_message_sid_is_answered_once(twilio_app, bot_settings):
    await subscriber(bot_settings)
    for _ in range(3):
        await twilio_app.sms(MOBILE, "TICKET no internet", sid="SM" + "7" * 32)
    assert len(twilio_app.fake.to(MOBILE)) == 1
    await twilio_app.whatsapp("+447700900123", "hi", sid="SM" + "8" * 32)
    await twilio_app.whatsapp("+447700900123", "hi", sid="SM" + "8" * 32)
    assert len(twilio_app.fake.to("+447700900123")) == 1


async def test_status_callbacks_are_recorded_and_signed(twilio_app, bot_settings):
    await subscriber(bot_settings)
    await twilio_app.sms(MOBILE, "HELP")
    [sent] = twilio_app.fake.messages
    assert sent.status_callback == PUBLIC_URL + "/twilio/status"
    assert sent.from_ == SMS_FROM and sent.to == MOBILE
    for status in ("queued", "sent", "delivered"):
        params = {"MessageSid": sent.sid, "MessageStatus": status, "To": MOBILE}
        response = await twilio_app.post("/twilio/status", params)
        assert response.status == 204
    forged = {"MessageSid": sent.sid, "MessageStatus": "failed", "To": MOBILE}
    assert (await twilio_app.post("/twilio/status", forged, signature="bad")).status == 403
    statuses = twilio_app.client.app[STATUSES_KEY]
    record = await statuses.of(sent.sid)
    assert record["status"] == "delivered"
    assert record["history"] == ["queued", "sent", "delivered"]

    failed = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    await twilio_app.post("/twilio/status", {**failed, "To": MOBILE})
    assert (await statuses.of("SM" + "9" * 32))["error"] == "30005"


async def test_twilio_errors_are_survived_and_a_carrier_stop_is_respected(twilio_app, bot_settings):
    await subscriber(bot_settings)
    sms = twilio_app.client.app[SENDERS_KEY]["sms"]
    twilio_app.fake.fail_next(code=30001, status=429, message="Queue overflow")
    await twilio_app.sms(MOBILE, "HELP")  # the answer is refused: the webhook still says 200
    assert twilio_app.fake.messages == []
    assert await sms.send(MOBILE, [Reply("alert")]) is True

    twilio_app.fake.refuse(MOBILE, 21610, message="Attempt to send to unsubscribed recipient")
    assert await sms.send(MOBILE, [Reply("alert")]) is False
    assert (await ChatIdentity.get(channel="sms", external_id=MOBILE)).opted_out


async def test_password_reset_sms_goes_through_twilio(twilio_fake, bot_settings):
    await TwilioSmsSender(bot_settings).send_sms(MOBILE, "Your new panel password is: x")
    [sent] = twilio_fake.messages
    assert (sent.to, sent.from_, sent.body) == (MOBILE, SMS_FROM, "Your new panel password is: x")


async def test_two_processes_sharing_redis_answer_a_message_sid_once(
    services,
    twilio_fake,
    redis_stores,
):
    """Twilio retries a slow webhook; behind a load balancer the retry may reach another
    process. The MessageSid is remembered in Redis, so only one of them answers."""
    await subscriber(services.settings)
    apps = []
    for _ in range(2):
        app = init_app(
            bootstrap(services.settings, services=services, store=redis_stores()),
            manage_database=False,
        )
        client = TestClient(TestServer(app))
        await client.start_server()
        apps.append(TwilioWebhooks(client, twilio_fake))
    try:
        for app in apps:
            await app.sms(MOBILE, "HELP", sid="SM" + "5" * 32)
    finally:
        for app in apps:
            await app.client.close()
    assert len(twilio_fake.to(MOBILE)) == 1


async def test_with_redis_down_a_signed_sms_is_still_answered_and_counted(
    services, twilio_fake, bot_settings
):
    """Twilio does not retry an inbound message that got a 5xx: with the store of handled
    MessageSids down, the SMS is answered without that check, logged and counted."""
    from bot.dialogs.state import RedisStateStore

    await subscriber(services.settings)
    down = RedisStateStore.from_url("redis://127.0.0.1:9/0")  # the discard port: refused
    wiring = bootstrap(services.settings, services=services, store=down)
    app = init_app(wiring, manage_database=False)
    async with TestClient(TestServer(app)) as client:
        webhooks = TwilioWebhooks(client, twilio_fake)
        await webhooks.sms(MOBILE, "HELP")
        await webhooks.whatsapp("+447700900123", "hi")
    assert len(twilio_fake.to(MOBILE)) == 1
    # WhatsApp's dialog keeps its state in the same store: the person is told to try again.
    assert len(twilio_fake.to("+447700900123")) == 1
    counted = wiring.metrics.unguarded_deliveries
    assert counted.labels("sms")._value.get() == 1
    assert counted.labels("whatsapp")._value.get() == 1

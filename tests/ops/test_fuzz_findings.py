"""What the fuzz of the public routes found (issue 19), one regression test each, named after
it, on the fuzz's own app (PostgreSQL, every channel and provider configured)."""

from __future__ import annotations

import json

from bot.dialogs.contract import Attachment
from bot.handlers.files import link_signature
from bot.handlers.webchat import COOKIE
from bot.payments.stripe import signature_header
from core.billing.enums import OrderStatus
from tests.fakes_twilio import PUBLIC_URL, twilio_signature
from tests.ops.fuzz_app import FILE_LINK_SECRET, FuzzClient
from tests.ops.fuzz_strategies import query


async def signed_twilio(app: FuzzClient, path: str, params: dict[str, str]) -> tuple[int, bytes]:
    assert app.fakes is not None
    signature = twilio_signature(app.fakes.twilio.auth_token, PUBLIC_URL + path, params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }
    return await app.send(
        f"POST {path} (regression)",
        "POST",
        path,
        data=query(list(params.items())).encode(),
        headers=headers,
    )


async def test_fuzz_a_signed_twilio_form_with_a_nul_is_a_400_not_a_logged_error(production_app):
    # Before: the NUL reached PostgreSQL, the SMS keyword logged a traceback and WhatsApp 500.
    for path in ("/twilio/sms", "/twilio/whatsapp", "/twilio/status"):
        for params in (
            {"From": "+989121234567\x00", "Body": "HELP", "MessageSid": "SM1"},
            {"From": "+989121234567", "Body": "HE\x00LP", "MessageSid": "SM2"},
            {"From": "+989121234567", "Body": "HELP", "MessageSid": "SM\x00", "MessageStatus": ""},
        ):
            status, body = await signed_twilio(production_app, path, params)
            assert status == 400 and b"NUL" in body, (path, params)
    assert production_app.fakes.twilio.messages == []


async def test_fuzz_a_signed_message_from_what_is_no_phone_number_is_a_400(production_app):
    # Before: a From longer than a chat id's column was PostgreSQL's error, logged or a 500.
    for path, prefix in (("/twilio/sms", ""), ("/twilio/whatsapp", "whatsapp:")):
        for sender in ("A" * 300, "", "+98 912 123", "whatsapp:+989121234567" * 8, "٩٨٩١٢"):
            params = {"From": prefix + sender, "Body": "HELP", "MessageSid": "SM" + "3" * 32}
            status, body = await signed_twilio(production_app, path, params)
            assert status == 400 and b"not a phone number" in body, (path, sender)
    assert production_app.fakes.twilio.messages == []


async def test_fuzz_a_static_file_name_too_long_for_the_disk_is_a_404(production_app):
    # Before: aiohttp's static route asked the file system, whose ENAMETOOLONG was a 500.
    for name in ("A" * 300, "%00", "..%2F..%2Fpyproject.toml", "chat.css%00"):
        status, _ = await production_app.send(
            "GET /static/{name} (regression)", "GET", f"/static/{name}"
        )
        assert status == 404, name
    status, body = await production_app.send("GET /static/{name}", "GET", "/static/chat.css")
    assert status == 200 and body


async def test_fuzz_a_file_named_with_a_brace_is_served_by_its_link(production_app):
    # Before: aiohttp's route left braces out of {name}, so the link was a 404.
    for name in ("{", "}", "report {2026}.pdf"):
        url = await production_app.links.url(Attachment(name, "application/pdf", b"%PDF"))
        status, body = await production_app.send(
            "GET /files/{key}/{name} (regression)", "GET", url.removeprefix(PUBLIC_URL)
        )
        assert (status, body) == (200, b"%PDF"), name


async def test_fuzz_the_sandbox_pay_page_refuses_an_odd_reference_and_a_broken_form(demo_app):
    # Before: a reference over 128 characters was tortoise's ValidationError, and a broken
    # multipart body aiohttp's ValueError, both a 500.
    for reference in ("9" * 129, "A" * 300, "%00"):
        for method in ("GET", "POST"):
            status, body = await demo_app.send(
                f"{method} /payments/sandbox/pay/{{reference}} (regression)",
                method,
                f"/payments/sandbox/pay/{reference}",
            )
            assert status == 404 and b"not valid" in body, (method, reference)
    real = demo_app.orders["IRR"].gateway_ref
    for body, content_type in (
        (
            b'--b\r\nContent-Disposition: form-data; name="action"\r\n\r\npay\r\n--b-x',
            "multipart/form-data; boundary=b",
        ),
        (b"action=pay", "multipart/form-data"),
    ):
        status, page = await demo_app.send(
            "POST /payments/sandbox/pay/{reference} (regression)",
            "POST",
            f"/payments/sandbox/pay/{real}",
            data=body,
            headers={"Content-Type": content_type},
        )
        assert status == 400, (content_type, page)
    assert (
        await demo_app.services.billing_queries.order_by_gateway_ref("sandbox", real)
    ).status == OrderStatus.PENDING


async def test_fuzz_a_web_chat_cookie_the_page_did_not_set_is_refused(production_app):
    # Before: a cookie over 128 characters became the chat's id: the engine logged a
    # traceback ("turn failed before its flow ran") and the socket closed.
    for cookie in ("A" * 129, "short", "a b c d e f g h i j", "x" * 16 + "%00"):
        production_app.client.session.cookie_jar.clear()
        response = await production_app.client.get("/ws", headers={"Cookie": f"{COOKIE}={cookie}"})
        assert response.status == 400, cookie
        page = await production_app.client.get("/", headers={"Cookie": f"{COOKIE}={cookie}"})
        assert COOKIE in page.cookies, cookie  # the page sets one of its own
    assert not production_app.errors.records, production_app.errors.told()


async def test_fuzz_a_number_of_thousands_of_digits_is_no_number(production_app):
    # Before: int() refuses more than 4300 digits with a ValueError: a signed WhatsApp
    # message's NumMedia and a file link's expiry were 500s.
    digits = "9" * 5000
    params = {
        "From": "whatsapp:+447700900123",
        "Body": "hi",
        "NumMedia": digits,
        "MessageSid": "SM9",
    }
    status, _ = await signed_twilio(production_app, "/twilio/whatsapp", params)
    assert status == 200
    status, _ = await production_app.send(
        "GET /files/{key}/{name} (regression)", "GET", f"/files/abc/a.pdf?t=x&e={digits}&s=x"
    )
    assert status == 403


async def test_fuzz_a_signed_stripe_event_naming_no_session_id_is_ignored(production_app):
    # Before: the session's "id" was turned into text whatever it was (a list, 300 characters)
    # and reached the query: tortoise's ValidationError, a 500.
    stripe = production_app.fakes.stripe
    order = production_app.orders["USD"]
    stripe.complete(order.gateway_ref)
    at = int(production_app.services.clock.now().timestamp())
    event = json.loads(stripe.event(order.gateway_ref, at)[0])
    for odd in ([{}, ["x" * 200]], "cs_" + "x" * 300, None, 7, "cs_\x00"):
        event["id"] = f"evt_{odd!r}"[:40]
        event["data"]["object"]["id"] = odd
        payload = json.dumps(event).encode()
        status, body = await production_app.send(
            "POST /payments/stripe/webhook (regression)",
            "POST",
            "/payments/stripe/webhook",
            data=payload,
            headers={"Stripe-Signature": signature_header(payload, stripe.webhook_secret, at)},
        )
        assert (status, json.loads(body)) == (200, {"status": "ignored"}), odd
    view = await production_app.services.billing_queries.order_by_gateway_ref(
        "stripe", order.gateway_ref
    )
    assert view is not None and view.status == OrderStatus.PENDING


async def test_fuzz_a_signed_file_link_of_a_type_with_a_line_break_is_refused(production_app):
    # Before: the type went into Content-Type as signed, and aiohttp refused to write the
    # header: the connection dropped (a 500 logged).
    key = await production_app.services.files.put(b"%PDF", "application/pdf", "a.pdf")
    for content_type in ("text/html\r\nSet-Cookie: a=b", "application/pdf\n", "a/b\x00"):
        signature = link_signature(FILE_LINK_SECRET.encode(), key, 2**40, content_type, "a.pdf")
        params = [("t", content_type), ("e", str(2**40)), ("s", signature)]
        status, _ = await production_app.send(
            "GET /files/{key}/{name} (regression)", "GET", f"/files/{key}/a.pdf?{query(params)}"
        )
        assert status == 403, content_type

"""What the fuzz of the public routes found (issue 19), one regression test each, named after
it, on the fuzz's own app (PostgreSQL, every channel and provider configured)."""

from __future__ import annotations

from tests.fakes_twilio import PUBLIC_URL, twilio_signature
from tests.ops.fuzz_app import FuzzClient
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

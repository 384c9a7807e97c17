"""Telegram's and Twilio's webhooks fuzzed (issue 19): any body, any content type, any header,
unsigned and rightly signed, never a 5xx or a logged error, and a refused request changes
nothing (tests/ops/fuzz_app.py holds the checks)."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.handlers.telegram.webhook import PATH as TELEGRAM_PATH
from bot.handlers.telegram.webhook import SECRET_HEADER
from tests.fakes_telegram import (
    blocked_update,
    callback_update,
    contact_update,
    document_update,
    message_update,
    photo_update,
    topic_message_update,
)
from tests.fakes_twilio import PUBLIC_URL, SMS_FROM, twilio_signature
from tests.ops.fuzz_app import (
    AGENT_CHAT_ID,
    AGENT_ID,
    BUYERS,
    TELEGRAM_SECRET,
    fuzz_settings,
)
from tests.ops.fuzz_strategies import (
    header_value,
    json_bytes,
    odd_numbers,
    odd_text,
    query,
    raw_bodies,
    spoiled,
    wire,
)

SARA = 4242
# The agents' commands, each with an argument of any kind (tests/handoff knows their effects).
AGENT_COMMANDS = (
    "/close", "/done", "/priority", "/department", "/assign", "/note", "/info", "/freecharge",
    "/extend",
)  # fmt: skip
UPDATES = (
    message_update(SARA, "hello"),
    message_update(SARA, "/start"),
    callback_update(SARA, "menu:status", message_id=1000),
    contact_update(SARA, "+989121234567"),
    document_update(SARA, "doc-1", "bill.pdf", "application/pdf", 2048),
    photo_update(SARA, "photo-1", 4096, caption="my modem"),
    topic_message_update(AGENT_CHAT_ID, 70, AGENT_ID, "/extend 3"),
    blocked_update(SARA),
)
_update_ids = itertools.count(10_000_000)


def fresh(update: Any) -> Any:
    """The update under an id not handled before (Telegram's redelivery is handled once)."""
    if isinstance(update, dict) and isinstance(update.get("update_id"), int):
        update["update_id"] = next(_update_ids)
    return update


def texts() -> st.SearchStrategy[str]:
    """What a person or an agent might type: odd text alone, or after a command."""
    return st.one_of(
        odd_text,
        st.builds(lambda c, t: f"{c} {t}", st.sampled_from(AGENT_COMMANDS), odd_text),
        st.builds(lambda c, n: f"{c} {n}", st.sampled_from(AGENT_COMMANDS), odd_numbers),
    )


def typed(update: dict, text: str) -> dict:
    update = fresh(dict(update))
    kind = "message" if "message" in update else "callback_query"
    inner = dict(update[kind])
    inner["data" if kind == "callback_query" else "text"] = text
    update[kind] = inner
    return update


# ---- Telegram ----------------------------------------------------------------------------------


@fuzz_settings
@given(body=raw_bodies, secret=st.one_of(st.none(), odd_text))
async def test_telegram_without_the_secret_refuses_anything_and_changes_nothing(
    production_app, body, secret
):
    data, content_type = body
    headers = {"Content-Type": content_type}
    if secret is not None and secret != TELEGRAM_SECRET:
        headers[SECRET_HEADER] = header_value(secret)
    status, _ = await production_app.send(
        "POST /telegram/webhook (no secret)", "POST", TELEGRAM_PATH, data=data, headers=headers
    )
    assert status == 403


@fuzz_settings
@given(body=raw_bodies)
async def test_telegram_with_the_secret_takes_any_body(production_app, body):
    data, content_type = body
    headers = {"Content-Type": content_type, SECRET_HEADER: TELEGRAM_SECRET}
    await production_app.send(
        "POST /telegram/webhook (raw body)", "POST", TELEGRAM_PATH, data=data, headers=headers
    )


@fuzz_settings
@given(
    update=st.one_of(
        *(spoiled(update).map(fresh) for update in UPDATES),
        st.builds(typed, st.sampled_from(UPDATES[:3] + UPDATES[6:7]), texts()),
    )
)
async def test_telegram_updates_with_odd_fields_are_answered_or_ignored(production_app, update):
    headers = {"Content-Type": "application/json", SECRET_HEADER: TELEGRAM_SECRET}
    status, _ = await production_app.send(
        "POST /telegram/webhook (update)",
        "POST",
        TELEGRAM_PATH,
        data=json_bytes(update),
        headers=headers,
    )
    assert status == 200


# ---- Twilio ------------------------------------------------------------------------------------

TWILIO_PATHS = ("/twilio/sms", "/twilio/whatsapp", "/twilio/status")
# The parameters Twilio posts, each given any value; a placeholder for the fake's own address,
# so that a media URL may point under it (where the app sends the account's credentials).
TWILIO_BASE = "{twilio}"
PARAMETERS = (
    "MessageSid", "From", "To", "Body", "NumMedia", "MediaUrl0", "MediaContentType0",
    "MessageStatus", "ErrorCode", "AccountSid", "ProfileName",
)  # fmt: skip
MOBILES = [mobile for _, mobile, _ in BUYERS.values()]


def twilio_values(name: str) -> st.SearchStrategy[str]:
    good = {
        "From": st.sampled_from([*MOBILES, *(f"whatsapp:{m}" for m in MOBILES)]),
        "To": st.just(SMS_FROM),
        "NumMedia": st.sampled_from(["0", "1", "10", "9" * 5000, "-1", "٣"]),
        "MediaUrl0": st.builds(lambda t: f"{TWILIO_BASE}/{t}", odd_text),
        "MediaContentType0": st.sampled_from(["image/jpeg", "application/pdf", "text/html"]),
        "MessageStatus": st.sampled_from(["delivered", "failed", "undelivered"]),
        "Body": st.sampled_from(["HELP", "BALANCE", "BUY 2", "TICKET no internet", "menu", "1"]),
    }.get(name, st.nothing())
    return st.one_of(good, odd_text)


twilio_forms = st.one_of(
    st.fixed_dictionaries({}, optional={name: twilio_values(name) for name in PARAMETERS}),
    st.dictionaries(odd_text, odd_text, max_size=4),
)


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    try:
        return twilio_signature(auth_token, url, params)
    except UnicodeEncodeError:  # a lone surrogate: nothing can sign it, and the form is refused
        return "c2lnbmVk"


@fuzz_settings
@given(
    path=st.sampled_from(TWILIO_PATHS), body=raw_bodies, signature=st.one_of(st.none(), odd_text)
)
async def test_twilio_unsigned_or_forged_is_refused_and_changes_nothing(
    production_app, path, body, signature
):
    data, content_type = body
    headers = {"Content-Type": content_type}
    if signature is not None:
        headers["X-Twilio-Signature"] = header_value(signature)
    status, _ = await production_app.send(
        f"POST {path} (unsigned)", "POST", path, data=data, headers=headers
    )
    assert status in (400, 403)


@fuzz_settings
@given(path=st.sampled_from(TWILIO_PATHS), params=twilio_forms)
async def test_twilio_signed_forms_of_any_values_are_answered(production_app, path, params):
    base = production_app.fakes.twilio.url
    params = {name: value.replace(TWILIO_BASE, base) for name, value in params.items()}
    signature = sign(production_app.fakes.twilio.auth_token, PUBLIC_URL + path, params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }
    body = query(list(params.items())).encode()
    status, reason = await production_app.send(
        f"POST {path} (signed)", "POST", path, data=body, headers=headers
    )
    if all(encodable(text) for pair in params.items() for text in pair):
        # A form that is UTF-8 is answered, unless it holds a NUL or (a message) no phone.
        assert status in (200, 204) or (status == 400 and reason.startswith(REFUSALS)), params


REFUSALS = (b"the form holds a NUL", b"From is not a phone number")


def encodable(text: str) -> bool:
    return wire(text).decode("utf-8", "ignore") == text

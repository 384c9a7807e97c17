"""The payment providers' callbacks and the payer's return pages fuzzed (issue 19): forged and
rightly signed notifications and events of any shape, return pages with any query, and the
demo's sandbox pay page; never a 5xx or a logged error, and a refused callback changes nothing
(tests/ops/fuzz_app.py holds the checks)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.payments.midtrans import signature
from bot.payments.stripe import signature_header
from tests.ops.fuzz_app import (
    fuzz_settings,
    refused_by_status,
)
from tests.ops.fuzz_strategies import (
    header_value,
    json_bytes,
    odd_text,
    percent,
    query,
    raw_bodies,
    spoiled,
)

# Stands for a real order's reference, put in at run time: the fuzz aims at a real order too.
REFERENCE = "{reference}"
RETURN_PAGES = (
    ("/payments/zarinpal/callback", ("Authority", "authority", "Status"), "IRR"),
    ("/payments/stripe/return", ("session_id",), "USD"),
    ("/payments/midtrans/finish", ("order_id",), "IDR"),
)


def refused_or_ignored(status: int, body: bytes) -> bool:
    """A 4xx, or a callback answered 200 without being acted on (providers retry anything
    else), which must have changed nothing either."""
    if refused_by_status(status, body):
        return True
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("status") in ("ignored", "duplicate")


@fuzz_settings
@given(
    page=st.sampled_from(RETURN_PAGES),
    values=st.lists(st.one_of(st.just(REFERENCE), odd_text), min_size=1, max_size=3),
    language=st.one_of(st.none(), odd_text),
)
async def test_return_pages_take_any_query(production_app, page, values, language):
    path, names, currency = page
    reference = production_app.orders[currency].gateway_ref
    pairs = [
        (names[i % len(names)], value.replace(REFERENCE, reference))
        for i, value in enumerate(values)
    ]
    headers = {} if language is None else {"Accept-Language": header_value(language)}
    status, _ = await production_app.send(
        f"GET {path}", "GET", f"{path}?{query(pairs)}", headers=headers
    )
    assert status in (200, 404)


@fuzz_settings
@given(body=raw_bodies, signature_key=st.one_of(st.none(), odd_text))
async def test_unsigned_provider_callbacks_are_refused_and_change_nothing(
    production_app, body, signature_key
):
    data, content_type = body
    headers = {"Content-Type": content_type}
    if signature_key is not None:
        headers["Stripe-Signature"] = header_value(signature_key)
    for path in ("/payments/midtrans/notification", "/payments/stripe/webhook"):
        status, _ = await production_app.send(
            f"POST {path} (unsigned)", "POST", path, data=data, headers=headers
        )
        assert status in (400, 403)


def midtrans_signed(payload: Any, server_key: str) -> Any:
    """The notification signed as Midtrans signs it, when its fields are text it can sign."""
    if not isinstance(payload, dict):
        return payload
    fields = [payload.get(k) for k in ("order_id", "status_code", "gross_amount")]
    if all(isinstance(field, str) for field in fields):
        # A lone surrogate: Midtrans could not have signed it, and it goes unsigned.
        with contextlib.suppress(UnicodeEncodeError):
            payload["signature_key"] = signature(*fields, server_key)
    return payload


@fuzz_settings
@given(data=st.data())
async def test_signed_midtrans_notifications_of_any_shape(production_app, data):
    fakes = production_app.fakes
    order = production_app.orders["IDR"]
    fakes.midtrans.set_status(order.gateway_ref, data.draw(st.sampled_from(STATUSES)))
    template = fakes.midtrans.notification(order.gateway_ref)
    payload = data.draw(st.one_of(spoiled(template), st.just(template)))
    body = json_bytes(midtrans_signed(payload, fakes.midtrans.server_key))
    await production_app.send(
        "POST /payments/midtrans/notification (signed)",
        "POST",
        "/payments/midtrans/notification",
        data=body,
        headers={"Content-Type": "application/json"},
        refused=refused_or_ignored,
    )


STATUSES = ("pending", "settlement", "expire", "capture", "deny")
EVENT_KINDS = (
    "checkout.session.completed",
    "checkout.session.expired",
    "checkout.session.async_payment_failed",
    "customer.created",
)


@fuzz_settings
@given(data=st.data())
async def test_signed_stripe_events_of_any_shape(production_app, data):
    fakes = production_app.fakes
    order = production_app.orders["USD"]
    if data.draw(st.booleans()):
        fakes.stripe.complete(order.gateway_ref)
    at = int(production_app.services.clock.now().timestamp())
    kind = data.draw(st.sampled_from(EVENT_KINDS))
    template = json.loads(fakes.stripe.event(order.gateway_ref, at, kind)[0])
    event = data.draw(st.one_of(spoiled(template), st.just(template)))
    payload = json_bytes(event)
    headers = {
        "Content-Type": "application/json",
        "Stripe-Signature": signature_header(payload, fakes.stripe.webhook_secret, at),
    }
    await production_app.send(
        "POST /payments/stripe/webhook (signed)",
        "POST",
        "/payments/stripe/webhook",
        data=payload,
        headers=headers,
        refused=refused_or_ignored,
    )


@fuzz_settings
@given(
    reference=st.one_of(st.just(REFERENCE), odd_text.filter(bool)),
    method=st.sampled_from(("GET", "POST")),
    body=raw_bodies,
)
async def test_the_sandbox_pay_page_takes_any_reference_and_form(demo_app, reference, method, body):
    real = demo_app.orders["IRR"].gateway_ref
    path = "/payments/sandbox/pay/" + percent(reference.replace(REFERENCE, real))
    data, content_type = body
    status, _ = await demo_app.send(
        f"{method} /payments/sandbox/pay/{{reference}}",
        method,
        path,
        data=data if method == "POST" else None,
        headers={"Content-Type": content_type} if method == "POST" else {},
    )
    assert status in (200, 400, 404, 409, 413)

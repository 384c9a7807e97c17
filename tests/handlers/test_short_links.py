"""The app's short pay links (``/p/<code>``): a 302 to the provider's page while the order waits
for payment within its link's time; an unknown, paid or expired code gets a page in the payer's
language, 404, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.payments.short_links import short_link
from core.billing.enums import OrderKind
from core.billing.models import Order
from core.billing.orders import SHORT_CODE_ALPHABET, SHORT_CODE_LENGTH
from tests.dialogs.test_flows_billing_support import give_service, pay_last_order, subscriber


async def _order(services, bot_settings, **fields):
    sara = await subscriber(bot_settings, **fields)
    await give_service(services, sara)
    order = await services.orders.place_order(sara.id, OrderKind.BUY_TRAFFIC, "gb-5")
    return sara, order


async def test_a_short_link_sends_the_payer_to_the_providers_page(client, services, bot_settings):
    _sara, order = await _order(services, bot_settings)
    code = order.short_code
    assert code and len(code) == SHORT_CODE_LENGTH and set(code) <= set(SHORT_CODE_ALPHABET)
    assert (await Order.get(tracking_number=order.tracking_number)).short_code == code

    response = await client.get(f"/p/{code}", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == order.pay_url
    assert short_link("https://isp.example/", code) == f"https://isp.example/p/{code}"


async def test_each_order_gets_its_own_code(services, bot_settings):
    sara, first = await _order(services, bot_settings)
    second = await services.orders.place_order(sara.id, OrderKind.BUY_TRAFFIC, "gb-5")
    assert first.short_code != second.short_code


async def test_a_paid_order_s_link_is_gone_in_the_subscriber_s_language(
    client, services, bot_settings
):
    sara, order = await _order(services, bot_settings, language="fa")
    await pay_last_order(services, sara)
    response = await client.get(f"/p/{order.short_code}", allow_redirects=False)
    assert response.status == 404
    page = await response.text()
    assert 'lang="fa"' in page and "این پیوند پرداخت منقضی شده" in page


async def test_a_link_expires_with_the_order_s_payment_time(client, services, bot_settings, clock):
    _sara, order = await _order(services, bot_settings, language="id")
    clock.advance(timedelta(minutes=bot_settings.payment_link_minutes - 1))
    assert (await client.get(f"/p/{order.short_code}", allow_redirects=False)).status == 302
    clock.advance(timedelta(minutes=2))
    response = await client.get(f"/p/{order.short_code}", allow_redirects=False)
    assert response.status == 404
    assert "Tautan pembayaran ini sudah kedaluwarsa" in await response.text()


@pytest.mark.parametrize(
    "code", ["AAAAAAAA", "a" * 200, "%27%20OR%201=1--", "%F0%9F%98%80", "%00", "..%2F..%2Fetc"]
)
async def test_an_unknown_or_odd_code_is_a_page_in_the_browser_s_language(client, code):
    response = await client.get(
        f"/p/{code}", allow_redirects=False, headers={"Accept-Language": "id-ID,id;q=0.9"}
    )
    assert response.status == 404
    assert "Tautan pembayaran ini" in await response.text()

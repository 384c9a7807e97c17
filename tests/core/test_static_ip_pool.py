"""The operator's static IP pool: read from ISPBOT_STATIC_IP_POOL, empty in production (nothing
sold, not even the demo's documentation addresses), and never one address for two lines, even
when they pay at the same moment."""

from __future__ import annotations

import asyncio

import pytest

from core.accounts.models import Subscriber
from core.billing.enums import OrderKind, OrderStatus, WalletEntryKind
from core.billing.ip_pool import DEMO_STATIC_IP_POOL_TEXT, parse_static_ip_pool
from core.billing.models import WalletEntry
from core.config import Settings
from tests.core import test_billing_support as support
from tests.core.test_billing_support import (
    assert_books_close,
    billing_services,
    error_of,
    make_plans,
    make_subscriber,
    pay,
)

gateway = support.gateway


def test_cidrs_give_their_hosts_and_ranges_every_address_from_first_to_last():
    pool = parse_static_ip_pool(" 203.0.113.16/29, 10.20.0.5-10.20.0.7 ,192.0.2.1,2001:db8::/126")
    assert list(pool.addresses()) == [
        "10.20.0.5",
        "10.20.0.6",
        "10.20.0.7",
        "192.0.2.1",
        *(f"203.0.113.{n}" for n in range(17, 23)),  # not .16 (network) nor .23 (broadcast)
        "2001:db8::1",
        "2001:db8::2",
        "2001:db8::3",
    ]
    assert "10.20.0.6" in pool and "203.0.113.23" not in pool and "nonsense" not in pool
    assert not parse_static_ip_pool("") and not parse_static_ip_pool(" , ")


def test_a_huge_pool_is_not_listed_whole_to_find_its_first_address():
    assert next(parse_static_ip_pool("10.0.0.0/8").addresses()) == "10.0.0.1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("203.0.113.300", "'203.0.113.300' is neither an address, a CIDR nor a range"),
        ("203.0.113.16/27", "'203.0.113.16/27' is neither an address, a CIDR nor a range"),
        ("10.0.0.9-10.0.0.1", "'10.0.0.9-10.0.0.1' does not run from a lower address"),
        ("10.0.0.1-2001:db8::1", "does not run from a lower address to a higher one"),
        ("10.0.0.1-x", "'10.0.0.1-x' is not a range of two addresses"),
        ("10.0.0.0/29,10.0.0.6-10.0.0.9", "10.0.0.1-10.0.0.6 and 10.0.0.6-10.0.0.9 overlap"),
        ("192.0.2.1,192.0.2.1", "192.0.2.1 and 192.0.2.1 overlap"),
    ],
)
def test_a_malformed_or_overlapping_pool_is_refused_naming_the_part(text, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("-", r"\-")):
        parse_static_ip_pool(text)
    with pytest.raises(ValueError, match="static_ip_pool"):
        Settings(_env_file=None, static_ip_pool=text)


async def test_production_sells_no_static_ip_not_even_the_demos(db, clock, gateway):
    production = Settings(_env_file=None, argon2_memory_kib=1024, argon2_time_cost=1)
    assert not production.static_ips and "198.51.100.10" not in production.static_ips
    billing = billing_services(production, clock, {"fakepay": gateway})
    await make_plans()
    kamal = await make_subscriber()

    error = await error_of(billing.orders.quote(kamal.id, OrderKind.STATIC_IP, "static-ip"))
    assert error.code == "static_ips_not_offered"
    error = await error_of(
        billing.orders.place_order(kamal.id, OrderKind.STATIC_IP, "static-ip", gateway="fakepay")
    )
    assert error.code == "static_ips_not_offered"
    assert not billing.orders.sells_static_ips
    assert await Subscriber.filter(static_ip__isnull=False).count() == 0


async def test_the_operators_pool_is_used_in_order_and_refused_once_every_address_is_held(
    db, clock, gateway
):
    settings = Settings(_env_file=None, static_ip_pool="203.0.113.16/30")
    billing = billing_services(settings, clock, {"fakepay": gateway})
    await make_plans()
    given = []
    for username in ("3132239700", "3132239701"):
        line = await make_subscriber(username)
        await pay(
            billing,
            await billing.orders.place_order(
                line.id, OrderKind.STATIC_IP, "static-ip", gateway="fakepay"
            ),
        )
        given.append((await Subscriber.get(id=line.id)).static_ip)
    assert given == ["203.0.113.17", "203.0.113.18"]

    third = await make_subscriber("3132239702")
    error = await error_of(
        billing.orders.place_order(third.id, OrderKind.STATIC_IP, "static-ip", gateway="fakepay")
    )
    assert error.code == "static_ip_pool_exhausted"


async def test_lines_paying_at_once_for_the_last_address_get_it_once_and_the_rest_are_refunded(
    pg, clock, gateway
):
    settings = Settings(_env_file=None, static_ip_pool="203.0.113.9")
    billing = billing_services(settings, clock, {"fakepay": gateway})
    await make_plans()
    lines = [await make_subscriber(f"31322397{n:02d}") for n in range(6)]
    orders = [
        await billing.orders.place_order(
            line.id, OrderKind.STATIC_IP, "static-ip", gateway="fakepay"
        )
        for line in lines
    ]

    settled = await asyncio.gather(*(pay(billing, order) for order in orders))

    assert (
        sorted(order.status for order in settled) == [OrderStatus.APPLIED] + [OrderStatus.PAID] * 5
    )
    assert await Subscriber.filter(static_ip="203.0.113.9").count() == 1
    refunds = await WalletEntry.filter(kind=WalletEntryKind.REFUND)
    assert len(refunds) == 5
    assert {refund.note for refund in refunds} == {"static_ip_pool_exhausted"}
    for line, order in zip(lines, settled, strict=True):
        holder = (await Subscriber.get(id=line.id)).static_ip is not None
        assert holder == (order.status == OrderStatus.APPLIED)
        assert await assert_books_close(line.id) == (0 if holder else order.payable)


def test_the_demo_range_is_documentation_addresses():
    pool = parse_static_ip_pool(DEMO_STATIC_IP_POOL_TEXT)
    assert all(ip.startswith("198.51.100.") for ip in pool.addresses())

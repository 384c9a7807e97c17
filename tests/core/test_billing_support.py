"""Shared set-up for the billing tests (no tests here): the seed's subscriber and plans."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from core.accounts.models import Subscriber
from core.billing import state
from core.billing.enums import PlanKind, SubscriptionSource
from core.billing.free_charges import FreeCharges
from core.billing.gateways.sandbox import SandboxGateway
from core.billing.jobs import BillingJobs
from core.billing.models import Order, Plan, TrafficBucket, WalletEntry
from core.billing.orders import Orders
from core.billing.queries import BillingQueries
from core.billing.read_models import OrderView, SubscriptionView, quote_of
from core.billing.subscriptions import Subscriptions
from core.billing.usage import UsageMeter
from core.billing.wallet import Wallet
from core.config import Settings
from core.errors import DomainError
from core.ports import Clock, PaymentGateway
from tests.fakes import RecordingGateway

SANDBOX_BASE = "https://bot.example.test"


async def make_subscriber(username: str = "3132239700", **extra) -> Subscriber:
    values = {
        "customer_number": f"C{username}",
        "username": username,
        "password_hash": "-",
        "full_name": "کمال نصیری",
        **extra,
    }
    return await Subscriber.create(**values)


async def make_plans() -> dict[str, Plan]:
    """The seed's plans: a one-year service at 2,000,000 and the 8,000,000 one it is changed
    for, a cheaper one, a monthly service, traffic packs and the static IP's monthly fee."""
    specs = [
        dict(code="year-2m", price=2_000_000, duration_days=365, traffic_mb=40 * 1024,
             gift_mb=10 * 1024, speed_kbps=1024),
        dict(code="year-8m", price=8_000_000, duration_days=365, traffic_mb=200 * 1024,
             speed_kbps=8192),
        dict(code="year-1m", price=1_000_000, duration_days=365, traffic_mb=20 * 1024),
        dict(code="std-1m", price=500_000, duration_days=30, traffic_mb=5 * 1024,
             speed_kbps=2048),
        dict(code="unlimited", price=3_000_000, duration_days=30, traffic_mb=None),
        dict(code="campaign", price=700_000, duration_days=30, traffic_mb=5 * 1024,
             monthly_campaign_mb=5120),
        dict(code="gb-5", kind=PlanKind.TRAFFIC, price=100_000, traffic_mb=5120,
             bonus_percent=10),
        dict(code="night-10", kind=PlanKind.TIMED_TRAFFIC, price=60_000, traffic_mb=10 * 1024,
             duration_days=7),
        dict(code="static-ip", kind=PlanKind.STATIC_IP, price=50_000, duration_days=30),
    ]  # fmt: skip
    plans = {}
    for spec in specs:
        spec.setdefault("names", {"en": spec["code"]})
        plans[spec["code"]] = await Plan.create(**spec)
    return plans


@pytest.fixture
def gateway() -> RecordingGateway:
    return RecordingGateway("fakepay")


@dataclass(frozen=True, slots=True)
class BillingServices:
    """The billing core's services as the tests reach them together (the bot's bundle is
    ``bot.dialogs.services.Services``, wired in ``bot.bootstrap``)."""

    orders: Orders
    subscriptions: Subscriptions
    wallet: Wallet
    free_charges: FreeCharges
    usage: UsageMeter
    billing_jobs: BillingJobs
    queries: BillingQueries


def billing_services(
    settings: Settings, clock: Clock, gateways: Mapping[str, PaymentGateway]
) -> BillingServices:
    return BillingServices(
        orders=Orders(settings, clock, gateways),
        subscriptions=Subscriptions(settings, clock),
        wallet=Wallet(clock),
        free_charges=FreeCharges(settings, clock),
        usage=UsageMeter(settings, clock),
        billing_jobs=BillingJobs(clock),
        queries=BillingQueries(settings, clock),
    )


@pytest.fixture
def billing(settings, clock, gateway) -> BillingServices:
    return billing_services(
        settings, clock, {"fakepay": gateway, "sandbox": SandboxGateway(SANDBOX_BASE)}
    )


@pytest.fixture
def queries(settings, clock) -> BillingQueries:
    return BillingQueries(settings, clock)


async def error_of(awaitable) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await awaitable
    return caught.value


async def seed_year_service(
    billing: BillingServices, subscriber: Subscriber, now: datetime, days_used: int = 13
) -> SubscriptionView:
    """The seed's one-year service at 2,000,000, bought ``days_used`` days ago (352 left)."""
    return await billing.subscriptions.grant_service(
        subscriber.id,
        "year-2m",
        source=SubscriptionSource.ONLINE,
        starts_at=now - timedelta(days=days_used),
    )


async def pay(billing: BillingServices, order: OrderView) -> OrderView:
    return await billing.orders.confirm_payment(
        order.tracking_number, order.gateway, order.gateway_ref, order.payable
    )


async def assert_books_close(subscriber_id: int) -> int:
    """Every order balances, amounts are ints, and the wallet is the sum of its ledger."""
    for order in await Order.filter(subscriber_id=subscriber_id):
        quote = quote_of(order)
        assert all(
            type(getattr(quote, name)) is int
            for name in ("subtotal", "vat", "proration_credit", "wallet_used", "payable")
        ), quote
        assert quote.balances(), quote
    amounts = await WalletEntry.filter(subscriber_id=subscriber_id).values_list("amount", flat=True)
    assert all(type(a) is int for a in amounts)
    balance = await state.wallet_balance(subscriber_id)
    assert type(balance) is int
    assert balance == sum(amounts)
    assert balance >= 0
    return balance


async def bucket_total(subscriber_id: int, **filters) -> int:
    rows = await TrafficBucket.filter(subscriber_id=subscriber_id, **filters)
    return sum(b.total_bytes for b in rows)

"""Shared set-up for the billing flow tests (no tests here): plans with names in three
languages, a logged-in subscriber, the seed's usage sessions, and the seed's formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.dialogs.services import Services
from bot.i18n import Texts, translator
from core.accounts.models import Subscriber
from core.billing.enums import PlanKind, SubscriptionSource
from core.billing.models import Order, Plan
from core.billing.units import BYTES_PER_MB
from tests.conftest import NOW
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import make_subscriber

USERNAME, PASSWORD = "5120001", "Secret-2468"
SANDBOX_PAY = "http://bot.test/payments/sandbox/pay/"
EN = translator("en", zone="Asia/Tehran")
FA = translator("fa", zone="Asia/Tehran")

# The seed's usage page: download 243.63 MB, upload 53.39, used 297.02, deducted 243.62.
SEED_DOWNLOAD = 255_459_328  # 243.625 MB: shown half up, deducted rounded down
SEED_UPLOAD = 55_983_473
SEED_SESSIONS = [
    ("a1", datetime(2026, 11, 20, 5, 0, tzinfo=UTC), 120 * BYTES_PER_MB, 30 * BYTES_PER_MB),
    ("a2", datetime(2026, 11, 21, 9, 0, tzinfo=UTC), 100 * BYTES_PER_MB, 20 * BYTES_PER_MB),
    ("a3", datetime(2026, 11, 22, 18, 0, tzinfo=UTC), SEED_DOWNLOAD - 220 * BYTES_PER_MB,
     SEED_UPLOAD - 50 * BYTES_PER_MB),
]  # fmt: skip


async def make_plans() -> None:
    specs = [
        dict(code="std-1m", price=500_000, duration_days=30, traffic_mb=5 * 1024,
             speed_kbps=2048, names={"en": "Standard monthly", "fa": "استاندارد ماهانه",
                                     "id": "Standar bulanan"}),
        dict(code="year-2m", price=2_000_000, duration_days=365, traffic_mb=40 * 1024,
             gift_mb=10 * 1024, speed_kbps=1024,
             names={"en": "Yearly 1 Mbps", "fa": "سالانه ۱ مگ", "id": "Tahunan 1 Mbps"}),
        dict(code="year-8m", price=8_000_000, duration_days=365, traffic_mb=200 * 1024,
             speed_kbps=8192,
             names={"en": "Yearly 8 Mbps", "fa": "سالانه ۸ مگ", "id": "Tahunan 8 Mbps"}),
        dict(code="gb-5", kind=PlanKind.TRAFFIC, price=100_000, traffic_mb=5120,
             bonus_percent=10, names={"en": "5 GB pack", "fa": "بسته ۵ گیگ", "id": "Paket 5 GB"}),
        dict(code="night-10", kind=PlanKind.TIMED_TRAFFIC, price=60_000, traffic_mb=10 * 1024,
             duration_days=7,
             names={"en": "Week pack", "fa": "بسته هفتگی", "id": "Paket mingguan"}),
        dict(code="static-ip", kind=PlanKind.STATIC_IP, price=50_000, duration_days=30,
             names={"en": "Static IP", "fa": "آی‌پی ثابت", "id": "IP statis"}),
        dict(code="old", price=1, active=False, names={"en": "Retired plan"}),
    ]  # fmt: skip
    for spec in specs:
        await Plan.create(**spec)


async def subscriber(bot_settings, **fields) -> Subscriber:
    await make_plans()
    return await make_subscriber(bot_settings, **fields)


async def give_service(
    services: Services, sub: Subscriber, plan: str = "std-1m", days_ago: int = 10
) -> None:
    """A service bought online ``days_ago`` days ago."""
    await services.subscriptions.grant_service(
        sub.id, plan, source=SubscriptionSource.ONLINE, starts_at=NOW - timedelta(days=days_ago)
    )


async def use(services: Services, sub: Subscriber, key: str, download: int, upload: int = 0):
    start = NOW - timedelta(hours=3)
    await services.usage.record_session(
        sub.id, key, start, start + timedelta(hours=1), download, upload
    )


async def record_seed_sessions(services: Services, sub: Subscriber) -> None:
    for key, login, down, up in SEED_SESSIONS:
        await services.usage.record_session(
            sub.id, key, login, login + timedelta(hours=2, minutes=5), down, up
        )


async def logged_in(engine, language_hint: str = "en", channel: str = "web") -> ChatClient:
    chat = ChatClient(engine, language_hint=language_hint, channel=channel)
    await chat.log_in(USERNAME, PASSWORD)
    assert "logged in" in chat.text or chat.replies[-1].language == "fa"
    return chat


async def pay_last_order(services: Services, sub: Subscriber) -> Order:
    order = await Order.filter(subscriber_id=sub.id).order_by("-id").first()
    assert order is not None
    return await services.orders.confirm_payment(
        order.tracking_number, "sandbox", order.gateway_ref, order.payable
    )


def money(amount: int, t: Texts = EN) -> str:
    return t.money(amount, "IRR")

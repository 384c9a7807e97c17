"""A plan in a few words ("2 Mbps, 30 days, 5 GB"), for an answer that its full catalogue name
would make too long: an SMS answer has two parts, and a Persian plan name alone can take most
of one ("اینترنت خانگی ۲۰ مگابیت - یکساله حجم ۳۰۰۰ گیگ + ۵۰۰ گیگ هدیه")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bot.dialogs.billing_words import listing, plan_bytes
from bot.i18n import Texts
from core.billing.enums import PlanKind
from core.billing.read_models import PlanInfo
from core.billing.units import BYTES_PER_GB


def compact_plan_name(t: Texts, plan: PlanInfo) -> str:
    if plan.kind == PlanKind.STATIC_IP:
        return t.gettext("Static IP")
    traffic = _gigabytes(t, plan_bytes(plan))
    if plan.kind == PlanKind.TRAFFIC:
        return t.gettext("%(traffic)s extra traffic", traffic=traffic)
    days = t.ngettext("%(n)s day", "%(n)s days", plan.duration_days)
    if plan.kind == PlanKind.TIMED_TRAFFIC:
        return t.gettext("%(traffic)s for %(days)s", traffic=traffic, days=days)
    parts = [_speed(t, plan.speed_kbps)] if plan.speed_kbps else []
    parts += [days, t.gettext("unlimited") if plan.unlimited else traffic]
    return listing(t, parts)


def _speed(t: Texts, kbps: int) -> str:
    if kbps % 1024 == 0:
        # Translators: a line's speed in a short SMS, e.g. "2 Mbps" (megabits a second).
        return t.gettext("%(speed)s Mbps", speed=t.number(kbps // 1024))
    # Translators: a line's speed in a short SMS, e.g. "512 kbps" (kilobits a second).
    return t.gettext("%(speed)s kbps", speed=t.number(kbps))


def _gigabytes(t: Texts, num_bytes: int) -> str:
    """Whole gigabytes without decimals ("5 GB"), else one decimal, rounded ("1.1 GB" for
    1 GB + 10 %)."""
    value = Decimal(num_bytes) / BYTES_PER_GB
    if value == value.to_integral_value():
        amount = t.number(int(value))
    else:
        amount = t.decimal(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), 1)
    # Translators: traffic in a short SMS, e.g. "5 GB" (Persian: "۵ گیگ").
    return t.gettext("%(amount)s GB", amount=amount)

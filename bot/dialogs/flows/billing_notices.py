"""What the bot says on its own about orders (paid and applied, or paid but not applied), and
the words the billing flows share: order kinds and statuses, plans in one line."""

from __future__ import annotations

from typing import Any

from bot.dialogs.contract import Reply
from bot.dialogs.errors import add_messages
from bot.dialogs.notices import notice
from bot.i18n import N_, Texts
from core.billing.enums import OrderKind, OrderStatus
from core.billing.pricing import traffic_with_bonus
from core.billing.read_models import PlanInfo
from core.billing.receipts import OrderAdded, order_added
from core.billing.units import mb_to_bytes

KIND_LABELS: dict[str, str] = {
    OrderKind.BUY_SERVICE: N_("New service"),
    OrderKind.RENEW_SERVICE: N_("Service renewal"),
    OrderKind.BUY_TRAFFIC: N_("Extra traffic"),
    OrderKind.BUY_TIMED_TRAFFIC: N_("Timed traffic"),
    OrderKind.CHANGE_SERVICE: N_("Change of service"),
    OrderKind.STATIC_IP: N_("Static IP"),
}

STATUS_LABELS: dict[str, str] = {
    OrderStatus.PENDING: N_("waiting for payment"),
    OrderStatus.PAID: N_("paid"),
    OrderStatus.APPLIED: N_("paid and applied"),
    OrderStatus.FAILED: N_("payment failed"),
    OrderStatus.CANCELLED: N_("cancelled"),
}

add_messages(
    {
        "payment_start_failed": N_(
            "The payment could not be started. Nothing was charged. Please try again in a few "
            "minutes."
        ),
        "order_not_applied": N_(
            "Order %(tracking_number)s could not be completed because your credit has changed. "
            "Nothing was charged. Please choose again."
        ),
        "order_not_cancellable": N_("Order %(tracking_number)s can no longer be cancelled."),
        "plan_kind_mismatch": N_("That plan is not available."),
        "currency_mismatch": N_("That plan is not available."),
    }
)


def listing(t: Texts, parts: list[str]) -> str:
    """Items in a row with the language's comma ("a, b, c"; "a، b، c" in Persian)."""
    text = parts[0] if parts else ""
    for part in parts[1:]:
        text = t.gettext("%(items)s, %(item)s", items=text, item=part)
    return text


def plan_bytes(plan: PlanInfo) -> int:
    """The traffic a plan gives, bonus and gift included."""
    base = mb_to_bytes(plan.traffic_mb or 0)
    return traffic_with_bonus(base, plan.bonus_percent) + mb_to_bytes(plan.gift_mb)


def what_was_added(t: Texts, kind: OrderKind, plan: PlanInfo, months: int) -> str:
    name = plan.name_in(t.language)
    if kind == OrderKind.STATIC_IP:
        return t.ngettext(
            "Your static IP for %(n)s month.", "Your static IP for %(n)s months.", months
        )
    if kind == OrderKind.BUY_TRAFFIC:
        return t.gettext("%(traffic)s of extra traffic.", traffic=t.traffic(plan_bytes(plan)))
    if kind == OrderKind.BUY_TIMED_TRAFFIC:
        return t.ngettext(
            "%(traffic)s of traffic for %(n)s day.",
            "%(traffic)s of traffic for %(n)s days.",
            plan.duration_days,
            traffic=t.traffic(plan_bytes(plan)),
        )
    traffic = t.gettext("unlimited traffic") if plan.unlimited else t.traffic(plan_bytes(plan))
    return t.ngettext(
        "%(plan)s: %(n)s day with %(traffic)s.",
        "%(plan)s: %(n)s days with %(traffic)s.",
        plan.duration_days,
        plan=name,
        traffic=traffic,
    )


async def _order(tracking_number: Any) -> OrderAdded | None:
    try:
        number = int(tracking_number)
    except (TypeError, ValueError):
        return None
    return await order_added(number)


@notice("order_applied")
async def order_applied(t: Texts, params: dict[str, Any]) -> list[Reply]:
    """A paid order was applied: say what was paid and what was added."""
    tracking = t.digits(str(params.get("tracking_number", "")))
    order = await _order(params.get("tracking_number"))
    payable = int(params.get("payable") or 0)
    currency = str(params.get("currency") or (order.currency if order else ""))
    if payable > 0 and currency:
        head = t.gettext(
            "Thank you! We received your payment of %(amount)s for order %(tracking)s.",
            amount=t.money(payable, currency),
            tracking=tracking,
        )
    else:
        head = t.gettext("Order %(tracking)s is done, paid from your credit.", tracking=tracking)
    lines = [head]
    if order is not None:
        added = what_was_added(t, order.kind, order.plan, order.months)
        lines.append(t.gettext("Added to your account: %(what)s", what=added))
    else:
        lines.append(t.gettext("Your purchase has been added to your account."))
    text, attachment = "\n".join(lines), None
    if order is not None and order.receipt is not None:
        # The receipt goes with the notice: its text below, its PDF (where there is one) attached.
        from bot.dialogs.receipts import receipt_replies

        [slip] = await receipt_replies(t, order.receipt)
        text, attachment = f"{text}\n\n{slip.text}", slip.attachment
    return [Reply(text, attachment=attachment, language=t.language)]


@notice("order_not_applied")
async def order_not_applied(t: Texts, params: dict[str, Any]) -> list[Reply]:
    """Paid, but the order could not be applied as quoted: the money went to the wallet."""
    tracking = t.digits(str(params.get("tracking_number", "")))
    refunded = int(params.get("refunded") or 0)
    currency = str(params.get("currency") or "")
    if params.get("reason") == "service_changed":
        why = t.gettext("your service changed after the order was placed")
    elif params.get("reason") == "link_expired":
        why = t.gettext("the payment link had expired")
    else:
        why = t.gettext("the credit it counted on was already used")
    text = t.gettext(
        "We received your payment for order %(tracking)s, but it could not be applied because "
        "%(why)s. The %(amount)s you paid is now in your wallet, and you can use it for your "
        "next purchase.",
        tracking=tracking,
        why=why,
        amount=t.money(refunded, currency) if currency else t.number(refunded),
    )
    return [Reply(text, language=t.language)]

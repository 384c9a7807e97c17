"""The words the billing flows, the receipts and the order notices share: order kinds and
statuses, the billing refusals, plans in one line and what an order added."""

from __future__ import annotations

from bot.dialogs.errors import add_messages
from bot.i18n import N_, Texts
from core.billing.enums import OrderKind, OrderStatus
from core.billing.pricing import traffic_with_bonus
from core.billing.read_models import PlanInfo
from core.billing.units import mb_to_bytes

KIND_LABELS: dict[str, str] = {
    OrderKind.BUY_SERVICE: N_("New service"),
    OrderKind.RENEW_SERVICE: N_("Service renewal"),
    OrderKind.BUY_TRAFFIC: N_("Extra traffic"),
    OrderKind.BUY_TIMED_TRAFFIC: N_("Timed traffic"),
    OrderKind.CHANGE_SERVICE: N_("Change of service"),
    OrderKind.STATIC_IP: N_("Static IP"),
    OrderKind.DEPOSIT: N_("Deposit and installation fee"),
    OrderKind.BILL: N_("Postpaid bill"),
    OrderKind.WALLET_TOPUP: N_("Wallet top-up"),
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
        "no_deposit_due": N_("Your line has no deposit to pay."),
        "no_bill_due": N_("You have no unpaid bill. Your bills are listed under Bills."),
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


def item_name(t: Texts, kind: OrderKind, plan: PlanInfo | None) -> str:
    """What an order bought, in a few words: its plan's name, or what no plan sells."""
    if plan is None:
        return t.gettext(KIND_LABELS.get(kind, kind))
    return t.plan_name(plan)


def what_was_added(
    t: Texts,
    kind: OrderKind,
    plan: PlanInfo | None,
    months: int,
    *,
    amount: int = 0,
    currency: str = "",
) -> str:
    """``amount`` and ``currency``: a wallet top-up's, the only order whose words need them."""
    if kind == OrderKind.WALLET_TOPUP:
        return t.gettext("%(amount)s in your wallet.", amount=t.money(amount, currency))
    if kind == OrderKind.BILL:
        return t.gettext("Your bill is paid.")
    if plan is None or kind == OrderKind.DEPOSIT:
        return t.gettext("Your deposit and installation fee are paid, and your line is open.")
    name = t.plan_name(plan)
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
    if plan.unlimited:  # a sentence of its own: a language may say "traffic" in the frame too
        return t.ngettext(
            "%(plan)s: %(n)s day with unlimited traffic.",
            "%(plan)s: %(n)s days with unlimited traffic.",
            plan.duration_days,
            plan=name,
        )
    return t.ngettext(
        "%(plan)s: %(n)s day with %(traffic)s.",
        "%(plan)s: %(n)s days with %(traffic)s.",
        plan.duration_days,
        plan=name,
        traffic=t.traffic(plan_bytes(plan)),
    )

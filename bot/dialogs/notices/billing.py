"""What the bot says on its own about orders: paid and applied (with its receipt), paid
but not applied, or refunded to the wallet by staff; and about postpaid bills: the last day
to pay near, the line isolated; and a paused service running again."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.dialogs.billing_words import what_was_added
from bot.dialogs.contract import Link, Option, Reply
from bot.dialogs.errors import error_text
from bot.dialogs.menu import flow_choice
from bot.dialogs.notices.renderer import Notice
from bot.dialogs.receipts import receipt_replies
from bot.dialogs.sms_payments import card_off_command
from bot.i18n import Texts
from core.alerts import kinds
from core.billing.receipts import OrderAdded, order_added
from core.errors import DomainError


async def _order(tracking_number: Any) -> OrderAdded | None:
    try:
        number = int(tracking_number)
    except (TypeError, ValueError):
        return None
    return await order_added(number)


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
        added = what_was_added(
            t,
            order.kind,
            order.plan,
            order.months,
            amount=order.subtotal,
            currency=order.currency,
        )
        lines.append(t.gettext("Added to your account: %(what)s", what=added))
    else:
        lines.append(t.gettext("Your purchase has been added to your account."))
    text, attachment = "\n".join(lines), None
    if order is not None and order.receipt is not None:
        # The receipt goes with the notice: its text below, its PDF (where there is one) attached.
        [slip] = await receipt_replies(t, order.receipt)
        text, attachment = f"{text}\n\n{slip.text}", slip.attachment
    return [Reply(text, attachment=attachment, language=t.language)]


async def order_not_applied(t: Texts, params: dict[str, Any]) -> list[Reply]:
    """Paid, but the order could not be applied as quoted: the money went to the wallet."""
    tracking = t.digits(str(params.get("tracking_number", "")))
    refunded = int(params.get("refunded") or 0)
    currency = str(params.get("currency") or "")
    if params.get("reason") == "service_changed":
        why = t.gettext("your service changed after the order was placed")
    elif params.get("reason") == "link_expired":
        why = t.gettext("the payment link had expired")
    elif params.get("reason") == "bill_changed":
        why = t.gettext("the bill was already paid or a newer payment link was made for it")
    elif params.get("reason") == "static_ip_pool_exhausted":
        why = t.gettext("no static IP was free any more")
    elif params.get("reason") == "deposit_changed":
        why = t.gettext("the amount your line owes changed after the order was placed")
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


async def wallet_refunded(t: Texts, params: dict[str, Any]) -> list[Reply]:
    """Staff gave back (part of) a paid order: the amount is in the wallet now."""
    currency = str(params.get("currency") or "")
    amount = int(params.get("amount") or 0)
    text = t.gettext(
        "%(amount)s of your order %(tracking)s was refunded to your wallet. You can use it "
        "for your next purchase.",
        amount=t.money(amount, currency) if currency else t.number(amount),
        tracking=t.digits(str(params.get("tracking_number", ""))),
    )
    note = str(params.get("note") or "").strip()
    if note:
        text = "\n".join((text, t.gettext("Reason: %(reason)s", reason=note)))
    return [Reply(text, language=t.language)]


def _bills(t: Texts) -> Option:
    return Option(flow_choice("bills"), t.gettext("Bills"))


def _bill_period(t: Texts, params: dict[str, Any]) -> dict[str, str]:
    currency = str(params.get("currency") or "")
    return {
        "start": t.date(date.fromisoformat(str(params["starts_on"]))),
        "end": t.date(date.fromisoformat(str(params["ends_on"]))),
        "amount": t.money(int(params.get("total") or 0), currency),
        "due": t.date(date.fromisoformat(str(params["due_on"]))),
    }


async def bill_due(t: Texts, params: dict[str, Any]) -> list[Reply]:
    """A postpaid bill's last day to pay is near."""
    text = t.gettext(
        "Your bill for %(start)s to %(end)s (%(amount)s) is to be paid by %(due)s. Choose "
        "Bills, then Pay the open bill, to pay it by link.",
        **_bill_period(t, params),
    )
    return [Reply(text, options=(_bills(t),), language=t.language)]


async def bill_unpaid_isolated(t: Texts, params: dict[str, Any]) -> list[Reply]:
    """An unpaid bill's grace has passed: the line is isolated until it is paid."""
    text = t.gettext(
        "Your bill for %(start)s to %(end)s (%(amount)s) was not paid by %(due)s, so your "
        "line is isolated. Choose Bills, then Pay the open bill: the line opens as soon as it "
        "is paid.",
        **_bill_period(t, params),
    )
    return [Reply(text, options=(_bills(t),), language=t.language)]


async def auto_renew_failed(t: Texts, params: dict[str, Any]) -> list[Reply]:
    """An automatic renewal could not be made from the wallet: say what it lacks (or why),
    with the way to top up or renew by hand."""
    ends = params.get("ends_at")
    try:
        when = t.datetime(datetime.fromisoformat(str(ends)))
    except ValueError:
        when = ""
    if params.get("reason") == "card_refused" and params.get("currency"):
        return _card_refused(t, when, params)
    if params.get("reason") == "card_expired" and params.get("currency"):
        text = t.gettext(
            "Your service ended on %(when)s and was not renewed automatically: your saved card "
            "could not be charged the %(short)s your wallet lacked before it ended, and it will "
            "not be charged for it. Renew through Buy or renew, or top up your wallet first.",
            when=when,
            short=t.money(int(params.get("short") or 0), str(params["currency"])),
        )
        options = (
            Option(flow_choice("buy"), t.gettext("Buy or renew")),
            Option(flow_choice("topup"), t.gettext("Top up my wallet")),
        )
    elif params.get("reason") == "wallet_short" and params.get("currency"):
        text = t.gettext(
            "Your service ends on %(when)s and could not be renewed automatically: your wallet "
            "is short of %(short)s. Top up your wallet (the renewal is then made from it within "
            "minutes), or renew now through Buy or renew.",
            when=when,
            short=t.money(int(params.get("short") or 0), str(params["currency"])),
        )
        if params.get("card_removed"):
            text = t.gettext("You removed your saved card, so it was not charged.") + " " + text
        options = (Option(flow_choice("topup"), t.gettext("Top up my wallet")),)
    else:
        why = error_text(t, DomainError(str(params.get("reason") or "")))
        text = t.gettext(
            "Your service ends on %(when)s and could not be renewed automatically: %(why)s",
            when=when,
            why=why,
        )
        options = (Option(flow_choice("buy"), t.gettext("Buy or renew")),)
    return [Reply(text, options=options, language=t.language)]


def _card_refused(t: Texts, when: str, params: dict[str, Any]) -> list[Reply]:
    """The saved card was refused: why, and a link to pay the renewal now (the bank may want
    the cardholder present), else the way to renew by hand."""
    short = t.money(int(params.get("short") or 0), str(params["currency"]))
    if params.get("card_code") == "authentication_required":
        why = t.gettext("your bank wants you to confirm the payment yourself")
    elif params.get("card_code") == "card_unresolved":
        # Staff found no payment of a charge whose answer was lost: it will never be taken.
        why = t.gettext("its payment could not be confirmed, so it will not be taken")
    else:
        why = t.gettext("your card was declined")
    text = t.gettext(
        "Your service ends on %(when)s and could not be renewed automatically: your saved card "
        "was not charged the %(short)s your wallet lacks, because %(why)s. Pay the renewal with "
        "the link below, or top up your wallet (the renewal is then made from it).",
        when=when,
        short=short,
        why=why,
    )
    links: tuple[Link, ...] = ()
    if isinstance(params.get("pay_url"), str):
        links = (Link(params["pay_url"], t.gettext("Pay the renewal")),)
    options = (
        Option(flow_choice("topup"), t.gettext("Top up my wallet")),
        Option(flow_choice("buy"), t.gettext("Buy or renew")),
    )
    return [Reply(text, options=options, links=links, language=t.language)]


async def card_charge_ahead(t: Texts, params: dict[str, Any]) -> list[Reply]:
    """Before each charge of a saved card: the amount, the time, and how to stop it."""
    try:
        at = t.datetime(datetime.fromisoformat(str(params.get("charge_after"))))
    except ValueError:
        at = ""
    text = t.gettext(
        "Your wallet is short of %(amount)s for the automatic renewal of your service. Your "
        "saved card will be charged %(amount)s from %(when)s. To stop it, top up your wallet "
        "before then, or choose Automatic renewal to remove the card or turn renewal off "
        "(by SMS: send %(command)s).",
        amount=t.money(int(params.get("amount") or 0), str(params.get("currency") or "")),
        when=at,
        command=card_off_command(t.language),
    )
    options = (
        Option(flow_choice("auto_renew"), t.gettext("Automatic renewal")),
        Option(
            flow_choice("topup", amount=int(params.get("amount") or 0)),
            t.gettext("Top up my wallet"),
        ),
    )
    return [Reply(text, options=options, language=t.language)]


async def service_resumed(t: Texts, params: dict[str, Any]) -> list[Reply]:
    """A pause ended on the day chosen: the line connects again, and the service's end."""
    try:
        ends = datetime.fromisoformat(str(params.get("ends_at")))
    except ValueError:
        text = t.gettext("Your pause is over: your service runs again.")
    else:
        text = t.gettext(
            "Your pause is over: your service runs again, until %(end)s.", end=t.day(ends)
        )
    return [Reply(text, language=t.language)]


NOTICES = (
    Notice(kinds.PAYMENT_APPLIED, order_applied),
    Notice(kinds.CARD_CHARGE_AHEAD, card_charge_ahead),
    Notice(kinds.AUTO_RENEW_FAILED, auto_renew_failed),
    Notice(kinds.SERVICE_RESUMED, service_resumed),
    Notice(kinds.PAYMENT_NOT_APPLIED, order_not_applied),
    Notice(kinds.WALLET_REFUNDED, wallet_refunded),
    Notice(kinds.BILL_DUE, bill_due),
    Notice(kinds.BILL_UNPAID_ISOLATED, bill_unpaid_isolated),
)

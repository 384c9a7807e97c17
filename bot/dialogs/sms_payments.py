"""The SMS keywords about paying: ``CARD OFF`` (``KARTU HAPUS``, ``کارت حذف``) removes the card
saved for automatic renewals, so it is charged no more (``CARD`` alone says whether one is
saved); and those that pay what a line owes without a plan: ``TAGIHAN``/``قبض``/``BILL`` (the
oldest unpaid postpaid bill) and ``JAMINAN``/``ودیعه``/``DEPOSIT`` (a new line's deposit and
installation fee). Each places the order the chat's Bills and Pay the deposit place after their
Confirm (an SMS keyword is its own confirmation, as ``BUY 1`` is) and answers with what is due
and the app's short pay link, in two SMS parts at most; what the wallet covers is applied at once.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogs.errors import error_text
from bot.dialogs.services import Services
from bot.i18n import Texts
from core.accounts.enums import LineStatus
from core.accounts.queries import SubscriberView
from core.billing.enums import OrderStatus
from core.billing.read_models import OrderView
from core.errors import DomainError
from core.ports import ChatRef

# What follows CARD to remove the saved card, by the language of the answer (the first is
# quoted); any of them is taken in any language.
CARD_OFF_WORDS = {"en": ("OFF", "REMOVE", "STOP"), "id": ("HAPUS",), "fa": ("حذف", "لغو")}
_CARD_OFF = frozenset(word.casefold() for words in CARD_OFF_WORDS.values() for word in words)

# The app's short link of an order's short code (bot/payments/short_links.py).
ShortLink = Callable[[str], str]


def _pay_url(order: OrderView, short_link: ShortLink) -> str:
    return short_link(order.short_code) if order.short_code else order.pay_url or ""


def _refusal(t: Texts, error: DomainError) -> str:
    if error.code == "line_closed":
        return error_text(t, error)
    return t.gettext("Sorry, that could not be ordered now. Please try again later.")


async def bill_answer(
    services: Services, t: Texts, line: SubscriberView, chat: ChatRef, short_link: ShortLink
) -> str:
    """The oldest unpaid bill, its last day to pay and the link that pays it; or why there is
    nothing to pay."""
    bills = services.bills
    bill = await bills.open_bill(line.id)
    if bill is None:
        if not await bills.is_postpaid(line.id):
            return t.gettext("Your line is prepaid: it has no bills.")
        return t.gettext("You have no bill to pay.")
    try:
        order = await services.orders.place_bill_order(line.id, chat=chat)
    except DomainError as error:
        if error.code == "no_bill_due":  # paid between the read and the order
            return t.gettext("You have no bill to pay.")
        return _refusal(t, error)
    if order.status == OrderStatus.APPLIED:
        return t.gettext("Done: your bill is paid from your credit.")
    # The last day and the amount; the bill's period would not fit two Persian SMS parts.
    return t.gettext(
        "Bill to pay by %(due)s, order %(tracking)s: pay %(amount)s at %(url)s",
        due=t.date(bill.due_on),
        tracking=t.digits(str(order.tracking_number)),
        amount=t.money(order.payable, order.currency),
        url=_pay_url(order, short_link),
    )


async def deposit_answer(
    services: Services, t: Texts, line: SubscriberView, chat: ChatRef, short_link: ShortLink
) -> str:
    """What the new line owes at installation and the link that pays it (paid, the line
    opens); or that nothing is owed."""
    if line.line_status == LineStatus.CLOSED or line.deposit_due + line.installation_fee_due <= 0:
        return t.gettext("Your line has no deposit to pay.")
    try:
        order = await services.orders.place_deposit_order(line.id, chat=chat)
    except DomainError as error:
        if error.code == "no_deposit_due":  # paid between the read and the order
            return t.gettext("Your line has no deposit to pay.")
        return _refusal(t, error)
    if order.status == OrderStatus.APPLIED:
        return t.gettext("Done: your deposit is paid from your credit and your line is open.")
    return t.gettext(
        "Deposit, order %(tracking)s: pay %(amount)s at %(url)s; the line opens once it is paid.",
        tracking=t.digits(str(order.tracking_number)),
        amount=t.money(order.payable, order.currency),
        url=_pay_url(order, short_link),
    )


async def card_answer(services: Services, t: Texts, line: SubscriberView, argument: str) -> str:
    """``CARD OFF``: the saved card removed (no renewal charges it from now on); ``CARD``: whether
    one is saved and how to remove it."""
    cards = services.saved_cards
    if argument.split(" ", 1)[0].casefold() in _CARD_OFF:
        if await cards.remove(line.id):
            return t.gettext(
                "Your saved card is removed: automatic renewals are made from your wallet only."
            )
        return t.gettext("No card is saved for your line.")
    if await cards.has_card(line.id):
        return t.gettext(
            "A card is saved for your automatic renewals. Send %(command)s to remove it.",
            command=card_off_command(t.language),
        )
    return t.gettext("No card is saved for your line.")


def card_off_command(language: str) -> str:
    """The SMS that removes the saved card, in ``language``'s words."""
    card = {"id": "KARTU", "fa": "کارت"}.get(language, "CARD")
    return f"{card} {CARD_OFF_WORDS.get(language, CARD_OFF_WORDS['en'])[0]}"

"""Why a notice was sent, in the subscriber's words (Partak's message box shows each message's
reason): one short clause per kind, filled from the notice's own parameters.

Every notice carries its reason on every channel ("Why you got this: your service ends in 2
days"), SMS in the shorter form ("Why: ..."), and the message box lists it beside each message
sent. A kind without a reason here fails tests/dialogs/test_notice_reasons.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.i18n import Texts
from core.alerts import kinds

Reason = Callable[[Texts, dict[str, Any]], str]


def _number(t: Texts, params: dict[str, Any], name: str) -> str:
    return t.digits(str(params.get(name) or ""))


def _expiry(t: Texts, params: dict[str, Any]) -> str:
    days = int(params.get("days_before") or 0)
    if days > 0:
        return t.ngettext("your service ends in %(n)s day", "your service ends in %(n)s days", days)
    if params.get("ended"):
        return t.gettext("your service ended today")
    return t.gettext("your service ends today")


def _outage(t: Texts, params: dict[str, Any]) -> str:
    if params.get("audience") == "plan":
        return t.gettext("it is about a service disruption on your plan")
    return t.gettext("it is about a service disruption at the exchange centre serving your line")


def _outage_asked(t: Texts, params: dict[str, Any]) -> str:
    if params.get("asked") == "ticket":
        return t.gettext(
            "your ticket %(number)s is about this disruption",
            number=_number(t, params, "ticket_number"),
        )
    return t.gettext("you asked to be told when this disruption is repaired")


def _announcement(t: Texts, params: dict[str, Any]) -> str:
    audience = params.get("audience")
    if audience == "plan":
        return t.gettext("it is an announcement for the subscribers of your plan")
    if audience == "exchange_centre":
        return t.gettext("it is an announcement for the lines of your exchange centre")
    if audience == "everyone":
        return t.gettext("it is an announcement for all our subscribers")
    return t.gettext("it is an announcement from us")


def _order(t: Texts, params: dict[str, Any]) -> str:
    return t.gettext(
        "you paid for order %(tracking)s", tracking=_number(t, params, "tracking_number")
    )


def _ticket(t: Texts, params: dict[str, Any]) -> str:
    return t.gettext("you opened ticket %(number)s", number=_number(t, params, "ticket_number"))


def _handoff_started(t: Texts, params: dict[str, Any]) -> str:
    return t.gettext(
        "you asked for help in ticket %(number)s", number=_number(t, params, "ticket_number")
    )


def _handoff_ended(t: Texts, params: dict[str, Any]) -> str:
    return t.gettext(
        "you were talking with our support team about ticket %(number)s",
        number=_number(t, params, "ticket_number"),
    )


def _agent_gave(t: Texts, params: dict[str, Any]) -> str:
    return t.gettext(
        "our support team helped you in ticket %(number)s",
        number=_number(t, params, "ticket_number"),
    )


REASONS: dict[str, Reason] = {
    kinds.EXPIRY: _expiry,
    kinds.LOW_TRAFFIC: lambda t, _: t.gettext("your traffic is running low"),
    kinds.FREE_CHARGE_ENDING: lambda t, _: t.gettext(
        "your free charge is about to end and no service was bought since"
    ),
    kinds.DOCUMENT_REJECTED: lambda t, _: t.gettext("a document you uploaded was not accepted"),
    kinds.OUTAGE: _outage,
    kinds.ANNOUNCEMENT: _announcement,
    kinds.OUTAGE_REPAIRED: _outage_asked,
    kinds.PAYMENT_APPLIED: _order,
    kinds.PAYMENT_NOT_APPLIED: _order,
    kinds.WALLET_REFUNDED: lambda t, params: t.gettext(
        "we refunded order %(number)s to your wallet",
        number=_number(t, params, "tracking_number"),
    ),
    kinds.AUTO_RENEW_FAILED: lambda t, _: t.gettext(
        "you turned automatic renewal on and your service is about to end"
    ),
    kinds.CARD_CHARGE_AHEAD: lambda t, _: t.gettext(
        "you saved a card for automatic renewal and your wallet is short of the renewal"
    ),
    kinds.SERVICE_RESUMED: lambda t, _: t.gettext("your paused service ran again on its day"),
    kinds.BILL_DUE: lambda t, _: t.gettext("the last day to pay your postpaid bill is near"),
    kinds.BILL_UNPAID_ISOLATED: lambda t, _: t.gettext(
        "your postpaid bill was not paid by its last day"
    ),
    kinds.TICKET_ANSWERED: _ticket,
    kinds.TICKET_CLOSED: _ticket,
    kinds.HANDOFF_STARTED: _handoff_started,
    kinds.HANDOFF_ENDED: _handoff_ended,
    kinds.AGENT_FREE_CHARGE: _agent_gave,
    kinds.AGENT_EXTENSION: _agent_gave,
}


def reason(t: Texts, kind: str, params: dict[str, Any]) -> str:
    """Why a notice of ``kind`` was sent (a kind no longer known: "it is a message from us")."""
    explain = REASONS.get(kind)
    if explain is None:
        return t.gettext("it is a message from us")
    return explain(t, params)


def reason_line(t: Texts, kind: str, params: dict[str, Any], *, short: bool = False) -> str:
    """The line a notice ends with; ``short`` for SMS, whose parts are counted."""
    if short:
        return t.gettext("Why: %(reason)s", reason=reason(t, kind, params))
    return t.gettext("Why you got this: %(reason)s", reason=reason(t, kind, params))

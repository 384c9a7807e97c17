"""The summary card at the top of a ticket's topic: who, what service, what they wrote.

For agents, in the desk's language (``ISPBOT_AGENT_LANGUAGE``); the subscriber's own language is
on the card so the agent answers in it. National ID and mobile are partly hidden.
"""

from __future__ import annotations

from bot.handlers.agents import words
from bot.i18n import Texts
from bot.rendering.diagnosis import diagnosis_lines
from core.billing.enums import OrderKind
from core.billing.read_models import PaymentLine
from core.handoff.masking import mask_national_id, mask_phone
from core.handoff.queries import TicketCard
from core.tickets.queries import TicketView

# The card's copy of the ticket's text stops here (the rest follows in the topic's thread).
TEXT_SHOWN = 2500
LAST_PAYMENTS = 3


def topic_name(ticket: TicketView, t: Texts) -> str:
    """#469627 Slow internet · Technical support · High"""
    return t.gettext(
        "#%(number)s %(subject)s · %(department)s · %(priority)s",
        number=str(ticket.number),
        subject=ticket.subject,
        department=words.department(t, ticket.department),
        priority=words.priority(t, ticket.priority),
    )


def ticket_card(card: TicketCard, t: Texts) -> str:
    """``t``: the desk's language and the ISP's zone, for the labels, money and dates."""
    ticket = card.ticket
    related = ticket.related_service or t.gettext("none in particular")
    lines = [
        t.gettext(
            "Ticket #%(number)s · %(kind)s · %(department)s · priority %(priority)s · %(status)s",
            number=str(ticket.number),
            kind=words.kind(t, ticket.kind),
            department=words.department(t, ticket.department),
            priority=words.priority(t, ticket.priority),
            status=words.status(t, ticket.status),
        ),
        t.gettext("Subject: %(subject)s", subject=ticket.subject),
        t.gettext("Related service: %(service)s", service=related),
        t.gettext(
            "Language: %(language)s · Channel: %(channel)s",
            language=words.language(t, ticket.language),
            channel=words.channel(t, ticket.channel),
        ),
    ]
    if ticket.assigned_to:
        lines.append(t.gettext("Assigned to: %(agent)s", agent=ticket.assigned_to))
    if card.subscriber is None:
        lines.append(
            t.gettext(
                "Lead: %(name)s · %(phone)s",
                name=ticket.contact_name or "-",
                phone=mask_phone(ticket.contact_phone),
            )
        )
    else:
        lines += _subscriber_lines(card, t)
    if ticket.diagnosis:
        lines += ["", *diagnosis_lines(t, ticket.diagnosis)]
    body = card.first_message.body if card.first_message is not None else ""
    text = body if len(body) <= TEXT_SHOWN else body[:TEXT_SHOWN].rstrip() + "…"
    lines += ["", text]
    return "\n".join(lines)


def _subscriber_lines(card: TicketCard, t: Texts) -> list[str]:
    subscriber, status = card.subscriber, card.service
    assert subscriber is not None and status is not None
    lines = [
        t.gettext(
            "Subscriber: %(name)s · %(username)s",
            name=subscriber.full_name or "-",
            username=subscriber.username,
        ),
        t.gettext(
            "National ID: %(national_id)s · Mobile: %(mobile)s",
            national_id=mask_national_id(subscriber.national_id),
            mobile=mask_phone(subscriber.mobile),
        ),
        t.gettext("Line: %(status)s", status=words.line_status(t, status.line_status)),
    ]
    if status.plan is None:
        lines.append(t.gettext("Plan: none in force"))
    else:
        traffic = (
            t.gettext("unlimited") if status.unlimited else t.traffic(status.remaining_bytes or 0)
        )
        lines.append(
            t.ngettext(
                "Plan: %(plan)s · %(n)s day left · %(traffic)s left",
                "Plan: %(plan)s · %(n)s days left · %(traffic)s left",
                status.remaining_days,
                plan=t.plan_name(status.plan),
                traffic=traffic,
            )
        )
    if card.last_payments:
        lines.append(t.gettext("Last payments:"))
        lines += [_payment_line(payment, t) for payment in card.last_payments]
    else:
        lines.append(t.gettext("Last payments: none"))
    return lines


def _payment_line(payment: PaymentLine, t: Texts) -> str:
    """When it was paid, for which order, and the money as the subscriber's messages write it:
    what reached us through the gateway, and the wallet's part apart (no new money)."""
    parts = []
    if payment.paid or not payment.from_wallet:
        paid = t.money(payment.paid, payment.currency)
        if payment.gateway:
            paid = t.gettext("%(amount)s by %(gateway)s", amount=paid, gateway=payment.gateway)
        parts.append(paid)
    if payment.from_wallet:
        parts.append(
            t.gettext(
                "%(amount)s from the wallet", amount=t.money(payment.from_wallet, payment.currency)
            )
        )
    return t.gettext(
        "  %(when)s · #%(tracking)s · %(item)s · %(amounts)s",
        when=t.datetime(payment.paid_at),
        tracking=str(payment.tracking_number),
        item=t.plan_name(payment.plan) if payment.plan else _planless_item(t, payment.kind),
        amounts=" + ".join(parts),
    )


def _planless_item(t: Texts, kind: str) -> str:
    """What a payment without a plan paid for: a postpaid bill, a wallet top-up, else a new
    line's deposit."""
    if kind == OrderKind.BILL:
        return t.gettext("postpaid bill")
    if kind == OrderKind.WALLET_TOPUP:
        return t.gettext("wallet top-up")
    return t.gettext("deposit")

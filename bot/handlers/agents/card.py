"""The summary card at the top of a ticket's topic: who, what service, what they wrote.

For agents, in English (the working language of the desk); the subscriber's own language is on
the card so the agent answers in it. National ID and mobile are partly hidden.
"""

from __future__ import annotations

from bot.i18n import Texts, format_traffic
from core.billing.read_models import PaymentLine
from core.handoff.masking import mask_national_id, mask_phone
from core.handoff.queries import TicketCard
from core.tickets.queries import TicketView

# The card's copy of the ticket's text stops here (the rest follows in the topic's thread).
TEXT_SHOWN = 2500
LAST_PAYMENTS = 3


def topic_name(ticket: TicketView) -> str:
    """#469627 Slow internet · technical · high"""
    return (
        f"#{ticket.number} {ticket.subject} · {ticket.department.value} · {ticket.priority.value}"
    )


def ticket_card(card: TicketCard, t: Texts) -> str:
    """``t``: the desk's language and the ISP's zone, for the payments' money and dates."""
    ticket = card.ticket
    lines = [
        f"Ticket #{ticket.number} · {ticket.kind.value} · {ticket.department.value} · "
        f"priority {ticket.priority.value} · {ticket.status.value}",
        f"Subject: {ticket.subject}",
        f"Related service: {ticket.related_service or 'none in particular'}",
        f"Language: {ticket.language} · Channel: {ticket.channel or '-'}",
    ]
    if ticket.assigned_to:
        lines.append(f"Assigned to: {ticket.assigned_to}")
    if card.subscriber is None:
        lines.append(f"Lead: {ticket.contact_name or '-'} · {mask_phone(ticket.contact_phone)}")
    else:
        lines += _subscriber_lines(card, t)
    body = card.first_message.body if card.first_message is not None else ""
    text = body if len(body) <= TEXT_SHOWN else body[:TEXT_SHOWN].rstrip() + "…"
    lines += ["", text]
    return "\n".join(lines)


def _subscriber_lines(card: TicketCard, t: Texts) -> list[str]:
    subscriber, status = card.subscriber, card.service
    assert subscriber is not None and status is not None
    lines = [
        f"Subscriber: {subscriber.full_name or '-'} · {subscriber.username}",
        f"National ID: {mask_national_id(subscriber.national_id)} · "
        f"Mobile: {mask_phone(subscriber.mobile)}",
        f"Line: {status.line_status.value}",
    ]
    if status.plan is None:
        lines.append("Plan: none in force")
    else:
        traffic = (
            "unlimited" if status.unlimited else format_traffic(status.remaining_bytes or 0, "en")
        )
        lines.append(
            f"Plan: {status.plan.name_in('en')} · {status.remaining_days} days left · "
            f"{traffic} left"
        )
    if card.last_payments:
        lines.append("Last payments:")
        lines += [_payment_line(payment, t) for payment in card.last_payments]
    else:
        lines.append("Last payments: none")
    return lines


def _payment_line(payment: PaymentLine, t: Texts) -> str:
    """When it was paid, for which order, and the money as the subscriber's messages write it:
    what reached us through the gateway, and the wallet's part apart (no new money)."""
    parts = []
    if payment.paid or not payment.from_wallet:
        gateway = f" by {payment.gateway}" if payment.gateway else ""
        parts.append(f"{t.money(payment.paid, payment.currency)}{gateway}")
    if payment.from_wallet:
        parts.append(f"{t.money(payment.from_wallet, payment.currency)} from the wallet")
    return (
        f"  {t.datetime(payment.paid_at)} · #{payment.tracking_number} · "
        f"{payment.plan.name_in(t.language) if payment.plan else payment.kind.replace('_', ' ')} · "
        f"{' + '.join(parts)}"
    )

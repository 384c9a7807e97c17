"""The alert kinds and the key that makes each one go out once per subscriber and period.

The key is the outbox's unique ``dedup_key``: a second sweep, a second worker or a sweep re-run
after a crash writes the same key, and the database refuses it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

EXPIRY = "service_expiring"
LOW_TRAFFIC = "traffic_low"
FREE_CHARGE_ENDING = "free_charge_ending"
DOCUMENT_REJECTED = "document_rejected"
OUTAGE = "outage"
ANNOUNCEMENT = "announcement"
# An outage's repair, for those who asked to be told (the connection check's "tell me when it
# is fixed") and those whose ticket is linked to it: never muted, they asked.
OUTAGE_REPAIRED = "outage_repaired"
# Sent by the services that cause them, listed so the sweep's report names every alert and the
# outbox relay knows how old each may be (core/inbox/freshness.py).
PAYMENT_APPLIED = "order_applied"
PAYMENT_NOT_APPLIED = "order_not_applied"
# Staff gave back (part of) a paid order to the wallet.
WALLET_REFUNDED = "wallet_refunded"
TICKET_ANSWERED = "ticket_answered"
# Closed by an agent: the subscriber is asked for a score.
TICKET_CLOSED = "ticket_closed"
HANDOFF_STARTED = "handoff_started"
HANDOFF_ENDED = "handoff_ended"
AGENT_FREE_CHARGE = "agent_free_charge"
AGENT_EXTENSION = "agent_extension"
# Postpaid bills: a reminder before the last day to pay, and the line isolated for one unpaid.
BILL_DUE = "bill_due"
BILL_UNPAID_ISOLATED = "bill_unpaid_isolated"
# An automatic renewal that could not be made from the wallet (core/billing/auto_renew.py).
AUTO_RENEW_FAILED = "auto_renew_failed"
# A saved card is about to be charged what the wallet lacks for an automatic renewal.
CARD_CHARGE_AHEAD = "card_charge_ahead"
# A paused service ran again on the day chosen (core/billing/pauses.py).
SERVICE_RESUMED = "service_resumed"


def expiry_key(subscriber_id: int, days_before: int, expiry_day: date) -> str:
    """Once per subscriber, reminder (2 days before, on the day) and day the service ends."""
    return f"{EXPIRY}:{days_before}:{subscriber_id}:{expiry_day.isoformat()}"


def expiry_key_sql(subscriber_id: str, days_before: int, expiry_day: date) -> str:
    """``expiry_key`` as a SQL expression of the subscriber's id (core/alerts/settled.py tests
    the outbox for it in the statement that selects the alerts)."""
    return f"'{EXPIRY}:{int(days_before)}:' || {subscriber_id} || ':{expiry_day.isoformat()}'"


def low_traffic_key(subscriber_id: int, subscription_id: int, allowance_bytes: int) -> str:
    """Once per subscription and allowance: traffic bought later makes a new allowance, which
    may run low again."""
    return f"{LOW_TRAFFIC}:{subscriber_id}:{subscription_id}:{allowance_bytes}"


def low_traffic_key_sql(subscriber_id: str, subscription_id: str, allowance_bytes: str) -> str:
    """``low_traffic_key`` as a SQL expression of three SQL expressions."""
    parts = " || ':' || ".join((subscriber_id, subscription_id, allowance_bytes))
    return f"'{LOW_TRAFFIC}:' || {parts}"


def free_charge_ending_key(subscriber_id: int, grant_id: int) -> str:
    return f"{FREE_CHARGE_ENDING}:{subscriber_id}:{grant_id}"


def document_rejected_key(subscriber_id: int, document_id: int) -> str:
    return f"{DOCUMENT_REJECTED}:{subscriber_id}:{document_id}"


def auto_renew_key(subscriber_id: int, ends_at: datetime) -> str:
    """Once per subscriber and end of service."""
    return f"{AUTO_RENEW_FAILED}:{subscriber_id}:{ends_at.astimezone(UTC).isoformat()}"


def card_failed_key(subscriber_id: int, ends_at: datetime) -> str:
    """Once per subscriber and end of service: a saved card refused (apart from a short
    wallet told before it, under ``auto_renew_key``)."""
    return f"{auto_renew_key(subscriber_id, ends_at)}:card"


def card_charge_key(subscriber_id: int, ends_at: datetime, amount: int) -> str:
    """Once per end of service and amount: a larger amount is told again before it is charged."""
    return f"{CARD_CHARGE_AHEAD}:{subscriber_id}:{ends_at.astimezone(UTC).isoformat()}:{amount}"


def service_resumed_key(pause_id: int) -> str:
    return f"{SERVICE_RESUMED}:{pause_id}"


def bill_due_key(bill_id: int) -> str:
    return f"{BILL_DUE}:{bill_id}"


def bill_isolated_key(bill_id: int) -> str:
    return f"{BILL_UNPAID_ISOLATED}:{bill_id}"


def outage_key(subscriber_id: int, outage_id: int, stage: str, update: int) -> str:
    """Once per subscriber and outage report (the start, each progress report, the repair)."""
    return f"{OUTAGE}:{outage_id}:{stage}:{update}:{subscriber_id}"


def announcement_key(subscriber_id: int, announcement_id: int) -> str:
    return f"{ANNOUNCEMENT}:{announcement_id}:{subscriber_id}"

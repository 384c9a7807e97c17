"""The words the console shows for the core's codes. Most are the chat's own (the same msgids,
so the same translations); a code without a word here is shown as it is."""

from __future__ import annotations

from bot.dialogs.billing_words import KIND_LABELS
from bot.i18n import N_, Texts

LINE_STATUSES = {
    "in_operation": N_("In operation"),
    "isolated": N_("Isolated (deposit not paid)"),
    "in_collection_list": N_("In collection list"),
    "documents_suspended": N_("Suspended for documents"),
    "closed": N_("Closed"),
}
ORDER_STATUSES = {
    "pending": N_("waiting for payment"),
    "paid": N_("paid"),
    "applied": N_("paid and applied"),
    "failed": N_("payment failed"),
    "cancelled": N_("cancelled"),
}
DEPARTMENTS = {
    "technical": N_("Technical support"),
    "billing": N_("Billing & payments"),
    "sales": N_("Sales & marketing"),
}
PRIORITIES = {
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
    "very_high": N_("Very high"),
}
CHANNELS = {
    "telegram": N_("Telegram"),
    "whatsapp": N_("WhatsApp"),
    "sms": N_("SMS"),
    "web": N_("Web chat"),
    "console": N_("Console"),
}
MESSAGE_KINDS = {
    "service_expiring": N_("Service ending"),
    "traffic_low": N_("Traffic running low"),
    "free_charge_ending": N_("Free charge ending"),
    "document_rejected": N_("Document rejected"),
    "outage": N_("Outage"),
    "announcement": N_("Announcement"),
    "order_applied": N_("Payment applied"),
    "ticket_answered": N_("Ticket answered"),
    "ticket_closed": N_("Ticket closed"),
    "order_not_applied": N_("Payment not applied"),
    "handoff_started": N_("Agent joined the chat"),
    "handoff_ended": N_("Agent left the chat"),
}
TICKET_STATUSES = {
    "open": N_("Open"),
    "answered": N_("Answered"),
    "customer_reply": N_("Subscriber replied"),
    "closed": N_("Closed"),
}
DOCUMENT_KINDS = {
    "phone_bill": N_("Phone bill"),
    "national_id_card": N_("National ID card"),
    "student_card": N_("Student card"),
    "lease": N_("Lease"),
}
DOCUMENT_STATUSES = {
    "pending": N_("Waiting for review"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}
# The subscriber reads these (the chat's own words, bot/dialogs/flows/documents.py).
REJECT_REASONS = {
    "illegible": N_("the copy cannot be read (blurred, dark or cut off)"),
    "wrong_document": N_("it is not the document asked for"),
    "expired": N_("the document has expired"),
    "name_mismatch": N_("the name on it is not the subscriber's"),
    "incomplete": N_("a page or a side is missing"),
    "other": N_("another reason"),
}
ROLES = {
    "admin": N_("Administrator"),
    "operator": N_("Operator"),
    "billing": N_("Billing"),
    "agent": N_("Support agent"),
}

BILL_STATES = {
    "open": N_("Issued"),
    "overdue": N_("Overdue"),
    "paid": N_("Paid"),
}

VOCABULARIES = {
    "order_kind": KIND_LABELS,
    "bill_state": BILL_STATES,
    "line_status": LINE_STATUSES,
    "order_status": ORDER_STATUSES,
    "department": DEPARTMENTS,
    "priority": PRIORITIES,
    "channel": CHANNELS,
    "message_kind": MESSAGE_KINDS,
    "role": ROLES,
    "ticket_status": TICKET_STATUSES,
    "document_kind": DOCUMENT_KINDS,
    "document_status": DOCUMENT_STATUSES,
    "reject_reason": REJECT_REASONS,
}


def label(texts: Texts, vocabulary: str, code: object) -> str:
    """The word for ``code`` (an enum or its value) in ``vocabulary``, translated."""
    value = str(getattr(code, "value", code))
    word = VOCABULARIES[vocabulary].get(value)
    return texts.gettext(word) if word is not None else value

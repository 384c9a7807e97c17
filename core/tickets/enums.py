"""The tickets' fixed vocabularies: departments, priorities, states, kinds, authors.

Plain values, apart from the ORM models, so that channels and dialogs may name them."""

from __future__ import annotations

from enum import StrEnum


class Department(StrEnum):
    TECHNICAL = "technical"
    BILLING = "billing"
    SALES = "sales"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    # For emergencies only (seed: "high" is reserved for outages and urgent cases).
    HIGH = "high"
    VERY_HIGH = "very_high"


# The satisfaction survey's scores, 1 (poor) to 5 (excellent).
SATISFACTION_SCORES = range(1, 6)


class TicketStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CUSTOMER_REPLY = "customer_reply"
    CLOSED = "closed"


class TicketKind(StrEnum):
    SUPPORT = "support"
    COMPLAINT = "complaint"
    # A person who is not a subscriber yet asks for a line (a Sales lead).
    REGISTRATION = "registration"
    CLOSURE = "closure"
    AGENT_REQUEST = "agent_request"


class AuthorKind(StrEnum):
    SUBSCRIBER = "subscriber"
    AGENT = "agent"
    SYSTEM = "system"

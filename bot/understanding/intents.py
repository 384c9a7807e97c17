"""What a message may ask for: the labels the matcher answers with.

``faq:<topic>`` labels are the FAQ's entries (core.faq), matched from their sample questions
as well as from the development phrases; ``none`` is what the bot does not do (the weather,
"lol"), kept as a label so that such messages have somewhere to be nearest to; ``greeting`` is a
message that only says hello (the menu answers it).
"""

from __future__ import annotations

FAQ_PREFIX = "faq:"
NONE = "none"
GREETING = "greeting"

INTENTS: frozenset[str] = frozenset(
    {
        "my_service",
        "days_left",
        "traffic_left",
        "buy_traffic",
        "renew",
        "change_plan",
        "usage",
        "free_charge",
        "history",
        "receipts",
        "ticket_new",
        "my_tickets",
        "agent",
        "check_connection",
        "outage",
        "pause",
        "forgot_password",
        "passwords",
        "profile",
        "documents",
        "language",
        "logout",
        "help",
        GREETING,
        "faq:modem_setup",
        "faq:payment_methods",
        "faq:coverage",
        "faq:office_hours",
        "faq:prices",
        NONE,
    }
)


def is_faq(label: str) -> bool:
    return label.startswith(FAQ_PREFIX)

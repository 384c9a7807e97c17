"""How long a ticket's texts may be and how many files a message may carry: the core refuses
more, and the dialogs hold their answers to the same numbers before they send them."""

from __future__ import annotations

SUBJECT_MAX_LENGTH = 200  # Ticket.subject's column
BODY_MAX_LENGTH = 10_000
MAX_ATTACHMENTS = 5
NAME_MAX_LENGTH = 120
ADDRESS_MAX_LENGTH = 1000  # a lead's address

"""Throttle keys. Accounts and unknown names live in separate spaces, so typing the name "42"
(nobody's) three times cannot lock the account whose id is 42."""

from __future__ import annotations


def login_chat_key(channel: str, external_id: str) -> str:
    return f"login:chat:{channel}:{external_id}"


def login_account_key(subscriber_id: int) -> str:
    return f"login:account:{subscriber_id}"


def login_unknown_key(identifier: str) -> str:
    return f"login:unknown:{identifier}"


def reset_chat_key(channel: str, external_id: str) -> str:
    return f"reset:chat:{channel}:{external_id}"


def reset_username_key(username: str) -> str:
    return f"reset:username:{username}"


def staff_login_key(username: str) -> str:
    """A staff member's logins, known or not, in a space of their own."""
    return f"login:staff:{username}"


def email_code_account_key(subscriber_id: int) -> str:
    """Codes sent by email for one line (an allowance, never a lock)."""
    return f"email-code:account:{subscriber_id}"


def email_code_address_key(address: str) -> str:
    """Codes sent by email to one address, whoever asked."""
    return f"email-code:address:{address.casefold()}"

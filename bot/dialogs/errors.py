"""Domain refusals in words: each stable error code of the core has its translated message.

Details of the error fill the message's placeholders. A code without a message here gets a
general answer (and a log line, so the missing message is noticed).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.i18n import N_, Texts
from core.billing.units import BYTES_PER_MB
from core.errors import DomainError

log = logging.getLogger(__name__)

MESSAGES: dict[str, str] = {
    # logging in and passwords
    "login_locked": N_(
        "Too many wrong passwords. For your safety, logging in is blocked for %(minutes_left)s "
        "minutes."
    ),
    "login_link_used": N_(
        "This login link was already used, so it works no more. Ask for a new one, or log in "
        "with your username and panel password."
    ),
    "login_link_expired": N_(
        "This login link has expired. Ask for a new one, or log in with your username and "
        "panel password."
    ),
    "login_link_unknown": N_(
        "That login code is not right. Check it or ask for a new link, or log in with your "
        "username and panel password."
    ),
    "reset_rate_limited": N_(
        "You have asked for a new password too often. Please try again in %(minutes_left)s minutes."
    ),
    "passwords_differ": N_("The two new passwords are not the same."),
    "password_too_weak": N_(
        "That password is too easy to guess. Use at least %(min_length)s characters, with "
        "letters and digits, and not your username."
    ),
    "password_too_long": N_("That password is too long (at most %(max_length)s characters)."),
    "password_unchanged": N_("The new password must be different from the current one."),
    "password_invalid_characters": N_(
        "Modems accept only English letters, digits and symbols, without spaces."
    ),
    # profile and documents
    "invalid_email": N_("That does not look like an email address."),
    "invalid_mobile": N_("That does not look like a mobile number."),
    "invalid_national_id": N_("That national ID number is not valid. Please check it."),
    "invalid_postal_code": N_("That postal code is not valid. Please check it."),
    "invalid_full_name": N_("Please write your full name."),
    "profile_field_required": N_("Please write a value."),
    "profile_field_not_editable": N_("That part of the profile can only be changed by us."),
    "birth_date_locked": N_("The birth date is already set and cannot be changed here."),
    "invalid_birth_date": N_("That date is not valid."),
    "birth_date_in_future": N_("That date is in the future."),
    "invalid_date": N_("That date is not valid. Please write it like %(example)s."),
    "attachment_type_not_allowed": N_("Please send a picture (JPEG or PNG) or a PDF file."),
    "attachment_too_large": N_("That file is too large (at most %(max_mb)s MB)."),
    "attachment_empty": N_("That file is empty."),
    "unknown_document_kind": N_("Please choose one of the document types."),
    # the mobile and the national ID, changed by their owner only
    "owner_check_required": N_(
        "Your mobile and national ID can be changed only after your current password: choose "
        "it again in My profile."
    ),
    "owner_check_expired": N_(
        "That took more than %(minutes)s minutes, so please send your current panel password again."
    ),
    "mobile_taken": N_(
        "That number is the mobile of another line. Send another number, or open a support "
        "ticket if it is yours."
    ),
    "mobile_unchanged": N_("That is already your mobile number. Send a new one, or write back."),
    # reviewing documents (the agents' group)
    "document_not_found": N_("There is no document #%(document_id)s. Write /docs for the list."),
    "document_already_reviewed": N_(
        "Document #%(document_id)s was already reviewed (%(document_status)s); only a new copy "
        "can be reviewed."
    ),
    "reject_reason_required": N_("Choose a reason from the list to reject a document."),
    "unknown_reject_reason": N_("Choose a reason from the list to reject a document."),
    # billing
    "line_closed": N_(
        "This line is closed, so nothing can be bought for it. To open it again, please talk to "
        "an agent or open a support ticket."
    ),
    "deposit_due": N_(
        "Your line stays isolated until its deposit and installation fee (%(owed)s) are paid, so "
        "nothing bought now could be used. Please choose Pay the deposit first: the line opens "
        "as soon as it is paid."
    ),
    "bill_unpaid": N_(
        "Your line is isolated because a bill (%(owed)s) is unpaid, so nothing bought now could "
        "be used. Please choose Bills, then Pay the open bill: the line opens as soon as it is "
        "paid."
    ),
    "line_isolated": N_(
        "Your line is isolated, so nothing bought now could be used. Please talk to an agent or "
        "open a support ticket to have it opened."
    ),
    "documents_suspended": N_(
        "Your line is cut because no valid document came in time, so nothing bought now could "
        "be used. Please upload your documents (My documents): the line opens once they are "
        "approved."
    ),
    "plan_not_found": N_("That plan is not available."),
    "plan_not_available": N_("That plan is not available."),
    "plan_unchanged": N_("You already have this plan. To extend it, choose Renew."),
    "no_active_service": N_("You have no active service to add to. Please buy a service first."),
    "service_unlimited": N_("Your service has unlimited traffic, so no traffic is needed."),
    "invalid_months": N_("Please choose between %(min)s and %(max)s months."),
    "wallet_insufficient": N_("Your wallet does not have enough credit."),
    "order_not_found": N_("There is no order with that tracking number."),
    "order_not_payable": N_("This order can no longer be paid."),
    "free_charge_already_used": N_(
        "You have already used your one-time free charge. It can be used only once."
    ),
    "free_charge_not_eligible": N_(
        "The free charge is for when your days or your traffic have run out. You still have "
        "service, so you do not need it now."
    ),
    "static_ips_not_offered": N_(
        "No static IP addresses are offered. Please contact support if you need one."
    ),
    "static_ip_pool_exhausted": N_(
        "No static IP is free at the moment. Please open a ticket and we will arrange one."
    ),
    "unknown_gateway": N_(
        "Online payment is not available for your account yet. Nothing was charged. Please "
        "open a ticket and we will help you pay."
    ),
    "cards_not_offered": N_(
        "A card cannot be saved for your account: renewals are made from your wallet. Top up "
        "your wallet to keep enough for them."
    ),
    "payment_unavailable": N_(
        "The payment service cannot be reached right now. Nothing was charged. Please try again "
        "in a few minutes."
    ),
    # tickets
    "ticket_not_found": N_("There is no ticket with that number among yours."),
    "subject_required": N_("Please write a subject."),
    "subject_too_long": N_("The subject is too long (at most %(max_length)s characters)."),
    "body_required": N_("Please write your message."),
    "message_too_long": N_(
        "Your message is too long: at most %(max_length)s characters go through, and nothing "
        "of it was kept. Please shorten it, or send it in parts."
    ),
    "unknown_related_service": N_("Please choose one of your services, or None in particular."),
    "body_too_long": N_("The message is too long (at most %(max_length)s characters)."),
    "rating_out_of_range": N_("Please choose a score from 1 to 5."),
    "ticket_not_closed": N_("A ticket can be rated once it is closed."),
    "ticket_already_rated": N_("You have already rated this ticket. Thank you!"),
    "closure_already_requested": N_(
        "You have already asked to close your line (ticket %(ticket_number)s). We will be in touch."
    ),
    "contact_phone_invalid": N_("That does not look like a phone number."),
    "invalid_topup_amount": N_(
        "A top-up can be from %(min_amount)s to %(max_amount)s. Please choose or type an amount "
        "in that range."
    ),
    "too_many_attachments": N_("That is too many files for one message."),
    "service_paused": N_(
        "Your service is paused, so it cannot be changed now. Resume it first (My account, "
        "Pause my service), then change it."
    ),
    # "tell me when it is fixed" (the connection check)
    "outage_already_resolved": N_(
        "This disruption has been repaired already. If your line still does not connect, check "
        "it again."
    ),
    "outage_not_found": N_("This disruption does not concern your line any more."),
}


def add_messages(messages: dict[str, str]) -> None:
    """Flow modules add the messages of the codes only they meet (marked with N_)."""
    for code, message in messages.items():
        if MESSAGES.get(code, message) != message:
            raise RuntimeError(f"two messages for error code {code!r}")
        MESSAGES[code] = message


GENERAL = N_("That cannot be done right now. Please try again later or talk to an agent.")
# Any "<field>_too_long" without a message of its own (a profile value, an address, a reason).
TOO_LONG = N_("That is too long (at most %(max_length)s characters).")

# Amounts in minor units of the error's ``currency``: shown as money.
_MONEY = {"owed", "min_amount", "max_amount"}
# Numbers that are codes, not quantities: shown with the language's digits but not grouped.
_CODES = {"ticket_number", "tracking_number", "document_id"}


def _counted_text(t: Texts, error: DomainError) -> str | None:
    """The messages that count tries left, in the plural form the number takes."""
    left = error.details.get("attempts_left")
    if not isinstance(left, int):
        return None
    if error.code == "login_failed":
        return t.ngettext(
            "The username or password is not right. You have %(n)s more try. Your username is "
            "kept: send the password again, or write menu to start over with another username.",
            "The username or password is not right. You have %(n)s more tries. Your username is "
            "kept: send the password again, or write menu to start over with another username.",
            left,
        )
    if error.code == "wrong_code":
        return t.ngettext(
            "That code is not right. You have %(n)s more try; or choose Send the code again.",
            "That code is not right. You have %(n)s more tries; or choose Send the code again.",
            left,
        )
    if error.code == "wrong_password":
        return t.ngettext(
            "The current password is not right. You have %(n)s more try.",
            "The current password is not right. You have %(n)s more tries.",
            left,
        )
    return None


def error_text(t: Texts, error: DomainError) -> str:
    counted = _counted_text(t, error)
    if counted is not None:
        return counted
    message = MESSAGES.get(error.code)
    if message is None and error.code.endswith("_too_long"):
        message = TOO_LONG
    if message is None:
        log.warning("no message for domain error %r %s", error.code, error.details)
        return t.gettext(GENERAL)
    params: dict[str, Any] = {}
    for name, value in error.details.items():
        params[name] = t.digits(str(value)) if name in _CODES else value
    if isinstance(error.details.get("currency"), str):
        for name in _MONEY & params.keys():
            params[name] = t.money(int(error.details[name]), error.details["currency"])
    if "max_bytes" in params and "max_mb" not in params:
        params["max_mb"] = size_limit_mb(int(error.details["max_bytes"]))
    try:
        return t.gettext(message, **params)
    except (KeyError, TypeError, ValueError):
        log.warning("message for %r needs details it lacks: %s", error.code, error.details)
        return t.gettext(GENERAL)


def size_limit_mb(num_bytes: int) -> int | float:
    """A file size limit as the megabytes a person reads: whole from 1 MB up, else two places."""
    megabytes = num_bytes / BYTES_PER_MB
    return int(megabytes) if megabytes >= 1 else round(megabytes, 2)

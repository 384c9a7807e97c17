"""The core's refusals and the console's own, in words for staff. Details of the error fill
the message's placeholders."""

from __future__ import annotations

from bot.i18n import N_, Texts
from core.errors import DomainError

MESSAGES: dict[str, str] = {
    "login_failed": N_(
        "The username, password or code is not right. Attempts left: %(attempts_left)s."
    ),
    "login_locked": N_(
        "Too many wrong attempts. Logging in is blocked for %(minutes_left)s minutes."
    ),
    "unknown_line_status": N_("Choose one of the line statuses."),
    "reason_too_long": N_("The reason is too long (at most %(max_length)s characters)."),
    "chat_not_linked": N_("That chat is no longer linked to this subscriber."),
    "subscriber_not_found": N_("There is no such subscriber."),
    "outage_not_found": N_("There is no such outage."),
    "announcement_not_found": N_("There is no such announcement."),
    "plan_not_found": N_("There is no plan with that code."),
    "unknown_language": N_("Choose one of the languages."),
    "invalid_period": N_("Choose one of the periods."),
    "invalid_page": N_("That page link is not valid. Start the list again."),
    "ticket_not_found": N_("There is no such ticket."),
    "attachment_not_found": N_("That file is not part of this ticket."),
    "file_missing": N_("The file is missing from the file store."),
    "document_not_found": N_("There is no such document."),
    "document_already_reviewed": N_(
        "Someone reviewed this document already; nothing was changed. Its verdict is shown below."
    ),
    "reject_reason_required": N_("Choose a reason from the list to reject a document."),
    "unknown_reject_reason": N_("Choose a reason from the list to reject a document."),
    "unknown_decision": N_("Choose approve or reject."),
    "note_too_long": N_("The note is too long (at most %(max_length)s characters)."),
    "body_required": N_("Write the text first."),
    "body_too_long": N_("The text is too long (at most %(max_length)s characters)."),
    "title_required": N_("Give the reply a short title."),
    "title_too_long": N_("The title is too long (at most 80 characters)."),
    "priority_invalid": N_("Choose one of the priorities."),
    "department_invalid": N_("Choose one of the departments."),
    "status_invalid": N_("Choose one of the states."),
    "age_invalid": N_("Choose one of the ages."),
    "assigned_too_long": N_("That name is too long."),
    "unknown_assignee": N_("Choose a member of staff who handles tickets."),
    "canned_reply_not_found": N_("There is no such canned reply."),
    "faq_entry_not_found": N_("There is no such FAQ entry."),
    "unmatched_text_not_found": N_("That text is no longer in the list."),
    "faq_topic_taken": N_("There is an entry with that topic already: choose another."),
    "faq_topic_invalid": N_(
        "Give a topic of lower-case Latin letters, digits and _ (at most 60 characters)."
    ),
    "faq_questions_invalid": N_(
        "Write one question a line: at most %(questions)s per language, each at most "
        "%(question_length)s characters."
    ),
    "faq_answers_invalid": N_(
        "Write the answer in at least one language (at most %(answer_length)s characters)."
    ),
    "faq_address_invalid": N_(
        "Give an address that starts with http:// or https:// (at most %(url_length)s characters)."
    ),
    # The subscriber page's service and money actions.
    "not_a_whole_number": N_("Write a whole number (digits only)."),
    "invalid_days": N_("Write a number of days from 1 to %(max)s."),
    "no_service_in_force": N_("The subscriber has no service in force to extend."),
    "static_ips_not_offered": N_("No static IP pool is set (ISPBOT_STATIC_IP_POOL)."),
    "static_ip_pool_exhausted": N_("Every address of the pool is taken."),
    "static_ip_already_assigned": N_("The line already has a static IP: release it first."),
    "invalid_static_ip": N_("That is not an IP address."),
    "static_ip_not_in_pool": N_("That address is not in the pool."),
    "static_ip_taken": N_("Another line has that address."),
    "no_static_ip": N_("The line has no static IP."),
    "invalid_amount": N_("Write an amount of 0 or more, in whole units of the currency."),
    "line_closed": N_("The line is closed."),
    "order_not_found": N_("This subscriber has no order with that tracking number."),
    "order_not_paid": N_("Only a paid order can be refunded."),
    "refund_exceeds_payment": N_("The refund must be from 1 to %(payable)s, what the order cost."),
    "order_already_refunded": N_("This order was refunded already."),
    "order_not_refundable": N_(
        "A wallet top-up is not refunded to the wallet: its money is there already."
    ),
    "refund_note_missing": N_("Say why the order is refunded: the subscriber reads it."),
    "refund_note_too_long": N_("The reason is too long (at most %(max_length)s characters)."),
    # Billing's lists and pages.
    "invalid_order_status": N_("Choose one of the states."),
    "invalid_date": N_("Write the day as YYYY-MM-DD."),
    "invalid_bill_state": N_("Choose one of the states."),
    "invalid_deposit_filter": N_("Choose owed or paid."),
    "receipt_not_found": N_("This order has no receipt: only an applied order has one."),
    # Card charges to settle.
    "card_reference_missing": N_(
        "Write the provider's payment reference, as its dashboard shows it (pi_...)."
    ),
    "card_reference_invalid": N_(
        "A payment reference has no spaces and at most %(max_length)s characters."
    ),
    "card_reference_in_use": N_("Another order was paid with that payment reference."),
    "card_reference_unknown": N_(
        "The provider did not confirm a payment with that reference (it does not know it, or "
        "could not be asked now). Check the reference in its dashboard and try again."
    ),
    "card_reference_not_paid": N_(
        "The provider holds that payment as not paid (still pending, or failed): it does not "
        "settle the order."
    ),
    "card_reference_mismatch": N_(
        "That payment's amount or currency is not the order's: it is not this charge."
    ),
    "card_charge_not_unresolved": N_(
        "This card charge does not wait to be settled (it was settled meanwhile, or its "
        "provider may still answer); nothing was changed. The order's page shows its state."
    ),
    # Imports.
    "import_file_missing": N_("Choose a CSV file to import."),
    "import_kind_unknown": N_("Choose what the file holds."),
    "import_file_too_large": N_(
        "The file is larger than %(megabytes)s MB: import it on the server (ispbot import)."
    ),
    "import_not_found": N_("There is no such import."),
    "import_report_not_found": N_("This import rejected no rows: there is no report."),
    "pause_not_paused": N_("The service is not paused: it may have resumed meanwhile."),
    "csrf": N_(
        "This form has expired or did not come from the console. Open the page again and "
        "send it from there."
    ),
    "forbidden": N_("Your role does not give access to this page or action."),
    "not_found": N_("There is no such page."),
    "bad_request": N_("The request was not understood."),
    "server_error": N_("Something went wrong on our side, and nothing was changed. Try again."),
}


def message(texts: Texts, code: str, **details: object) -> str:
    text = MESSAGES.get(code, MESSAGES["bad_request"])
    wanted = {k: v for k, v in details.items() if f"%({k})s" in text}
    return texts.gettext(text, **wanted)


def error_message(texts: Texts, error: DomainError) -> str:
    return message(texts, error.code, **error.details)

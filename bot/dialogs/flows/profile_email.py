"""The email part of the profile: what the address's state means to the subscriber, and the
words for the refusals of core/accounts/email_addresses.py. The steps are the profile's
(profile.py): a new address gets a code by email, and counts once the code comes back."""

from __future__ import annotations

from bot.dialogs.errors import add_messages
from bot.dialogs.flow import Context
from bot.i18n import N_
from core.accounts.queries import SubscriberView

add_messages(
    {
        "email_not_offered": N_("Notices by email are not offered."),
        "email_unchanged": N_(
            "That is already your confirmed email address. Send another one, or write back."
        ),
        "email_refused": N_(
            "The mail server of that address refused it. Please check it and send it again, "
            "or send another address."
        ),
        "email_not_sent": N_(
            "The email with your code could not be sent just now. Please try again in a few "
            "minutes."
        ),
        "email_code_expired": N_(
            "That code is no longer valid (it works for %(minutes)s minutes). Please send your "
            "email address again to get a new one."
        ),
        "email_not_confirmed": N_(
            "Your email address is not confirmed yet: choose Confirm my email first."
        ),
        "email_code_rate_limited": N_(
            "Too many codes were sent by email. Please try again in %(minutes_left)s minutes."
        ),
        "email_bounced": N_(
            "Emails to your address came back undelivered. Please set your email again "
            "(Edit a detail, then Email)."
        ),
    }
)


def email_status_line(ctx: Context, p: SubscriberView) -> str | None:
    """What the profile says of the address as a channel; None when there is nothing to say."""
    if not p.email:
        return None
    if p.email_bounced_at is not None:
        return ctx._(
            "Emails to %(address)s came back undelivered on %(date)s, so nothing is sent there "
            "now. Please set your email again.",
            address=p.email,
            date=ctx.t.day(p.email_bounced_at),
        )
    if p.email_verified_at is None:
        return ctx._("Your email is not confirmed yet: nothing is sent there until you confirm it.")
    if p.email_notices:
        return ctx._("Notices by email: on.")
    return ctx._("Notices by email: off.")


def email_options(ctx: Context, p: SubscriberView) -> list[tuple[str, str]]:
    """The profile's choices about email: (option id, label)."""
    if not p.email or p.email_bounced_at is not None:
        return []
    if p.email_verified_at is None:
        return [("email:confirm", ctx._("Confirm my email"))]
    if p.email_notices:
        return [("email:off", ctx._("Turn email notices off"))]
    return [("email:on", ctx._("Turn email notices on"))]

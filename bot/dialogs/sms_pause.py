"""The SMS keywords that pause the service and resume it: ``JEDA``/``تعلیق``/``PAUSE <days>``
pauses it at once for that many days, or weeks when a unit is written (``PAUSE 2 weeks``,
``JEDA 2 minggu``, ``تعلیق ۲ هفته``; an SMS keyword is its own confirmation, as ``BUY 1`` is;
the fee, if any, is taken from the wallet) and ``LANJUT``/``ادامه``/``RESUME`` resumes it early.
Without a number, or with anything else after it, PAUSE says the limits and the
fee and pauses nothing. Every answer fits two SMS parts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.dialogs.flows.pause import pause_refusal_text
from bot.dialogs.normalize import fold, parse_int
from bot.dialogs.services import Services
from bot.i18n import Texts
from core.accounts.queries import SubscriberView
from core.errors import DomainError

# A blocked line's refusal as the SMS keywords word it (what opens the line, by keyword).
Blocked = Callable[[Texts, DomainError], str]
# What quotes.refuse_blocked_line raises.
BLOCKED = {"deposit_due", "bill_unpaid", "documents_suspended", "line_isolated", "line_closed"}
# The units a length may be written in, in the three languages, folded (``fold``): days each.
UNIT_DAYS = {
    "day": 1,
    "days": 1,
    "hari": 1,
    "روز": 1,
    "week": 7,
    "weeks": 7,
    "minggu": 7,
    "هفته": 7,
}


def pause_days(argument: str) -> int | None:
    """The days a PAUSE asks for: a number alone, or a number and a unit (``8 weeks``: 56).
    None for anything else: read as days, ``8 weeks``' first word alone paused 8 days."""
    words = argument.split()
    if len(words) == 1:
        return parse_int(words[0])
    if len(words) == 2 and (per_unit := UNIT_DAYS.get(fold(words[1]))) is not None:
        number = parse_int(words[0])
        return None if number is None else number * per_unit
    return None


async def pause_answer(
    services: Services,
    t: Texts,
    line: SubscriberView,
    argument: str,
    words: tuple[str, str],
    blocked: Blocked,
) -> str:
    """``words``: the pause and resume keywords as this language writes them."""
    pause, resume = words
    pauses = services.pauses
    days = pause_days(argument)
    if days is None:
        seen = await pauses.state(line.id)
        limits = seen.limits
        if seen.current is not None:
            return t.gettext(
                "Your service is paused until %(date)s. Send %(resume)s to resume it now.",
                date=t.datetime(seen.current.resume_at),
                resume=resume,
            )
        if not limits.offered:
            return pause_refusal_text(t, DomainError("pause_not_offered"))
        if not limits.fee:
            return t.gettext(
                "Send %(pause)s and the days (%(min)s to %(max)s), e.g. %(pause)s %(example)s. "
                "Days and traffic are kept. Pausing is free.",
                pause=pause,
                min=limits.min_days,
                max=limits.max_days,
                example=limits.min_days,
            )
        return t.gettext(
            "Send %(pause)s and the days (%(min)s to %(max)s), e.g. %(pause)s %(example)s. Days "
            "and traffic are kept. Fee: %(fee)s, from your wallet.",
            pause=pause,
            min=limits.min_days,
            max=limits.max_days,
            example=limits.min_days,
            fee=t.money(limits.fee, limits.currency),
        )
    try:
        paused = await pauses.pause(line.id, days)
    except DomainError as refused:
        if refused.code in BLOCKED:
            return blocked(t, refused)
        return _refusal(t, refused, resume)
    return t.gettext(
        "Paused until %(date)s: your line cannot connect until then. Send %(resume)s to resume "
        "earlier.",
        date=t.datetime(paused.resume_at),
        resume=resume,
    )


async def resume_answer(services: Services, t: Texts, line: SubscriberView) -> str:
    try:
        await services.pauses.resume(line.id)
    except DomainError as refused:
        return pause_refusal_text(t, refused)
    status = await services.billing_queries.status_of(line)
    if status.ends_at is None:
        return t.gettext("Your service runs again.")
    return t.gettext("Your service runs again; it now ends on %(end)s.", end=t.day(status.ends_at))


def _refusal(t: Texts, refused: DomainError, resume: str) -> str:
    """The chat's reasons, but what to do in words an SMS can act on."""
    if refused.code == "pause_wallet_short":
        currency = str(refused.details["currency"])
        return t.gettext(
            "A pause costs %(fee)s from your wallet, which is short of %(short)s. Top up your "
            "wallet in our chat, then send this again.",
            fee=t.money(int(refused.details["fee"]), currency),
            short=t.money(int(refused.details["short"]), currency),
        )
    if refused.code == "pause_order_pending":
        return t.gettext(
            "Order %(tracking)s for your service waits for its payment. Pay it first, or send "
            "this again after %(time)s.",
            tracking=t.digits(str(refused.details["tracking_number"])),
            time=t.datetime(datetime.fromisoformat(str(refused.details["payable_until"]))),
        )
    if refused.code == "pause_already_paused":
        return (
            pause_refusal_text(t, refused)
            + " "
            + t.gettext("Send %(resume)s to resume it now.", resume=resume)
        )
    return pause_refusal_text(t, refused)

"""The SMS keyword ``CEK``/``بررسی``/``CHECK``: the connection check (core/support/connection.py)
in one or two sentences and the keyword that acts on it (FREE, BUY, TICKET, RESUME), in two SMS
parts at most. The chat's flow (bot/dialogs/flows/connection_check.py) says the same at length."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Texts
from core.support.connection import Block, Cause, ConnectionDiagnosis


@dataclass(frozen=True, slots=True)
class SmsWords:
    """The keywords the answer quotes, in the answer's language."""

    free: str
    buy: str
    ticket: str
    deposit: str
    bill: str
    resume: str


def connection_answer(t: Texts, d: ConnectionDiagnosis, words: SmsWords) -> str:
    """The finding as an SMS says it: the cause and the keyword that acts."""
    cause = d.cause
    if cause is Cause.LINE_BLOCKED:
        return _blocked(t, d, words)
    if cause is Cause.PAUSED and d.paused_until is not None:
        return t.gettext(
            "Your service is paused until %(when)s, so the line cannot connect. Send %(resume)s "
            "to resume it now.",
            when=t.datetime(d.paused_until),
            resume=words.resume,
        )
    if cause is Cause.REFUSED_BLOCKED:
        return t.gettext(
            "Your line is open again: restart the modem. If it still fails, send %(ticket)s "
            "and your problem.",
            ticket=words.ticket,
        )
    if cause is Cause.ACCOUNT_EXPIRED:
        return t.gettext(
            "Your service is in force again: restart the modem. If it still fails, send "
            "%(ticket)s and your problem.",
            ticket=words.ticket,
        )
    if cause in (Cause.NO_SERVICE, Cause.OUT_OF_DAYS):
        text = t.gettext("Your service has ended, so the line cannot connect.")
    elif cause is Cause.OUT_OF_TRAFFIC:
        text = t.gettext("Your traffic has run out, so the line cannot connect.")
    elif cause is Cause.OUTAGE and d.outage is not None:
        if d.outage.estimated_repair_at is not None:
            return t.gettext(
                "A known outage affects your line. Expected repair: %(when)s",
                when=t.datetime(d.outage.estimated_repair_at),
            )
        return t.gettext("A known outage affects your line. We are working on it.")
    elif cause is Cause.WRONG_PASSWORD:
        return t.gettext(
            "Your modem used a wrong internet password. Enter the right one in the modem, or "
            "set a new one in the chat."
        )
    elif cause is Cause.ONLINE:
        return t.gettext(
            "Your line is connected. Restart the modem and check the Wi-Fi; if it still fails, "
            "send %(ticket)s and your problem.",
            ticket=words.ticket,
        )
    else:
        return t.gettext(
            "We found nothing wrong on your line. Restart the modem; if it still fails, send "
            "%(ticket)s and your problem.",
            ticket=words.ticket,
        )
    if d.free_charge:
        return text + " " + t.gettext("Send %(free)s for a free charge.", free=words.free)
    return text + " " + t.gettext("Send %(buy)s to renew.", buy=words.buy)


def _blocked(t: Texts, d: ConnectionDiagnosis, words: SmsWords) -> str:
    """Why the line is blocked and what to do, shorter than the chat's (two parts)."""
    if d.block is Block.DEPOSIT:
        return t.gettext(
            "Your line is isolated until the deposit is paid. Send %(deposit)s to pay it.",
            deposit=words.deposit,
        )
    if d.block is Block.BILL:
        return t.gettext(
            "Your line is isolated until its unpaid bill is paid. Send %(bill)s to pay it.",
            bill=words.bill,
        )
    if d.block is Block.ISOLATED:
        return t.gettext(
            "Your line is isolated. Send %(ticket)s and your message to ask us to open it.",
            ticket=words.ticket,
        )
    if d.block is Block.COLLECTION:
        return t.gettext(
            "Your line is in the collection list: the service was not renewed. Send %(buy)s "
            "to renew.",
            buy=words.buy,
        )
    if d.block is Block.DOCUMENTS:
        return t.gettext(
            "Your line is cut until a valid document is approved. Send it from My documents "
            "in the chat."
        )
    return t.gettext("Your line is closed. Please contact our sales team.")

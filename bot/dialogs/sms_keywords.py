"""SMS keywords: one short command in, one short answer out, for subscribers with a basic phone.

``SALDO``/``مانده``/``BALANCE`` (days and traffic left), ``BELI``/``خرید``/``BUY <pack>`` (a
payment link), ``TAGIHAN``/``قبض``/``BILL`` and ``JAMINAN``/``ودیعه``/``DEPOSIT`` (the open
postpaid bill's or a new line's deposit's payment link: sms_payments.py), ``CEK``/``بررسی``/
``CHECK`` (why the Internet does not work: sms_connection.py),
``GRATIS``/``رایگان``/``FREE`` (the free charge), ``JEDA``/``تعلیق``/``PAUSE <days>`` and
``LANJUT``/``ادامه``/``RESUME`` (pause the service, resume it: sms_pause.py),
``TIKET``/``تیکت``/``TICKET <text>`` (opens a ticket; later ones add to it until it is closed),
``HELP``/``BANTUAN``/``راهنما``, and
``CARD OFF``/``KARTU HAPUS``/``کارت حذف`` (the card saved for renewals removed:
sms_payments.py), ``STOP``/``START`` (Twilio confirms its English words itself;
``BERHENTI``/``MULAI``, ``توقف``/``شروع`` are confirmed here); and a bare score from 1 to 5
answers the closing notice the number got last (it asks for one). The sender's number is the
subscriber's registered mobile: the phone network vouches for it, so there is no password step.
A number that is no subscriber's is told how to register once in a window (remembered in the
state store, so every process agrees): each answer is an SMS paid for, and a stranger's number
may be anyone's. Every answer fits two SMS parts in every language: a pay link is the app's
short link, and a plan whose catalogue name would not fit is named in compact form
(tests/handlers/test_sms_answers_fit.py holds every demo subscriber's answers to it).

Like every dialog it knows no transport: a channel hands it a Turn and sends what comes back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from rapidfuzz import fuzz, process

from bot.dialogs.compact_plans import compact_plan_name
from bot.dialogs.contract import Outcome, Reply, Turn
from bot.dialogs.errors import error_text
from bot.dialogs.flows.free_charge import grant_text
from bot.dialogs.flows.tickets import thanks_for_rating
from bot.dialogs.normalize import fold, normalize_text, parse_int
from bot.dialogs.services import Services
from bot.dialogs.sms_connection import SmsWords, connection_answer
from bot.dialogs.sms_pause import pause_answer, resume_answer
from bot.dialogs.sms_payments import bill_answer, card_answer, deposit_answer
from bot.dialogs.state import StateStore
from bot.i18n import DEFAULT_LANGUAGE, Texts, subscriber_translator
from bot.sms_segments import fits
from bot.understanding.normalise import words as understood_words
from core.accounts.queries import ChatView, SubscriberView, lines_of_mobile
from core.billing.enums import OrderKind, PlanKind
from core.billing.quotes import refuse_blocked_line
from core.billing.read_models import PlanInfo, ServiceStatus
from core.errors import DomainError
from core.inbox.queries import last_notice
from core.ports import ChatRef
from core.tickets.enums import SATISFACTION_SCORES, Department, Priority
from core.tickets.queries import open_ticket_in_chat

log = logging.getLogger(__name__)


class Keyword(StrEnum):
    BALANCE = "balance"
    BUY = "buy"
    BILL = "bill"
    DEPOSIT = "deposit"
    FREE = "free"
    PAUSE = "pause"
    RESUME = "resume"
    TICKET = "ticket"
    CHECK = "check"
    CARD = "card"
    HELP = "help"
    STOP = "stop"
    START = "start"


# Each keyword's words, by the language they belong to ("" for words every carrier and
# language uses: HELP, STOP, START). The first word of a language is the one answers quote.
WORDS: dict[Keyword, dict[str, tuple[str, ...]]] = {
    Keyword.BALANCE: {
        "id": ("SALDO", "KUOTA", "SISA"),
        "fa": ("مانده", "اعتبار"),
        "en": ("BALANCE",),
    },
    Keyword.BUY: {"id": ("BELI",), "fa": ("خرید",), "en": ("BUY",)},
    Keyword.BILL: {"id": ("TAGIHAN",), "fa": ("قبض",), "en": ("BILL",)},
    Keyword.DEPOSIT: {"id": ("JAMINAN",), "fa": ("ودیعه",), "en": ("DEPOSIT",)},
    Keyword.FREE: {"id": ("GRATIS",), "fa": ("رایگان",), "en": ("FREE",)},
    Keyword.PAUSE: {"id": ("JEDA",), "fa": ("تعلیق",), "en": ("PAUSE",)},
    Keyword.RESUME: {"id": ("LANJUT",), "fa": ("ادامه",), "en": ("RESUME",)},
    Keyword.TICKET: {"id": ("TIKET",), "fa": ("تیکت",), "en": ("TICKET",)},
    Keyword.CHECK: {"id": ("CEK",), "fa": ("بررسی",), "en": ("CHECK",)},
    Keyword.CARD: {"id": ("KARTU",), "fa": ("کارت",), "en": ("CARD",)},
    Keyword.HELP: {"": ("HELP", "INFO"), "id": ("BANTUAN",), "fa": ("راهنما",)},
    # Twilio's standard opt-out and opt-in words (it confirms them itself), and the
    # Indonesian and Persian ones (confirmed by us).
    Keyword.STOP: {
        "": ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"),
        "id": ("BERHENTI",),
        "fa": ("توقف", "لغو"),
    },
    Keyword.START: {"": ("START", "UNSTOP", "YES"), "id": ("MULAI",), "fa": ("شروع",)},
}
_LOOKUP: dict[str, tuple[Keyword, str]] = {
    fold(word): (keyword, language)
    for keyword, by_language in WORDS.items()
    for language, words in by_language.items()
    for word in words
}
# What a sentence understood (bot/understanding) asks of the keywords: reading the balance or
# listing the packs. Nothing that takes, buys or opens anything is done from a sentence.
SENTENCE_KEYWORDS: dict[str, Keyword] = {
    "my_service": Keyword.BALANCE,
    "days_left": Keyword.BALANCE,
    "traffic_left": Keyword.BALANCE,
    "buy_traffic": Keyword.BUY,
    "renew": Keyword.BUY,
    "change_plan": Keyword.BUY,
    "check_connection": Keyword.CHECK,
    "outage": Keyword.CHECK,
}
# A ticket's subject is the start of its first message.
_SUBJECT_LENGTH = 60
_SPACE = re.compile(r"\s+")
# A score answers a closing notice sent this recently (later it is just a number).
_SCORE_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Command:
    keyword: Keyword | None
    language: str  # the keyword's language, "" when it has none
    argument: str  # the rest of the message, spacing normalised, case kept


def parse(text: str | None) -> Command:
    """The command a message holds: case, Persian and Arabic digits, invisible marks, Arabic
    letter forms and spacing do not matter, and neither does a typo in a keyword that only
    reads or asks ("SALD0", "kouta", «مانده‌ی»)."""
    clean = normalize_text(text or "")
    word, _, rest = clean.partition(" ")
    found = _LOOKUP.get(fold(word))
    if found is None:
        found = _near_keyword(word)
        if found is not None and found[0] == Keyword.BUY:
            # A mistyped BUY lists the packs; only the keyword as written buys one.
            return Command(found[0], found[1], "")
    if found is None:
        return Command(None, "", clean)
    return Command(found[0], found[1], rest.strip())


# Keywords a typo may stand for: those that read, list or ask. FREE takes the free charge and
# STOP/START change what is sent at once, so they are taken only as written.
_TOLERANT = (Keyword.BALANCE, Keyword.BUY, Keyword.TICKET, Keyword.HELP)
_TOLERANT_LOOKUP = {
    word: found for word, found in _LOOKUP.items() if found[0] in _TOLERANT and len(word) >= 4
}
# Digits typed for the letters they look like, in a word that has letters ("SALD0", "H3LP").
_LOOK_ALIKES = str.maketrans("0135", "oies")
_TYPO_CUTOFF = 80.0


def _near_keyword(word: str) -> tuple[Keyword, str] | None:
    folded = fold(word)
    if len(folded) < 4 or folded.isdigit():
        return None
    spellings = [folded.translate(_LOOK_ALIKES), *understood_words(folded)]
    for spelling in spellings:
        if spelling in _TOLERANT_LOOKUP:
            return _TOLERANT_LOOKUP[spelling]
    for spelling in spellings:
        hit = process.extractOne(
            spelling, list(_TOLERANT_LOOKUP), scorer=fuzz.ratio, score_cutoff=_TYPO_CUTOFF
        )
        if hit is not None:
            return _TOLERANT_LOOKUP[hit[0]]
    return None


def word_for(keyword: Keyword, language: str) -> str:
    """The keyword as answers in ``language`` quote it."""
    by_language = WORDS[keyword]
    return (by_language.get(language) or by_language[""])[0]


class SmsKeywords:
    def __init__(
        self,
        services: Services,
        store: StateStore,
        *,
        register_url: str,
        short_link: Callable[[str], str],
        unknown_window_seconds: float,
    ) -> None:
        self.services = services
        self.store = store
        self.register_url = register_url
        # The app's short link of an order's short code (bot/payments/short_links.py).
        self.short_link = short_link
        self.unknown_window_seconds = unknown_window_seconds

    async def handle(self, turn: Turn) -> Outcome:
        command = parse(turn.text)
        chat = await self.services.chats.identify_chat(
            turn.channel, turn.chat_id, turn.language_hint
        )
        lines = await lines_of_mobile(turn.chat_id)
        line = _line_named(lines, command.argument)
        language = command.language or _chat_language(chat, line)
        t = subscriber_translator(language, line, self.services.settings)

        if command.keyword in (Keyword.STOP, Keyword.START):
            opted_out = command.keyword is Keyword.STOP
            await self.services.chats.set_opted_out(turn.channel, turn.chat_id, opted_out)
            if not command.language or (line is None and await self._answered_lately(turn)):
                # Twilio confirms its own (English) words itself, and refuses what we would
                # send after its STOP: recorded, and answered by the carrier alone.
                return Outcome()
            return _say(t, opt_out_text(t) if opted_out else opt_in_text(t))
        if line is None:
            if await self._answered_lately(turn):
                return Outcome()
            return _say(t, unknown_number_text(t, self.register_url))
        if chat.subscriber_id != line.id:
            # Alerts may now reach this number by SMS: it is the line's registered mobile.
            await self.services.chats.link(turn.channel, turn.chat_id, line.id)
        answer = {
            Keyword.BALANCE: self.balance,
            Keyword.BUY: self.buy,
            Keyword.BILL: self.bill,
            Keyword.DEPOSIT: self.deposit,
            Keyword.FREE: self.free_charge,
            Keyword.PAUSE: self.pause,
            Keyword.RESUME: self.resume,
            Keyword.TICKET: self.ticket,
            Keyword.CHECK: self.check,
            Keyword.CARD: self.card,
        }.get(command.keyword)  # type: ignore[call-overload]
        if answer is None and command.keyword is None:
            answer = await self._asked_in_a_sentence(command)
            if answer is not None:
                command = replace(command, argument="")  # never a pack's number or a line
        if answer is None:
            return _say(t, await self.rating(t, line, command, turn) or help_text(t))
        return _say(t, await answer(t, line, command, turn))

    async def _asked_in_a_sentence(
        self, command: Command
    ) -> Callable[[Texts, SubscriberView, Command, Turn], Awaitable[str]] | None:
        """A sentence rather than a keyword ("sisa kuota saya berapa?"): the keyword it asks
        for when that only reads or lists; None for anything else (a score, the list)."""
        if not command.argument or parse_int(command.argument) is not None:
            return None
        verdict = await self.services.understanding.understand(command.argument)
        # No "Did you mean" by SMS: the likeliest wish, when it only reads or lists.
        likeliest = verdict.label or (verdict.candidates[0].label if verdict.candidates else "")
        keyword = SENTENCE_KEYWORDS.get(likeliest)
        if keyword is Keyword.BALANCE:
            return self.balance
        if keyword is Keyword.BUY:
            return self.buy
        if keyword is Keyword.CHECK:
            return self.check
        return None

    # ---- the keywords --------------------------------------------------------------------

    async def balance(self, t: Texts, line: SubscriberView, _command: Command, _turn: Turn) -> str:
        queries = self.services.billing_queries
        status = await queries.status_of(line)
        who = t.digits(line.username)
        if status.plan is None or status.ends_at is None:
            text = t.gettext("%(line)s: no active service.", line=who)
        else:
            text = t.gettext(
                "%(line)s: %(days)s days left, until %(end)s; traffic left: %(traffic)s.",
                line=who,
                days=status.remaining_days,
                end=t.day(status.ends_at),
                traffic=_traffic_left(t, status),
            )
        if status.plan is None or status.days_ran_out or status.traffic_ran_out:
            if await queries.free_charge_available(line, status):
                text += " " + t.gettext(
                    "Send %(free)s for a free charge.", free=word_for(Keyword.FREE, t.language)
                )
            else:
                text += " " + t.gettext(
                    "Send %(buy)s to renew.", buy=word_for(Keyword.BUY, t.language)
                )
        return text

    async def buy(self, t: Texts, line: SubscriberView, command: Command, turn: Turn) -> str:
        try:
            refuse_blocked_line(line)
        except DomainError as error:
            return _buy_refusal(t, error)
        status = await self.services.billing_queries.status_of(line)
        packs = await self._packs(line, status)
        if not packs:
            return t.gettext("Nothing is on sale for your line right now.")
        pack = _pack_named(packs, command.argument)
        if pack is None:
            return _pack_list(t, packs)
        kind, plan = pack
        try:
            order = await self.services.orders.place_order(
                line.id, kind, plan.code, chat=ChatRef(turn.channel, turn.chat_id)
            )
        except DomainError as error:
            return _buy_refusal(t, error)
        if order.payable == 0:
            return _with_plan(
                t,
                plan,
                lambda name: t.gettext(
                    "Done: %(plan)s is applied, paid from your credit.", plan=name
                ),
            )
        url = self.short_link(order.short_code) if order.short_code else order.pay_url
        return _with_plan(
            t,
            plan,
            lambda name: t.gettext(
                "Order %(tracking)s, %(plan)s: pay %(amount)s at %(url)s",
                tracking=t.digits(str(order.tracking_number)),
                plan=name,
                amount=t.money(order.payable, order.currency),
                url=url,
            ),
        )

    async def check(self, t: Texts, line: SubscriberView, _command: Command, _turn: Turn) -> str:
        diagnosis = await self.services.connection_checks.diagnose_view(line)
        language = t.language
        words = SmsWords(
            free=word_for(Keyword.FREE, language),
            buy=word_for(Keyword.BUY, language),
            ticket=word_for(Keyword.TICKET, language),
            deposit=word_for(Keyword.DEPOSIT, language),
            bill=word_for(Keyword.BILL, language),
            resume=word_for(Keyword.RESUME, language),
        )
        return connection_answer(t, diagnosis, words)

    async def card(self, t: Texts, line: SubscriberView, command: Command, _turn: Turn) -> str:
        return await card_answer(self.services, t, line, command.argument)

    async def bill(self, t: Texts, line: SubscriberView, _command: Command, turn: Turn) -> str:
        chat = ChatRef(turn.channel, turn.chat_id)
        return await bill_answer(self.services, t, line, chat, self.short_link)

    async def deposit(self, t: Texts, line: SubscriberView, _command: Command, turn: Turn) -> str:
        chat = ChatRef(turn.channel, turn.chat_id)
        return await deposit_answer(self.services, t, line, chat, self.short_link)

    async def free_charge(
        self, t: Texts, line: SubscriberView, _command: Command, _turn: Turn
    ) -> str:
        offer = await self.services.billing_queries.free_charge_offer(line)
        if offer.available:
            try:
                grant = await self.services.free_charges.take(line.id)
            except DomainError:
                offer = await self.services.billing_queries.free_charge_offer(line)
            else:
                return t.gettext(
                    "Free charge: %(grant)s, until %(until)s. Renew before then.",
                    grant=grant_text(t, grant.days, grant.megabytes),
                    until=t.datetime(grant.expires_at),
                )
        if offer.reason == "already_used":
            return t.gettext("You have already used your one-time free charge.")
        if offer.reason == "service_remaining":
            return t.gettext(
                "You still have days and traffic; the free charge is for when they run out."
            )
        return t.gettext("The free charge is not available for your line.")

    async def pause(self, t: Texts, line: SubscriberView, command: Command, _turn: Turn) -> str:
        language = t.language
        words = (word_for(Keyword.PAUSE, language), word_for(Keyword.RESUME, language))
        return await pause_answer(
            self.services, t, line, command.argument, words, blocked=_buy_refusal
        )

    async def resume(self, t: Texts, line: SubscriberView, _command: Command, _turn: Turn) -> str:
        return await resume_answer(self.services, t, line)

    async def ticket(self, t: Texts, line: SubscriberView, command: Command, turn: Turn) -> str:
        body = command.argument
        if not body:
            return t.gettext(
                "Write your message after %(ticket)s, e.g. %(ticket)s no internet since 9am",
                ticket=word_for(Keyword.TICKET, t.language),
            )
        tickets = self.services.tickets
        thread = await open_ticket_in_chat(line.id, turn.channel, turn.chat_id)
        if thread is not None:
            await tickets.reply_as_subscriber(thread.number, line.id, body)
            return t.gettext(
                "Added to ticket %(number)s. We will answer by SMS.",
                number=t.digits(str(thread.number)),
            )
        opened = await tickets.open_ticket(
            line.id,
            Department.TECHNICAL,
            Priority.MEDIUM,
            subject=_SPACE.sub(" ", body)[:_SUBJECT_LENGTH],
            body=body,
            channel=turn.channel,
            chat_external_id=turn.chat_id,
        )
        return t.gettext(
            "Ticket %(number)s opened. We will answer by SMS.",
            number=t.digits(str(opened.number)),
        )

    async def rating(
        self, t: Texts, line: SubscriberView, command: Command, turn: Turn
    ) -> str | None:
        """A bare score for the ticket whose closing notice reached this number last; None when
        the message is no score or no notice waits for one."""
        if command.keyword is not None or not command.argument:
            return None
        score = parse_int(command.argument)
        if score is None or score not in SATISFACTION_SCORES:
            return None
        since = self.services.clock.now() - _SCORE_WINDOW
        notice = await last_notice(line.id, "ticket_closed", turn.chat_id, since)
        if notice is None:
            return None
        number = int(notice.params["ticket_number"])
        try:
            await self.services.tickets.rate(number, line.id, score)
        except DomainError as error:
            return error_text(t, error)
        return thanks_for_rating(t, number)

    # ---- helpers -------------------------------------------------------------------------

    async def _answered_lately(self, turn: Turn) -> bool:
        """True when this unknown number was answered within the window (and so is not
        answered now). When the store cannot be asked it is not answered either: a stranger
        missing the registration link costs less than a flood of SMS."""
        key = f"unknown-sender:{turn.channel}:{turn.chat_id}"
        try:
            return await self.store.seen(key, self.unknown_window_seconds)
        except Exception:
            log.exception("unknown number %s not answered: the state store is down", turn.chat_id)
            return True

    async def _packs(
        self, line: SubscriberView, status: ServiceStatus
    ) -> list[tuple[OrderKind, PlanInfo]]:
        """What ``BUY`` offers, numbered in this order: renewing the plan in force and traffic
        packs, or the service plans when there is no service to renew or add to."""
        queries = self.services.billing_queries
        if status.plan is None:
            plans = await queries.catalogue(PlanKind.SERVICE, line.currency)
            return [(OrderKind.BUY_SERVICE, plan) for plan in plans]
        packs: list[tuple[OrderKind, PlanInfo]] = []
        if not status.on_free_charge:
            packs.append((OrderKind.RENEW_SERVICE, status.plan))
        else:
            plans = await queries.catalogue(PlanKind.SERVICE, line.currency)
            packs.extend((OrderKind.BUY_SERVICE, plan) for plan in plans)
        if not status.unlimited:
            for kind, plan_kind in (
                (OrderKind.BUY_TRAFFIC, PlanKind.TRAFFIC),
                (OrderKind.BUY_TIMED_TRAFFIC, PlanKind.TIMED_TRAFFIC),
            ):
                plans = await queries.catalogue(plan_kind, line.currency)
                packs.extend((kind, plan) for plan in plans)
        return packs


def _say(t: Texts, *texts: str) -> Outcome:
    return Outcome([Reply(text, language=t.language) for text in texts])


def _chat_language(chat: ChatView, line: SubscriberView | None) -> str:
    language = chat.language or (line.language if line else None)
    return language.value if language else DEFAULT_LANGUAGE


def _line_named(lines: list[SubscriberView], argument: str) -> SubscriberView | None:
    """The line a message is about: the one whose username it names, else the first (a mobile
    can serve several lines)."""
    named = argument.split(" ", 1)[0].lstrip("0") if argument else ""
    for line in lines:
        if named and line.username.lstrip("0") == named:
            return line
    return lines[0] if lines else None


def _pack_named(
    packs: list[tuple[OrderKind, PlanInfo]], argument: str
) -> tuple[OrderKind, PlanInfo] | None:
    wanted = argument.casefold().strip()
    if not wanted:
        return None
    number = parse_int(wanted)
    if number is not None:
        return packs[number - 1] if 1 <= number <= len(packs) else None
    return next((pack for pack in packs if pack[1].code.casefold() == wanted), None)


def _with_plan(t: Texts, plan: PlanInfo, answer: Callable[[str], str]) -> str:
    """The answer naming the plan by its catalogue name when that fits two SMS parts, else
    by its compact form."""
    text = answer(t.plan_name(plan))
    return text if fits(text) else answer(compact_plan_name(t, plan))


def _pack_list(t: Texts, packs: list[tuple[OrderKind, PlanInfo]]) -> str:
    """The packs numbered for ``BUY <number>``, by their catalogue names when all of them fit
    two SMS parts so, else in compact form: as many as fit."""
    for name_of in (t.plan_name, lambda plan: compact_plan_name(t, plan)):
        text = t.gettext("Send %(buy)s and a number:", buy=word_for(Keyword.BUY, t.language))
        for number, (_kind, plan) in enumerate(packs, start=1):
            item = t.gettext(
                "%(number)s) %(plan)s %(price)s",
                number=number,
                plan=name_of(plan),
                price=t.money(plan.price, plan.currency),
            )
            longer = f"{text}\n{item}"
            if not fits(longer):
                break
            text = longer
        else:
            return text
    return text


def _buy_refusal(t: Texts, error: DomainError) -> str:
    if error.code == "no_active_service":
        return t.gettext(
            "You need an active service first. Send %(buy)s to see the plans.",
            buy=word_for(Keyword.BUY, t.language),
        )
    if error.code == "deposit_due":
        return t.gettext(
            "Your line opens once its deposit (%(owed)s) is paid; until then nothing can be "
            "bought. Send %(deposit)s for the payment link.",
            owed=t.money(int(error.details["owed"]), str(error.details["currency"])),
            deposit=word_for(Keyword.DEPOSIT, t.language),
        )
    if error.code == "bill_unpaid":
        return t.gettext(
            "Your line is isolated until its unpaid bill (%(owed)s) is paid; nothing can be "
            "bought before. Send %(bill)s for the payment link.",
            owed=t.money(int(error.details["owed"]), str(error.details["currency"])),
            bill=word_for(Keyword.BILL, t.language),
        )
    if error.code == "documents_suspended":
        return t.gettext(
            "Your line is cut until valid documents are approved; nothing can be bought before. "
            "Upload them in our chat (My documents)."
        )
    if error.code == "line_isolated":
        return t.gettext(
            "Your line is isolated; nothing can be bought now. Send %(ticket)s and your message "
            "to ask us to open it.",
            ticket=word_for(Keyword.TICKET, t.language),
        )
    if error.code == "line_closed":
        return error_text(t, error)
    return t.gettext("Sorry, that could not be ordered now. Please try again later.")


def _traffic_left(t: Texts, status: ServiceStatus) -> str:
    if status.unlimited:
        return t.gettext("unlimited")
    return t.traffic(status.remaining_bytes or 0)


def help_text(t: Texts) -> str:
    language = t.language
    return t.gettext(
        "SMS commands: %(balance)s: days and traffic left; %(buy)s: buy a pack; %(free)s: free "
        "charge; %(ticket)s + your message: support; STOP: no more SMS.",
        balance=word_for(Keyword.BALANCE, language),
        buy=word_for(Keyword.BUY, language),
        free=word_for(Keyword.FREE, language),
        ticket=word_for(Keyword.TICKET, language),
    )


def opt_out_text(t: Texts) -> str:
    return t.gettext(
        "You will get no more SMS alerts from us. Send %(start)s to get them again.",
        start=word_for(Keyword.START, t.language),
    )


def opt_in_text(t: Texts) -> str:
    return t.gettext(
        "SMS alerts are on again. Send %(stop)s to stop them.",
        stop=word_for(Keyword.STOP, t.language),
    )


def unknown_number_text(t: Texts, register_url: str) -> str:
    return t.gettext(
        "This number is not registered with us. To become a subscriber, visit %(url)s",
        url=register_url,
    )

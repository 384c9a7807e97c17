"""Issue 18: every SMS keyword answer fits two parts, for every demo subscriber, with the pay
links the real providers give (ZarinPal's StartPay, Midtrans Snap's redirection, Stripe
Checkout's very long URL) and a public address of a real length."""

from __future__ import annotations

import functools
import secrets
import string
import uuid
from collections.abc import Callable

from bot.bootstrap import build_services
from bot.config import BotSettings
from bot.dialogs.contract import Turn
from bot.dialogs.sms_keywords import WORDS, Keyword, SmsKeywords
from bot.dialogs.state import MemoryStateStore
from bot.handlers.sms import CHANNEL, sms_text
from bot.payments.short_links import short_link
from bot.sms_segments import sms_size
from core.accounts.models import Subscriber
from core.billing.gateways import MIDTRANS, STRIPE, ZARINPAL
from core.clock import FixedClock
from core.config import Settings
from core.demo import PEOPLE, seed_demo
from core.ports import PaymentRequest, PaymentStart
from tests.conftest import NOW
from tests.fakes import InMemoryFileStore, RecordingSmsSender

# As long as an ISP's self-care address is likely to be (the short links start with it).
PUBLIC_URL = "https://selfcare.example-isp.com"
STRANGER = "+6289900001111"
_ALPHANUMERIC = string.ascii_letters + string.digits


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


# The pay links as each provider gives them, at their real lengths.
REAL_PAY_URLS: dict[str, Callable[[], str]] = {
    # A 36-character authority: "A" and 35 digits and letters.
    ZARINPAL: lambda: "https://www.zarinpal.com/pg/StartPay/A" + _token(35),
    MIDTRANS: lambda: f"https://app.midtrans.com/snap/v4/redirection/{uuid.uuid4()}",
    # A session id and the fragment Checkout carries its state in: some 400 characters.
    STRIPE: lambda: f"https://checkout.stripe.com/c/pay/cs_live_{_token(58)}#{_token(330)}",
}


class RealLinkGateway:
    """A provider's gateway as far as the SMS answer sees it: a pay link of its real shape."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def start(self, request: PaymentRequest) -> PaymentStart:
        return PaymentStart(self.name, _token(24), REAL_PAY_URLS[self.name]())


def _commands(language: str) -> list[str]:
    """Each word of the language, in an order that meets every answer: reads first, then
    orders, the free charge, tickets, a pause and its resume, a score, the opt-out and the
    opt-in."""
    words = {keyword: WORDS[keyword].get(language, ()) for keyword in Keyword}
    first = {keyword: (found[0] if found else None) for keyword, found in words.items()}
    commands = [
        *words[Keyword.BALANCE],
        *words[Keyword.CHECK],
        *words[Keyword.HELP],
        "what?",
        *_orders(language),
    ]
    if first[Keyword.FREE]:
        commands += [first[Keyword.FREE], *words[Keyword.BALANCE], first[Keyword.FREE]]
    if first[Keyword.TICKET]:
        ticket = first[Keyword.TICKET]
        commands += [
            ticket,
            f"{ticket} the modem light is red and nothing loads since this morning",
            f"{ticket} still red",
        ]
    if first[Keyword.PAUSE] and first[Keyword.RESUME]:
        pause, resume = first[Keyword.PAUSE], first[Keyword.RESUME]
        commands += [pause, f"{pause} 3", f"{pause} 14", f"{pause} 14", pause, resume, resume]
    commands += ["5", *words[Keyword.STOP], *words[Keyword.START]]
    return commands


def _orders(language: str) -> list[str]:
    """The list of packs, and every pack ordered (a number past the last gets the list); the
    bill and the deposit with their pay links (the demo has a postpaid line with a bill to pay
    and a line isolated until its deposit), twice: once more with an order already placed."""
    buy = WORDS[Keyword.BUY].get(language)
    if not buy:
        return []
    owed = [WORDS[Keyword.BILL][language][0], WORDS[Keyword.DEPOSIT][language][0]]
    return [buy[0], *(f"{buy[0]} {n}" for n in range(1, 13)), *owed, *owed]


def _past_the_last_pack(command: str, answers: dict[str, list[str]]) -> bool:
    """A numbered order after one that got the list of packs back (no such pack): not sent."""
    word, _, number = command.partition(" ")
    return number.isdigit() and answers.get(command.replace(number, str(int(number) - 1))) == (
        answers.get(word)
    )


def _keywords(provider: str) -> SmsKeywords:
    """The keywords with ``provider`` taking every payment, over the database already open."""
    settings = BotSettings(
        _env_file=None,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        public_url=PUBLIC_URL,
        payment_gateway=provider,
    )
    services = build_services(
        settings,
        clock=FixedClock(NOW),
        sms=RecordingSmsSender(),
        files=InMemoryFileStore(),
        gateways={provider: RealLinkGateway(provider)},
    )
    return SmsKeywords(
        services,
        MemoryStateStore(),
        register_url=PUBLIC_URL + "/",
        short_link=functools.partial(short_link, PUBLIC_URL),
        unknown_window_seconds=3600,
    )


async def test_every_keyword_answer_of_every_demo_subscriber_fits_two_parts(sqlite_db):
    """Every word of every keyword in every language, from every demo subscriber's mobile and
    a stranger's; the orders once with each provider's link (the rest answers the same)."""
    await seed_demo(
        Settings(_env_file=None, argon2_memory_kib=1024), FixedClock(NOW), InMemoryFileStore()
    )
    mobiles = [(await Subscriber.get(username=person.username)).mobile for person in PEOPLE] + [
        STRANGER
    ]
    runs = [(ZARINPAL, _commands), (MIDTRANS, _orders), (STRIPE, _orders)]
    too_long: list[tuple[str, str, str, int, str]] = []
    for provider, commands in runs:
        keywords = _keywords(provider)
        for mobile in mobiles:
            for language in ("", "fa", "id", "en"):
                answers: dict[str, list[str]] = {}
                for command in commands(language):
                    if _past_the_last_pack(command, answers):
                        continue
                    turn = Turn(channel=CHANNEL, chat_id=mobile, user_id=mobile, text=command)
                    replies = (await keywords.handle(turn)).replies
                    answers[command] = [sms_text(reply) for reply in replies]
                    for text in answers[command]:
                        size = sms_size(text)
                        if size.segments > 2:
                            too_long.append((provider, mobile, command, size.units, text))
    assert not too_long, "\n".join(map(repr, too_long))

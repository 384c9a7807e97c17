"""Accounts flows, part two: passwords, line status, registration and closure."""

from __future__ import annotations

from datetime import timedelta

from bot.dialogs.normalize import to_persian_digits
from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.billing.models import Plan
from core.clock import FixedClock
from core.tickets.enums import Department, TicketKind, TicketStatus
from core.tickets.models import Ticket, TicketMessage
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import make_subscriber
from tests.dialogs.test_flows_accounts import logged_in

NEW = "Fresh-Pass-1357"


async def change(chat: ChatClient, flow: str, old: str, new: str, repeat: str) -> None:
    """The flow asks the new password, its repeat, then the current one."""
    await chat.send(choice=f"flow:{flow}")
    await chat.send(new)
    await chat.send(repeat)
    if repeat == new:
        await chat.send(old)


# ---- passwords ----------------------------------------------------------------------------------


async def test_panel_password_is_asked_masked_forgotten_and_never_echoed(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await chat.press("My account")
    await chat.press("Change panel password")
    shown = []
    for password in (NEW, NEW, "Secret-2468"):
        assert chat.replies[-1].expects_secret
        await chat.send(password)
        assert chat.outcome.forget_inbound
        shown.append(chat.text)
    assert "panel password is changed" in chat.text
    assert not any(NEW in text or "Secret-2468" in text for text in shown)
    await chat.press("Log out")
    await chat.log_in("5120001", NEW)
    assert "You are logged in" in chat.text


async def test_a_weak_or_unchanged_new_password_is_explained_before_the_repeat(
    engine, bot_settings
):
    chat = await logged_in(engine, bot_settings)
    await chat.send(choice="flow:panel_password")
    await chat.send("  ")
    assert "Please type the password" in chat.text
    await chat.send("abc")
    assert "too easy to guess" in chat.text and "at least 8 characters" in chat.text
    assert chat.replies[-1].expects_secret
    await chat.send("Secret-2468")  # the current password as the new one
    await chat.send("Secret-2468")
    await chat.send("Secret-2468")
    assert "must be different" in chat.text
    assert "Type the new password" in chat.text
    await chat.send(NEW)
    assert "once more" in chat.text


async def test_a_repeat_that_differs_asks_for_the_new_password_again(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await change(chat, "panel_password", "Secret-2468", NEW, NEW + "x")
    assert "not the same" in chat.text
    assert "Type the new password" in chat.text
    await chat.send(NEW)
    await chat.send(NEW)
    await chat.send("Secret-2468")
    assert "panel password is changed" in chat.text


async def test_a_wrong_current_password_counts_and_asks_it_again(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await change(chat, "panel_password", "Guess-1111", NEW, NEW)
    assert "current password is not right" in chat.text
    assert "2 more tries" in chat.text
    assert "current panel password" in chat.text
    await chat.send("Guess-2222")
    assert "1 more try." in chat.text  # one try, not "1 more tries"
    await chat.send("Guess-3333")
    assert "blocked for 30 minutes" in chat.text
    assert "My account" in chat.labels  # back at the menu


async def test_internet_password_warns_about_the_modem_before_and_after(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await chat.press("My account")
    await chat.press("Change internet password")
    assert "modem must be set to the new password" in chat.text
    assert chat.replies[-1].expects_secret
    await chat.send("new pass 2468")
    assert "Modems accept only English letters" in chat.text
    await chat.send("NewModem-2468")
    await chat.send("NewModem-2468")
    await chat.send("modem-pass-1")
    assert "enter the new password in your modem" in chat.text
    assert "NewModem-2468" not in chat.text
    subscriber = await Subscriber.get(username="5120001")
    assert subscriber.internet_password == "NewModem-2468"


async def test_between_messages_the_state_never_holds_the_current_password(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await chat.send(choice="flow:panel_password")
    await chat.send(NEW)
    await chat.send(NEW)
    await chat.send("Guess-1111")  # a wrong current password: asked again
    stored = str(await engine.store.load(engine_key(chat)))
    assert "Guess-1111" not in stored and "Secret-2468" not in stored
    await chat.send("Secret-2468")
    assert NEW not in str(await engine.store.load(engine_key(chat)))


def engine_key(chat: ChatClient):
    from bot.dialogs.state import ChatKey

    return ChatKey(chat.channel, chat.chat_id)


async def test_internet_password_with_a_wrong_current_one_is_not_changed(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await change(chat, "internet_password", "modem-pass-9", "NewModem-2468", "NewModem-2468")
    assert "current password is not right" in chat.text
    assert chat.replies[-1].expects_secret
    assert (await Subscriber.get(username="5120001")).internet_password == "modem-pass-1"


async def test_passwords_typed_with_persian_digits_are_the_same_digits(engine, bot_settings):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.log_in("۵۱۲۰۰۰۱", "Secret-۲۴۶۸")
    assert "You are logged in" in chat.text
    await chat.send(choice="flow:panel_password")
    for typed in ("Fresh-Pass-۱۳۵۷", "Fresh-Pass-1357", "Secret-٢٤٦٨"):  # new, repeat, current
        await chat.send(typed)
    assert "panel password is changed" in chat.text
    await change(chat, "internet_password", "modem-pass-1", "NewModem-۲۴۶۸", "NewModem-۲۴۶۸")
    assert "enter the new password in your modem" in chat.text
    assert (await Subscriber.get(username="5120001")).internet_password == "NewModem-2468"
    await chat.press("Log out")
    await chat.log_in("5120001", NEW)
    assert "You are logged in" in chat.text


# ---- line status --------------------------------------------------------------------------------


async def test_line_status_says_what_to_do_and_lists_the_changes_with_dates(
    engine, bot_settings, services, clock: FixedClock
):
    chat = await logged_in(engine, bot_settings)
    subscriber = await Subscriber.get(username="5120001")
    await services.line_statuses.set_line_status(subscriber.id, "in_collection_list", "ran out")
    clock.advance(timedelta(days=2))
    await services.line_statuses.set_line_status(subscriber.id, "in_operation", "renewed")
    clock.advance(timedelta(days=3))
    await services.line_statuses.set_line_status(subscriber.id, "in_collection_list", "ran out")
    await chat.press("My account")
    await chat.press("Line status")
    text = chat.text
    assert "Your line is: In collection list" in text
    assert "renew a service" in text
    assert "Nov 24, 2026" in text and "Nov 26, 2026" in text and "Nov 29, 2026" in text
    assert text.index("Nov 24, 2026") < text.index("Nov 26, 2026") < text.index("Nov 29, 2026")
    assert "My account" in chat.labels


async def test_line_status_explains_isolation_documents_and_closure(engine, bot_settings, services):
    chat = await logged_in(engine, bot_settings)
    subscriber = await Subscriber.get(username="5120001")
    expected = {
        "isolated": "until the subscription deposit is paid",
        "documents_suspended": "My documents",
        "closed": "Your line is closed",
        "in_operation": "working normally",
    }
    for status, advice in expected.items():
        await services.line_statuses.set_line_status(subscriber.id, status)
        await chat.send(choice="flow:line_status")
        assert advice in chat.text


# ---- registration -------------------------------------------------------------------------------


async def test_a_guest_becomes_a_lead_with_a_number_after_answering_four_questions(engine):
    await Plan.create(code="std-1m", names={"en": "Standard 1 month"}, price=2_000_000)
    chat = ChatClient(engine)
    await chat.send("hi")
    await chat.press("Become a subscriber")
    await chat.send("A")
    assert "Please write your full name" in chat.text
    await chat.send("Reza  Karimi")
    assert chat.replies[-1].asks_contact
    await chat.send("call me maybe")
    assert "does not look like a phone number" in chat.text
    await chat.send("0912 555 6677")
    await chat.send("x")
    assert "full address" in chat.text
    await chat.send("Tehran, Valiasr St. 12")
    assert chat.labels[0].startswith("Standard 1 month")
    assert chat.labels[-1] == "Not sure yet"
    await chat.press("Standard 1 month")
    ticket = await Ticket.get(kind=TicketKind.REGISTRATION)
    assert f"request number is {ticket.number}" in chat.text
    assert "+989125556677" in chat.text
    assert ticket.department == Department.SALES
    assert ticket.contact_name == "Reza Karimi"
    assert ticket.contact_phone == "+989125556677"
    message = await TicketMessage.get(ticket_id=ticket.id)
    assert "Plan wanted: Standard 1 month (std-1m)" in message.body
    assert "Log in" in chat.labels


async def test_a_lead_can_write_the_plan_it_wants_in_its_own_words(engine):
    chat = ChatClient(engine)
    await chat.send(choice="flow:registration")
    for answer in ("Reza Karimi", "+989125556677", "Tehran, Valiasr St. 12", "fast fibre"):
        await chat.send(answer)
    ticket = await Ticket.get(kind=TicketKind.REGISTRATION)
    message = await TicketMessage.get(ticket_id=ticket.id)
    assert "Plan wanted: fast fibre" in message.body


async def test_in_persian_the_lead_number_comes_in_persian_digits(engine):
    chat = ChatClient(engine, language_hint="fa")
    await chat.send(choice="flow:registration")
    for answer in ("رضا کریمی", "۰۹۱۲۵۵۵۶۶۷۷", "تهران، خیابان ولیعصر ۱۲"):
        await chat.send(answer)
    assert len(chat.options) == 1  # no plans in the catalogue: only "not sure yet"
    await chat.send("1")
    ticket = await Ticket.get(kind=TicketKind.REGISTRATION)
    assert chat.replies[-1].language == "fa"
    assert to_persian_digits(str(ticket.number)) in chat.text
    assert ticket.language == "fa"


async def test_a_too_long_answer_is_refused_with_the_limit_and_asked_again(engine):
    chat = ChatClient(engine)
    await chat.send(choice="flow:registration")
    await chat.send("R" * 121)
    assert [r.text for r in chat.replies[-2:]] == [
        "That is too long (at most 120 characters).",
        "Happy to connect you! A few questions, then our sales team will contact you. "
        "First, what is your full name?",
    ]
    await chat.send("Reza Karimi")
    await chat.send("+989125556677")
    await chat.send("x" * 1001)
    assert "That is too long (at most 1,000 characters)." in chat.text
    await chat.send("Tehran, Valiasr St. 12")
    await chat.send("f" * 201)
    assert "That is too long (at most 200 characters)." in chat.text
    assert chat.labels == ["Not sure yet"]
    assert not await Ticket.exists(kind=TicketKind.REGISTRATION)


# ---- closure ------------------------------------------------------------------------------------


async def test_closing_the_line_opens_a_billing_ticket_and_says_how_to_return_the_modem(
    engine, bot_settings
):
    chat = await logged_in(engine, bot_settings)
    await chat.press("My account")
    await chat.press("Close my line")
    await chat.send(None)
    assert "Please write the reason" in chat.text
    await chat.send("Moving abroad")
    await chat.send("perhaps")
    assert "Please choose Yes or No" in chat.text
    await chat.press("Yes, close my line")
    ticket = await Ticket.get(kind=TicketKind.CLOSURE)
    assert ticket.department == Department.BILLING
    assert f"ticket {ticket.number}" in chat.text
    assert "return it with its power adapter" in chat.text
    await chat.press("My account")
    await chat.press("Close my line")
    assert f"already asked to close your line (ticket {ticket.number})" in chat.text


async def test_a_too_long_closing_reason_is_refused_with_the_limit(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await chat.send(choice="flow:closure")
    await chat.send("r" * 2001)
    assert chat.replies[-2].text == "That is too long (at most 2,000 characters)."
    assert chat.labels == ["I prefer not to say"]


async def test_keeping_the_line_changes_nothing(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await chat.send(choice="flow:closure")
    await chat.press("prefer not to say")
    await chat.press("No, keep it")
    assert "stays as it is" in chat.text
    assert not await Ticket.exists(kind=TicketKind.CLOSURE)


async def test_a_closed_request_lets_a_new_one_be_made_and_a_closed_line_is_not_offered(
    engine, bot_settings, services
):
    chat = await logged_in(engine, bot_settings)
    await chat.send(choice="flow:closure")
    await chat.send("Too slow")
    await chat.press("Yes")
    await Ticket.filter(kind=TicketKind.CLOSURE).update(status=TicketStatus.CLOSED)
    await chat.send(choice="flow:closure")
    assert "why you want to close" in chat.text
    subscriber = await Subscriber.get(username="5120001")
    await services.line_statuses.set_line_status(subscriber.id, LineStatus.CLOSED)
    await chat.send("menu")
    assert "Close my line" not in chat.labels
    await chat.send(choice="flow:closure")
    assert "already closed" in chat.text

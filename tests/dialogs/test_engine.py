"""The engine: first contact, language, global commands, numbered answers, login, timeouts."""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import build_engine
from bot.dialogs.engine import Engine
from bot.dialogs.state import MemoryStateStore
from core.clock import FixedClock
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import make_subscriber


async def test_first_contact_without_a_language_hint_asks_in_all_three_languages(engine):
    chat = ChatClient(engine, language_hint=None)
    await chat.send("hello")
    assert chat.labels == ["فارسی", "Bahasa Indonesia", "English"]
    await chat.press("English")
    assert "Log in" in chat.labels


async def test_a_platform_hint_sets_the_language_and_the_menu_comes_straight_away(engine):
    chat = ChatClient(engine, language_hint="en-US")
    await chat.send("hi")
    assert "Welcome" in chat.text
    assert "Log in" in chat.labels


async def test_log_in_with_username_and_password_then_log_out(engine, bot_settings):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.send("hi")
    await chat.press("Log in")
    assert chat.replies[-1].asks_contact
    await chat.send("5120001")
    assert chat.replies[-1].expects_secret
    await chat.send("Secret-2468")
    assert chat.outcome.forget_inbound
    assert "Welcome, Sara Rahimi" in chat.text
    assert "Log out" in chat.labels and "Log in" not in chat.labels
    await chat.press("Log out")
    assert "logged out" in chat.text
    assert "Log in" in chat.labels


async def test_a_wrong_password_is_explained_and_asked_again_and_the_third_blocks(
    engine, bot_settings
):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.send(choice="flow:login")
    await chat.send("5120001")
    await chat.send("wrong-1")
    assert "2 more tries" in chat.text
    assert "Your username is kept" in chat.text  # only the password is asked again
    assert chat.replies[-1].expects_secret
    await chat.send("wrong-2")
    assert "1 more try." in chat.text  # one try, not "1 more tries"
    await chat.send("wrong-3")
    assert "blocked for 30 minutes" in chat.text
    assert "Log in" in chat.labels  # back at the menu, not stuck at the password question


async def test_a_number_picks_the_option_of_that_place(engine):
    chat = ChatClient(engine, channel="sms", language_hint="en")
    await chat.send("hi")
    position = chat.labels.index("Language") + 1
    await chat.send(str(position))
    assert chat.labels == ["فارسی", "Bahasa Indonesia", "English"]
    await chat.send("۱")  # Persian digit one
    assert chat.replies[-1].language == "fa"


async def test_at_the_main_menu_a_word_of_one_option_picks_it(engine, bot_settings):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine, channel="whatsapp", language_hint="en")
    await chat.send("hi")
    await chat.send("log")
    assert chat.replies[-1].asks_contact  # "Log in"
    await chat.send("5120001")
    await chat.send("Secret-2468")
    await chat.send("tickets")
    assert "New ticket" in chat.labels
    await chat.send("menu")
    await chat.send("my")  # My service, My account: which one is not guessed
    assert "what would you like to do?" in chat.text
    await chat.send("usage")
    assert "Last 7 days" in chat.labels
    await chat.send("days")  # inside a flow, a part of a label is not taken for it
    assert "Last 7 days" in chat.labels and "Please choose" in chat.text


async def test_cancel_and_back_and_menu_work_in_every_language(engine, bot_settings):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.send(choice="flow:login")
    await chat.send("5120001")
    assert chat.replies[-1].expects_secret
    await chat.send("back")
    assert chat.replies[-1].asks_contact  # the username question again
    await chat.send("batal")
    assert "Cancelled" in chat.text
    await chat.send(choice="flow:login")
    await chat.send("منو")
    assert "Log in" in chat.labels


async def test_a_flow_resumes_after_a_restart_with_the_same_store(services, bot_settings):
    await make_subscriber(bot_settings)
    store = MemoryStateStore()
    first = ChatClient(build_engine(services, store))
    await first.send(choice="flow:login")
    await first.send("5120001")
    # A new engine (a restarted process) over the same store carries on at the password.
    second = ChatClient(build_engine(services, store))
    await second.send("Secret-2468")
    assert "Welcome, Sara Rahimi" in second.text


async def test_a_flow_left_alone_too_long_starts_again(engine: Engine, clock: FixedClock):
    chat = ChatClient(engine)
    await chat.send(choice="flow:login")
    clock.advance(timedelta(hours=2))
    await chat.send("5120001")
    assert "timed out" in chat.text
    assert "Log in" in chat.labels


async def test_a_subscriber_flow_asks_a_guest_to_log_in_first_then_goes_on(engine, bot_settings):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.send(choice="flow:logout")
    assert "log in first" in chat.text
    await chat.send("5120001")
    await chat.send("Secret-2468")
    assert "logged out" in chat.text


async def test_resume_shows_the_question_the_chat_was_at(engine):
    chat = ChatClient(engine)
    await chat.send(choice="flow:login")
    await chat.send(choice="engine:resume")
    assert chat.replies[-1].asks_contact


async def test_help_lists_the_commands_and_keeps_the_flow(engine):
    chat = ChatClient(engine)
    await chat.send(choice="flow:login")
    await chat.send("راهنما")
    assert "cancel" in chat.text
    assert chat.replies[-1].asks_contact


async def test_logging_in_tells_about_an_incomplete_profile_and_keeps_the_chats_language(
    engine, bot_settings
):
    from core.accounts.models import Subscriber

    subscriber = await make_subscriber(bot_settings, email=None, language="fa")
    chat = ChatClient(engine, language_hint="en")
    await chat.log_in("5120001", "Secret-2468")
    assert "profile is not complete" in chat.text
    assert all(reply.language == "en" for reply in chat.replies)
    # The chat's English came from the platform's hint, not from a choice: the line keeps its own.
    assert (await Subscriber.get(id=subscriber.id)).language == "fa"


async def test_a_turn_that_cannot_reach_its_state_gets_an_apology_not_a_trace(services):
    from bot.dialogs.contract import Turn

    class BrokenStore(MemoryStateStore):
        async def load(self, chat):
            raise ConnectionError("state store unreachable")

    engine = build_engine(services, BrokenStore())
    outcome = await engine.handle(Turn("web", "c9", text="hi", language_hint="fa"))
    [reply] = outcome.replies
    assert reply.language == "fa"
    assert "ConnectionError" not in reply.text and reply.text


async def test_a_button_that_was_not_offered_is_refused_and_the_question_asked_again(
    engine, bot_settings
):
    from core.tickets.models import Ticket

    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice="flow:tickets")
    await chat.press("New ticket")
    await chat.send(choice="dept:nonsense")  # an id the client made up
    assert "no longer available" in chat.text
    assert "Which team" in chat.text
    await chat.press("Technical")
    assert "How urgent" in chat.text
    assert await Ticket.all().count() == 0


async def test_text_at_the_menu_that_names_no_option_is_said_not_understood_then_the_menu(
    engine, bot_settings
):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.send("hi")
    assert "could not tell" not in chat.text  # a chat's first words get the menu itself
    for typed in ("en", "what is the weather", "'; DROP TABLE subscribers; --"):
        await chat.send(typed)
        assert "could not tell what you need" in chat.replies[0].text
        assert "agent" in chat.replies[0].text
        assert "Welcome! What would you like to do?" in chat.replies[-1].text
        assert "Log in" in chat.labels
    await chat.send("log")  # a word of a label still picks it
    assert chat.replies[-1].asks_contact


async def test_replies_that_fail_to_go_out_are_logged_as_such_and_the_turn_is_kept(
    services, caplog
):
    """The flow ran (and may have written): its state is saved and the failure is said to be
    the send's, not the recording's."""
    from bot.dialogs.contract import Turn
    from bot.dialogs.state import ChatKey

    store = MemoryStateStore()
    engine = build_engine(services, store)

    async def deliver(_outcome) -> None:
        raise RuntimeError("the channel broke")

    outcome = await engine.handle(
        Turn("web", "c10", text="hi", language_hint="en"), deliver=deliver
    )
    assert outcome.replies
    assert "its replies failed to go out" in caplog.text
    assert "not recorded" not in caplog.text
    assert (await store.load(ChatKey("web", "c10"))) is not None


async def test_a_turns_replies_are_sent_by_the_time_its_store_gives(services):
    """The engine hands the held chat's ``send_by`` (a margin before its lock runs out) to
    the channel's sends (bot/pacing.py)."""
    import time
    from contextlib import asynccontextmanager

    from bot.dialogs.contract import Turn
    from bot.pacing import time_to_send

    class LockForFiveSeconds(MemoryStateStore):
        @asynccontextmanager
        async def hold(self, chat, delivery=None):
            async with super().hold(chat, delivery) as held:
                held.send_by = time.monotonic() + 5
                yield held

    seen: list[float] = []

    async def deliver(_outcome) -> None:
        seen.append(time_to_send())

    engine = build_engine(services, LockForFiveSeconds())
    await engine.handle(Turn("web", "c11", text="hi", language_hint="en"), deliver=deliver)
    [left] = seen
    assert 4 < left <= 5
    assert time_to_send() == float("inf")  # only while the replies go out

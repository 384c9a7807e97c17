"""A notice's options answer the next turn of an idle chat by their label; a number still picks
the chat's menu, and a chat in the middle of a question keeps it."""

from __future__ import annotations

from bot.dialogs.contract import Option, Reply
from bot.dialogs.notice_offers import NoticeOffers
from tests.dialogs.client import ChatClient

NOTICE = Reply(
    "Your line is back. Would you like to change your language?",
    options=(Option("flow:language", "Show the choices"),),
)


def offers_of(engine) -> NoticeOffers:
    settings = engine.services.settings
    return NoticeOffers(engine.store, engine.services.clock, settings.flow_timeout_seconds)


async def test_the_notice_s_label_answers_the_next_turn_only(engine):
    chat = ChatClient(engine)
    await chat.send("hi")
    await offers_of(engine).remember(chat.channel, chat.chat_id, [NOTICE])
    await chat.send("show the choices")
    assert chat.labels == ["فارسی", "Bahasa Indonesia", "English"]
    await chat.send("menu")
    await chat.send("show the choices")  # the notice's turn is gone
    assert "Log in" in chat.labels


async def test_a_number_after_a_notice_still_picks_from_the_menu(engine):
    chat = ChatClient(engine)
    await chat.send("hi")
    assert chat.labels[0] == "Log in"
    await offers_of(engine).remember(chat.channel, chat.chat_id, [NOTICE])
    await chat.send("1")
    assert chat.replies[-1].asks_contact  # Log in, the menu's first


async def test_a_chat_answering_a_question_keeps_it(engine):
    chat = ChatClient(engine)
    await chat.send("hi")
    await chat.press("Log in")
    await offers_of(engine).remember(chat.channel, chat.chat_id, [NOTICE])
    await chat.send("show the choices")  # an answer to the question, not the notice's label
    assert "Please write your username or mobile number." in chat.text  # no username, refused
    assert chat.labels != ["فارسی", "Bahasa Indonesia", "English"]

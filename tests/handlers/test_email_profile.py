"""The email address in the chat's profile: with a mail server configured, a new address counts
once the code sent to it by email comes back (wrong codes count toward the lockout), notices by
email turn on and off, and a bounced address is said; without one, it is a plain detail."""

from __future__ import annotations

import re

import pytest

from bot.bootstrap import build_engine, build_services
from bot.config import BotSettings
from bot.dialogs.engine import Engine
from bot.dialogs.state import MemoryStateStore
from core.accounts.models import EmailCheck, Subscriber
from core.billing.gateways.sandbox import SandboxGateway
from tests.conftest import NOW
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import engine  # noqa: F401
from tests.dialogs.test_flows_accounts import logged_in
from tests.fakes import InMemoryFileStore
from tests.handlers.test_email_channel import configure
from tests.smtp_server import SmtpServer, free_port, html_part, text_part

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture
def mail_engine(
    sqlite_db, bot_settings: BotSettings, smtp_server: SmtpServer, clock, sms
) -> Engine:
    configure(bot_settings, smtp_server)
    sandbox = SandboxGateway("http://bot.test")
    services = build_services(
        bot_settings,
        clock=clock,
        sms=sms,
        files=InMemoryFileStore(),
        gateways={sandbox.name: sandbox},
    )
    return build_engine(services, MemoryStateStore())


async def new_email(chat: ChatClient, address: str) -> None:
    await chat.send(choice="flow:profile")
    await chat.press("Edit a detail")
    await chat.press("Email")
    await chat.send(address)


def code_in(server: SmtpServer, to: str) -> str:
    message = server.messages[-1]
    assert message["To"] == to
    found = re.search(r"\d{6}", message["Subject"])
    assert found is not None
    return found.group()


async def test_a_new_address_counts_once_the_code_sent_to_it_comes_back(
    mail_engine, bot_settings, smtp_server
):
    chat = await logged_in(mail_engine, bot_settings)
    await new_email(chat, "Sara.K@Mail.EXAMPLE")

    assert "code of 6 digits by email to Sara.K@mail.example" in chat.text
    code = code_in(smtp_server, "Sara.K@mail.example")
    assert code in text_part(smtp_server.messages[-1]) and code in html_part(
        smtp_server.messages[-1]
    )
    assert (await Subscriber.get(username="5120001")).email_verified_at is None

    await chat.send("000000" if code != "000000" else "111111")
    assert "That code is not right. You have 2 more tries" in chat.text
    await chat.send(code.translate(PERSIAN_DIGITS))

    assert "your email is confirmed" in chat.text
    assert "Notices by email: on." in chat.text  # back at the profile
    sara = await Subscriber.get(username="5120001")
    assert (sara.email, sara.email_verified_at, sara.email_notices) == (
        "Sara.K@mail.example",
        NOW,
        True,
    )
    assert not await EmailCheck.exists()


async def test_email_notices_turn_off_and_on_from_the_profile(
    mail_engine, bot_settings, smtp_server
):
    chat = await logged_in(mail_engine, bot_settings)
    await new_email(chat, "sara@mail.example")
    await chat.send(code_in(smtp_server, "sara@mail.example"))

    await chat.press("Turn email notices off")
    assert "No more notices by email." in chat.text and "Notices by email: off." in chat.text
    assert (await Subscriber.get(username="5120001")).email_notices is False
    await chat.press("Turn email notices on")
    assert (await Subscriber.get(username="5120001")).email_notices is True


async def test_an_address_its_server_refuses_is_not_taken(mail_engine, bot_settings, smtp_server):
    smtp_server.mailbox.rcpt_answers["nobody@mail.example"] = "550 5.1.1 no such user"
    chat = await logged_in(mail_engine, bot_settings)
    await new_email(chat, "nobody@mail.example")

    assert "The mail server of that address refused it" in chat.text
    assert not await EmailCheck.exists()
    await chat.send("sara@mail.example")  # asked again
    assert "code of 6 digits by email to sara@mail.example" in chat.text


async def test_a_mail_server_out_of_reach_is_said_and_no_code_waits(mail_engine, bot_settings):
    bot_settings.smtp_port = free_port()
    chat = await logged_in(mail_engine, bot_settings)
    await new_email(chat, "sara@mail.example")

    assert "could not be sent just now" in chat.text
    assert not await EmailCheck.exists()


async def test_a_bounced_address_is_said_in_the_profile(mail_engine, bot_settings, clock):
    chat = await logged_in(mail_engine, bot_settings)
    await Subscriber.filter(username="5120001").update(
        email="sara@mail.example", email_verified_at=NOW, email_bounced_at=NOW, email_bounce="550"
    )
    await chat.send(choice="flow:profile")

    assert "Emails to sara@mail.example came back undelivered" in chat.text
    assert not any("notices" in label for label in chat.labels)


async def test_an_unconfirmed_address_can_be_confirmed_from_the_profile(
    mail_engine, bot_settings, smtp_server
):
    chat = await logged_in(mail_engine, bot_settings, email="sara@mail.example")
    await chat.send(choice="flow:profile")
    assert "not confirmed yet" in chat.text

    await chat.press("Confirm my email")
    await chat.send(code_in(smtp_server, "sara@mail.example"))
    assert "your email is confirmed" in chat.text


async def test_without_a_mail_server_the_email_is_a_plain_detail(engine, bot_settings):  # noqa: F811
    chat = await logged_in(engine, bot_settings)
    await new_email(chat, "sara@mail.example")

    assert "Saved: Email." in chat.text
    assert "Notices by email" not in chat.text and "confirmed" not in chat.text
    sara = await Subscriber.get(username="5120001")
    assert (sara.email, sara.email_verified_at) == ("sara@mail.example", None)

"""Logs never carry secrets or personal data: a whole web-chat conversation, logged at DEBUG
level (SQL statements and their values included), leaves none of them in the log."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.demo_sms import DemoSmsOutbox
from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.dialogs.state import MemoryStateStore
from bot.observability.context import bound
from bot.observability.logs import configure_logging
from bot.observability.redaction import redact
from core.billing.gateways.sandbox import SandboxGateway
from tests.dialogs.conftest import make_subscriber
from tests.fakes import InMemoryFileStore


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Authorization: Bearer isp_7f3a9c1d2e4b", "isp_7f3a9c1d2e4b"),
        ("token=isp_7f3a9c1d2e4b&x=1", "isp_7f3a9c1d2e4b"),
        ('{"password": "Secret-2468"}', "Secret-2468"),
        ("internet_password='NewModem-2468'", "NewModem-2468"),
        ("Your new panel password for 5120001 is: Xk7p-Qw92", "Xk7p-Qw92"),
        ("national ID 0013542419 checked", "0013542419"),
        ("SMS to +989121234567", "9121234567"),
        ("call 0912 123 4567", "123 4567"),
        ("شماره ۰۹۱۲۱۲۳۴۵۶۷", "۱۲۳۴۵۶۷"),
        ("NIK 3174096512900003", "3174096512900003"),
        ("hash $argon2id$v=19$m=1024,t=1,p=4$c2FsdA$aGFzaA", "c2FsdA$aGFzaA"),
    ],
)
def test_redaction_masks_each_kind_of_secret(line, secret):
    assert secret not in redact(line)


def test_redaction_keeps_the_last_two_digits_to_tell_lines_apart():
    assert redact("mobile +989121234567") == "mobile **********67"


def test_values_bound_to_the_request_are_masked_only_while_it_runs():
    with bound("r1", ["hunter22"]):
        assert "hunter22" not in redact("got hunter22")
    assert redact("got hunter22") == "got hunter22"


class _LoggedSms(DemoSmsOutbox):
    """The demo's SMS adapter, remembering the text so the test knows the password."""

    def __init__(self, path) -> None:
        super().__init__(path)
        self.sent: list[tuple[str, str]] = []

    async def send_sms(self, to: str, text: str) -> None:
        self.sent.append((to, text))
        await super().send_sms(to, text)


async def _frames(ws, count: int) -> list[dict]:
    """The ``count`` frames one turn answers with (the flows' replies are known here)."""
    frames = []
    for _ in range(count):
        message = await asyncio.wait_for(ws.receive(), timeout=5)
        assert message.type == WSMsgType.TEXT, message
        frames.append(message.json())
    return frames


async def _say(ws, text: str, count: int = 1) -> list[dict]:
    await ws.send_json({"type": "text", "text": text})
    return await _frames(ws, count)


async def _press(ws, frames: list[dict], label: str, count: int = 1) -> list[dict]:
    option = next(o for o in frames[-1]["options"] if label in o["label"])
    await ws.send_json({"type": "choice", "id": option["id"]})
    return await _frames(ws, count)


@pytest.fixture
def captured_log():
    stream = io.StringIO()
    handler = configure_logging(logging.DEBUG, stream)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)


async def test_a_full_web_chat_conversation_logs_no_secret_or_personal_data(
    sqlite_db, bot_settings, clock, captured_log, tmp_path
):
    sms = _LoggedSms(tmp_path / "demo-sms.txt")
    sandbox = SandboxGateway("http://bot.test")
    wiring = bootstrap(
        bot_settings,
        clock=clock,
        sms=sms,
        files=InMemoryFileStore(),
        gateways={sandbox.name: sandbox},
        store=MemoryStateStore(),
    )
    await make_subscriber(bot_settings)
    app = init_app(wiring, manage_database=False)
    async with TestClient(TestServer(app)) as client:
        await client.get("/")
        cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["ispbot_chat"]
        async with client.ws_connect("/ws?lang=en") as ws:
            frames = await _frames(ws, 1)
            await ws.send_str("not json")  # the handler logs the chat's id (its cookie)
            await _press(ws, frames, "Forgot password")
            await _say(ws, "5120001")
            await _say(ws, "0013542419")
            frames = await _say(ws, "0912 123 4567")
            [(_, sms_text)] = sms.sent
            new_password = sms_text.rsplit(" ", 1)[-1]
            await _press(ws, frames, "Log in")
            await _say(ws, "5120001")
            frames = await _say(ws, new_password, count=3)
            assert "You are logged in" in frames[0]["text"]
            frames = await _press(ws, frames, "My account")
            await _press(ws, frames, "Change internet password", count=2)
            await _say(ws, "NewModem-2468")
            await _say(ws, "NewModem-2468")
            frames = await _say(ws, "modem-pass-1")
            assert "internet password is changed" in frames[0]["text"]
        await client.get("/healthz", headers={"Authorization": "Bearer isp_abcdef123456"})

    lines = captured_log.getvalue().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    everything = captured_log.getvalue()
    # The log did see the conversation: the SMS, the bad frame, the SQL that stored the passwords.
    assert any(r["logger"] == "ispbot.sms" for r in records)
    assert any("not JSON" in r["msg"] for r in records)
    assert any("UPDATE" in r["msg"] and "subscriber" in r["msg"] for r in records)
    # Lines written while a request or turn runs name it (the outbox relay's do not).
    assert all(
        r["request_id"] for r in records if r["logger"] in ("ispbot.sms", "bot.handlers.webchat")
    )
    for secret in [
        "Secret-2468",
        new_password,
        "NewModem-2468",
        "modem-pass-1",
        "0013542419",
        "9121234567",
        "123 4567",
        "$argon2",
        cookie.value,
        "isp_abcdef123456",
    ]:
        assert secret not in everything, secret


async def test_the_demo_sms_goes_to_its_file_and_the_log_never_holds_its_text(
    tmp_path, captured_log
):
    outbox = DemoSmsOutbox(tmp_path / "demo-sms.txt")
    for text in (
        "Your new panel password for 2188001234 is: Kq7vXw2pLm",
        "رمز عبور جدید پنل شما برای نام کاربری 2188001234: Kq7vXw2pLm",
        "Kata sandi panel baru Anda untuk 2188001234 adalah: Kq7vXw2pLm",
    ):
        await outbox.send_sms("+989121234567", text)
    assert (tmp_path / "demo-sms.txt").read_text(encoding="utf-8").count("Kq7vXw2pLm") == 3
    assert "Kq7vXw2pLm" not in captured_log.getvalue()
    assert "written to" in captured_log.getvalue()


def test_the_access_log_leaves_out_load_shedding_refusals():
    """A 503 with Retry-After (the webhook above its turns in flight) is not logged; every
    other answer is, a plain 503 (a store down) among them."""
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from bot.observability.logs import AccessLog

    logger = logging.getLogger("test.access")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        access = AccessLog(logger, '%s "%r"')
        request = make_mocked_request("POST", "/telegram/webhook")
        access.log(request, web.Response(status=503, headers={"Retry-After": "1"}), 0.001)
        access.log(request, web.Response(status=503), 0.001)
        access.log(request, web.Response(status=200), 0.001)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["503", "200"]


def test_the_access_log_leaves_out_accepted_webhook_posts_but_not_their_failures():
    """A request marked QUIET_WHEN_ACCEPTED (a Telegram update, counted by the metrics) gets no
    line when it is accepted; refused or failed, it does."""
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from bot.observability.logs import QUIET_WHEN_ACCEPTED, AccessLog

    logger = logging.getLogger("test.access.quiet")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        access = AccessLog(logger, '%s "%r"')
        quiet = make_mocked_request("POST", "/telegram/webhook")
        quiet[QUIET_WHEN_ACCEPTED] = True
        unmarked = make_mocked_request("POST", "/telegram/webhook")
        access.log(quiet, web.Response(status=200), 0.001)
        access.log(quiet, web.Response(status=403), 0.001)
        access.log(quiet, web.Response(status=503), 0.001)
        access.log(unmarked, web.Response(status=200), 0.001)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["403", "503", "200"]

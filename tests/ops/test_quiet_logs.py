"""A day's log at INFO is what a person reads when something went wrong: the libraries' chatter
(fontTools and fpdf loading the receipt's fonts, Twilio's request headers on every send, arq's
lines for every job) stays out of it unless asked for."""

from __future__ import annotations

import io
import json
import logging
import secrets

import pytest
from arq import Worker, create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis

from bot.adapters.twilio_messages import TwilioMessages
from bot.observability.logs import LIBRARY_LOGGERS, configure_logging
from bot.rendering.receipt_pdf import ReceiptPage, render_pdf
from tests.conftest import REDIS_TEST_URL
from tests.fakes_twilio import twilio_fake, twilio_settings  # noqa: F401 (a fixture)

CHATTY = ("fontTools", "fpdf", "twilio", "arq")
assert set(CHATTY) <= set(LIBRARY_LOGGERS)


@pytest.fixture
def log_lines():
    """The JSON lines logged while the test runs, as ``ispbot serve`` configures logging."""
    touched = [logging.getLogger(), *(logging.getLogger(name) for name in CHATTY)]
    levels = [logger.level for logger in touched]
    stream = io.StringIO()
    handler = configure_logging(logging.INFO, stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)
    for logger, level in zip(touched, levels, strict=True):
        logger.setLevel(level)


def _chatter(lines):
    return [line for line in lines if line["logger"].split(".")[0] in CHATTY]


def test_rendering_a_persian_receipt_logs_no_font_lines(log_lines):
    page = ReceiptPage(
        title="رسید پرداخت",
        seller=["شرکت نمونه"],
        details=[("شماره پیگیری", "۴۶۹۶۲۷")],
        columns=("شرح", "مبلغ"),
        lines=[("سرویس", "۲۸۰٬۰۰۰ ریال")],
        totals=[("مبلغ پرداخت شده", "۲۸۰٬۰۰۰ ریال")],
    )
    render_pdf(page, direction="rtl")
    assert _chatter(log_lines()) == []


async def test_a_twilio_send_logs_no_request_headers(log_lines, twilio_fake):  # noqa: F811
    messages = TwilioMessages(twilio_settings(twilio_fake))
    try:
        await messages.send_sms("+989121234567", "hello")
    finally:
        await messages.close()
    assert _chatter(log_lines()) == []


async def _noop(ctx):
    return None


async def test_a_worker_tick_logs_no_line_per_job(log_lines):
    queue = f"test-quiet-{secrets.token_hex(4)}"
    pool = await create_pool(RedisSettings.from_dsn(REDIS_TEST_URL))
    worker = Worker(
        functions=[_noop],
        queue_name=queue,
        redis_settings=RedisSettings.from_dsn(REDIS_TEST_URL),
        burst=True,
        handle_signals=False,
    )
    try:
        await pool.enqueue_job("_noop", _queue_name=queue)
        await worker.main()
    finally:
        await worker.close()
        await pool.aclose()
        redis = Redis.from_url(REDIS_TEST_URL)
        keys = [key async for key in redis.scan_iter(f"*{queue}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
    assert _chatter(log_lines()) == []


def test_the_libraries_level_is_a_setting(log_lines):
    stream = io.StringIO()
    handler = configure_logging(logging.INFO, stream=stream, library_level=logging.INFO)
    try:
        logging.getLogger("twilio.http_client").info("-- BEGIN Twilio API Request --")
    finally:
        logging.getLogger().removeHandler(handler)
    assert "BEGIN Twilio" in stream.getvalue()

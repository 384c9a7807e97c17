"""Structured logs: one JSON object a line, with the request or update id, secrets masked.

The redaction runs in a filter on the handler, after the message is formatted, so it covers
every logger (ours, aiohttp's, tortoise's) and the text of tracebacks.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO

from aiohttp import web
from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from bot.observability.context import request_id
from bot.observability.redaction import MASK, redact

# aiosqlite repeats tortoise's SQL lines from its worker thread, where the request's context
# (and so the values to mask) is unknown: its debug lines are dropped.
_QUIET_LOGGERS = {
    "aiosqlite": logging.INFO,
    # A line for every update handled: the access log has the webhook's POSTs already.
    "aiogram.event": logging.WARNING,
}
# Libraries that tell at INFO what they do every time: fontTools and fpdf a line for each glyph
# table of the receipt's fonts (132 at start-up), Twilio the headers of every request, arq a
# line as each job starts and ends (about 35,000 a day). They log at ``library_level`` (a
# setting, WARNING unless asked for more) so that a day's log is what went wrong.
LIBRARY_LOGGERS = ("fontTools", "fpdf", "twilio", "arq")


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _is_sql_with_values(record):
            # The values of a statement are subscribers' data (new passwords among them): the
            # statement is logged, its values are not.
            query, values = record.args  # type: ignore[misc]
            message = f"{query}: [{len(values)} values {MASK}]"
        else:
            message = record.getMessage()
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record.request_id = request_id.get()
        return True


def _is_sql_with_values(record: logging.LogRecord) -> bool:
    return (
        record.name.startswith("tortoise.db_client")
        and isinstance(record.args, tuple)
        and len(record.args) == 2
        and isinstance(record.args[1], list | tuple)
    )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    level: int | str = logging.INFO,
    stream: IO[str] | None = None,
    *,
    library_level: int | str = logging.WARNING,
) -> logging.Handler:
    """Send every log line at ``level`` (``library_level`` for LIBRARY_LOGGERS) to ``stream``
    (stderr) as redacted JSON; returns the handler so a caller (a test) can remove it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "ispbot_json", False)]:
        root.removeHandler(old)
    handler.ispbot_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name, floor in _QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(floor)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    return handler


# Set on a request (``request[QUIET_WHEN_ACCEPTED] = True``) whose 2xx answer needs no line of
# its own: an accepted Telegram webhook POST, one a turn, counted by the metrics by status.
QUIET_WHEN_ACCEPTED = web.RequestKey("quiet_when_accepted", bool)


class AccessLog(AccessLogger):
    """aiohttp's access log without the refusals a busy server sheds load with (503 with
    Retry-After, the Telegram webhook's above its turns in flight): above capacity there are
    several a handled update (bench/RESULTS.md), and a line each would make the logger part of
    the overload. Nor the accepted requests marked QUIET_WHEN_ACCEPTED: a line each was 2 % of
    a chat turn's CPU. The metrics count both by status all the same."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        status = response.status
        if status == 503 and "Retry-After" in response.headers:
            return
        if status < 300 and request.get(QUIET_WHEN_ACCEPTED):
            return
        super().log(request, response, time)

"""Notices: what the bot says on its own (an order applied, a ticket answered, an alert).

The core enqueues a notice as a kind and plain parameters; the renderer of that kind turns it
into replies in the subscriber's language. Each module here lists its renderers in ``NOTICES``,
and ``RENDERERS`` below is every one of them by kind: adding a notice adds it to its module's
list (and a new module to the tuple below).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from bot.dialogs.contract import Reply
from bot.dialogs.notice_reasons import reason_line
from bot.dialogs.notices import alerts, billing, handoff, tickets
from bot.dialogs.notices.renderer import FileNotice, Notice
from bot.i18n import Texts
from core.ports import FileStore

log = logging.getLogger(__name__)


def _by_kind(notices: Iterable[Notice | FileNotice]) -> dict[str, Notice | FileNotice]:
    renderers: dict[str, Notice | FileNotice] = {}
    for notice in notices:
        if notice.kind in renderers:
            raise RuntimeError(f"two renderers for notice {notice.kind!r}")
        renderers[notice.kind] = notice
    return renderers


RENDERERS: Mapping[str, Notice | FileNotice] = _by_kind(
    [*alerts.NOTICES, *billing.NOTICES, *tickets.NOTICES, *handoff.NOTICES]
)


def known_kinds() -> set[str]:
    return set(RENDERERS)


async def render_notice(
    t: Texts,
    kind: str,
    params: dict[str, Any],
    *,
    files: FileStore | None = None,
    short_reason: bool = False,
) -> list[Reply] | None:
    """The replies for a notice, its reason closing its text (``short_reason``: the shorter
    form, for SMS), or None for a kind nobody renders (logged)."""
    notice = RENDERERS.get(kind)
    if notice is None:
        log.error("no renderer for notice %r", kind)
        return None
    if isinstance(notice, FileNotice):
        replies = await notice.render(t, params, files)
    else:
        replies = await notice.render(t, params)
    return with_reason(replies, reason_line(t, kind, params, short=short_reason))


def with_reason(replies: list[Reply], line: str) -> list[Reply]:
    """``replies`` with ``line`` closing the first that has text (the files that follow an
    answer have none); a notice of files only gets the line as a reply of its own."""
    for index, reply in enumerate(replies):
        if reply.text:
            text = f"{reply.text}\n\n{line}"
            return [*replies[:index], dataclasses.replace(reply, text=text), *replies[index + 1 :]]
    if not replies:
        return [Reply(line)]
    return [*replies, Reply(line, language=replies[0].language)]

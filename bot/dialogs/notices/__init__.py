"""Notices: what the bot says on its own (an order applied, a ticket answered, an alert).

The core enqueues a notice as a kind and plain parameters; the renderer of that kind turns it
into replies in the subscriber's language. Each module here lists its renderers in ``NOTICES``,
and ``RENDERERS`` below is every one of them by kind: adding a notice adds it to its module's
list (and a new module to the tuple below).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from bot.dialogs.contract import Reply
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
    t: Texts, kind: str, params: dict[str, Any], *, files: FileStore | None = None
) -> list[Reply] | None:
    """The replies for a notice, or None for a kind nobody renders (logged)."""
    notice = RENDERERS.get(kind)
    if notice is None:
        log.error("no renderer for notice %r", kind)
        return None
    if isinstance(notice, FileNotice):
        return await notice.render(t, params, files)
    return await notice.render(t, params)

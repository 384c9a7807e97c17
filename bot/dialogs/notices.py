"""Notices: what the bot says on its own (an order applied, a ticket answered, an alert).

The core enqueues a notice as a kind and plain parameters; a renderer registered here for that
kind turns it into replies in the subscriber's language. Flow modules register the renderers of
their domain with ``@notice("kind")``; one that sends stored files along registers with
``reads_files=True`` and is given the FileStore (None where the sender has none: it names them).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.dialogs.contract import Reply
from bot.i18n import Texts
from core.ports import FileStore

log = logging.getLogger(__name__)

Renderer = Callable[[Texts, dict[str, Any]], Awaitable[list[Reply]]]
# A renderer registered with reads_files=True: (t, params, files).
FileRenderer = Callable[[Texts, dict[str, Any], FileStore | None], Awaitable[list[Reply]]]
_RENDERERS: dict[str, Callable[..., Awaitable[list[Reply]]]] = {}
_READS_FILES: set[str] = set()


R = TypeVar("R", Renderer, FileRenderer)


def notice(kind: str, *, reads_files: bool = False) -> Callable[[R], R]:
    def register(renderer: R) -> R:
        if kind in _RENDERERS:
            raise RuntimeError(f"two renderers for notice {kind!r}")
        _RENDERERS[kind] = renderer
        if reads_files:
            _READS_FILES.add(kind)
        return renderer

    return register


def known_kinds() -> set[str]:
    return set(_RENDERERS)


async def render_notice(
    t: Texts, kind: str, params: dict[str, Any], *, files: FileStore | None = None
) -> list[Reply] | None:
    """The replies for a notice, or None for a kind nobody renders (logged)."""
    from bot.dialogs.flows import all_flows

    all_flows()  # importing the flow modules registers their renderers
    renderer = _RENDERERS.get(kind)
    if renderer is None:
        log.error("no renderer for notice %r", kind)
        return None
    if kind in _READS_FILES:
        return await renderer(t, params, files)
    return await renderer(t, params)

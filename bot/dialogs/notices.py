"""Notices: what the bot says on its own (an order applied, a ticket answered, an alert).

The core enqueues a notice as a kind and plain parameters; a renderer registered here for that
kind turns it into replies in the subscriber's language. Flow modules register the renderers of
their domain with ``@notice("kind")``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.dialogs.contract import Reply
from bot.i18n import Texts

log = logging.getLogger(__name__)

Renderer = Callable[[Texts, dict[str, Any]], Awaitable[list[Reply]]]
_RENDERERS: dict[str, Renderer] = {}


def notice(kind: str) -> Callable[[Renderer], Renderer]:
    def register(renderer: Renderer) -> Renderer:
        if kind in _RENDERERS:
            raise RuntimeError(f"two renderers for notice {kind!r}")
        _RENDERERS[kind] = renderer
        return renderer

    return register


def known_kinds() -> set[str]:
    return set(_RENDERERS)


async def render_notice(t: Texts, kind: str, params: dict[str, Any]) -> list[Reply] | None:
    """The replies for a notice, or None for a kind nobody renders (logged)."""
    from bot.dialogs.flows import all_flows

    all_flows()  # importing the flow modules registers their renderers
    renderer = _RENDERERS.get(kind)
    if renderer is None:
        log.error("no renderer for notice %r", kind)
        return None
    return await renderer(t, params)

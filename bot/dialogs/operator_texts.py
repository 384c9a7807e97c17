"""Texts an operator wrote per language (an announcement, an outage's report), as the reader
sees them: the notices and the message box share this."""

from __future__ import annotations

from typing import Any

from bot.i18n import Texts


def in_language(t: Texts, texts: Any) -> str:
    """An operator's text in the reader's language, else English, else any."""
    if not isinstance(texts, dict) or not texts:
        return ""
    return str(texts.get(t.language) or texts.get("en") or next(iter(texts.values())))

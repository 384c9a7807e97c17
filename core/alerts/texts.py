"""What an outage report or an announcement may say: a text per language (fa, id, en), each at
most TEXT_MAX_LENGTH characters, at least one of them given (a subscriber whose language has none
reads English, else the first). The admin API's schema and the staff console check by these."""

from __future__ import annotations

from collections.abc import Mapping

from core.accounts.enums import Language
from core.errors import FieldErrors
from core.typed_text import without_direction_controls

TEXT_MAX_LENGTH = 2000
LANGUAGES = tuple(language.value for language in Language)


def field_of(language: str) -> str:
    """The form field of a language's text."""
    return f"text_{language}"


def checked_texts(typed: Mapping[str, str], *, required: bool = True) -> dict[str, str]:
    """The texts given (blank ones left out), stripped; a repair may say nothing more.
    Errors: FieldErrors ``text_too_long`` (the language's field), ``text_required``
    (``text_en``), ``text_has_nul``."""
    texts: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for language in LANGUAGES:
        text = without_direction_controls(typed.get(language, "")).strip()
        if not text:
            continue
        if "\x00" in text:
            problems.append((field_of(language), "text_has_nul"))
        elif len(text) > TEXT_MAX_LENGTH:
            problems.append((field_of(language), "text_too_long"))
        else:
            texts[language] = text
    if required and not texts and not problems:
        problems.append((field_of(Language.EN.value), "text_required"))
    if problems:
        raise FieldErrors(problems)
    return texts

"""Writes: the FAQ's entries (staff, through the admin API and the console) and the unmatched
texts (kept by the bot, dismissed by staff). A change made from the console names its member
(``actor``) and is audited in its own transaction."""

from __future__ import annotations

import re
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.errors import Conflict, FieldErrors, NotFound
from core.ports import Clock
from core.staff import audit
from core.staff.audit import Actor
from core.typed_text import without_direction_controls
from core.understanding.models import FaqEntry, UnmatchedText
from core.understanding.queries import FaqView
from core.understanding.scrub import scrubbed

LANGUAGES = ("fa", "id", "en")
TOPIC = re.compile(r"[a-z0-9_]{1,60}")
QUESTION_MAX_LENGTH = 200
QUESTIONS_MAX = 50
ANSWER_MAX_LENGTH = 2000
URL_MAX_LENGTH = 500
_URL = re.compile(r"https?://[^\s<>\"]+")
_UNSET: Any = object()
FAQ_ENTRY = "faq_entry"
UNMATCHED_TEXT = "unmatched_text"


class Faq:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def create(
        self,
        topic: str,
        questions: Any,
        answers: Any,
        link: str | None = None,
        picture_url: str | None = None,
        *,
        actor: Actor | None = None,
    ) -> FaqView:
        errors: list[tuple[str, str]] = []
        if not isinstance(topic, str) or not TOPIC.fullmatch(topic):
            errors.append(("topic", "lower-case letters, digits and _; at most 60"))
        fields = _checked(
            errors, questions=questions, answers=answers, link=link, picture_url=picture_url
        )
        if errors:
            raise FieldErrors(errors)
        try:
            async with in_transaction():
                now = self.clock.now()
                entry = await FaqEntry.create(topic=topic, updated_at=now, **fields)
                if actor is not None:
                    after = {"topic": topic, **fields}
                    await audit.record(actor, "faq.add", FAQ_ENTRY, entry.id, now, after=after)
        except IntegrityError as error:
            raise Conflict("faq_topic_taken", topic=topic) from error
        return FaqView.of(entry)

    async def update(
        self,
        entry_id: int,
        *,
        questions: Any = _UNSET,
        answers: Any = _UNSET,
        link: Any = _UNSET,
        picture_url: Any = _UNSET,
        actor: Actor | None = None,
    ) -> FaqView:
        """Changes what is given; the topic stays (the intent label is made of it)."""
        given = {
            name: value
            for name, value in (
                ("questions", questions),
                ("answers", answers),
                ("link", link),
                ("picture_url", picture_url),
            )
            if value is not _UNSET
        }
        errors: list[tuple[str, str]] = []
        fields = _checked(errors, **given)
        if errors:
            raise FieldErrors(errors)
        async with in_transaction():
            entry = await FaqEntry.select_for_update().get_or_none(id=entry_id)
            if entry is None:
                raise NotFound("faq_entry_not_found", entry_id=entry_id)
            before = {name: getattr(entry, name) for name in fields}
            now = self.clock.now()
            entry.update_from_dict({**fields, "updated_at": now})
            await entry.save()
            if actor is not None and before != fields:
                await audit.record(
                    actor, "faq.edit", FAQ_ENTRY, entry_id, now, before=before, after=fields
                )
        return FaqView.of(entry)

    async def delete(self, entry_id: int, *, actor: Actor | None = None) -> None:
        async with in_transaction():
            entry = await FaqEntry.select_for_update().get_or_none(id=entry_id)
            if entry is None:
                raise NotFound("faq_entry_not_found", entry_id=entry_id)
            await entry.delete()
            if actor is not None:
                before = {"topic": entry.topic, "answers": entry.answers}
                now = self.clock.now()
                await audit.record(actor, "faq.remove", FAQ_ENTRY, entry_id, now, before=before)


class UnmatchedTexts:
    """Keeps what the bot did not understand, without personal data, for staff to read."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def record(
        self,
        text: str,
        language: str,
        channel: str,
        best_label: str | None = None,
        best_score: float | None = None,
    ) -> None:
        kept = scrubbed(text)
        if not kept:
            return
        await UnmatchedText.create(
            text=kept,
            language=language[:5],
            channel=channel[:20],
            best_label=best_label[:80] if best_label else None,
            best_score=best_score,
            created_at=self.clock.now(),
        )

    async def dismiss(self, text_id: int, *, actor: Actor) -> None:
        """Read and done with (turned into an FAQ entry, or nothing to learn from): removed.
        Code: ``unmatched_text_not_found``."""
        async with in_transaction():
            row = await UnmatchedText.select_for_update().get_or_none(id=text_id)
            if row is None:
                raise NotFound("unmatched_text_not_found", text_id=text_id)
            await row.delete()
            before = {"text": row.text, "language": row.language}
            now = self.clock.now()
            await audit.record(
                actor, "unmatched.dismiss", UNMATCHED_TEXT, text_id, now, before=before
            )


def _checked(errors: list[tuple[str, str]], **given: Any) -> dict[str, Any]:
    """The fields given, cleaned; what is wrong with them added to ``errors``."""
    out: dict[str, Any] = {}
    if "questions" in given:
        out["questions"] = _questions(errors, given["questions"])
    if "answers" in given:
        out["answers"] = _answers(errors, given["answers"])
    for name in ("link", "picture_url"):
        if name in given:
            out[name] = _url(errors, name, given[name])
    return out


def _text(value: Any, max_length: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = without_direction_controls(value).replace("\x00", "").strip()
    if not value or len(value) > max_length:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no database stores it
        return None
    return value


def _questions(errors: list[tuple[str, str]], value: Any) -> dict[str, list[str]]:
    shape = (
        f"an object of languages ({', '.join(LANGUAGES)}) to lists of at most {QUESTIONS_MAX} "
        f"questions of 1 to {QUESTION_MAX_LENGTH} characters"
    )
    if not isinstance(value, dict) or not set(value) <= set(LANGUAGES):
        errors.append(("questions", shape))
        return {}
    out: dict[str, list[str]] = {}
    for language, items in value.items():
        if not isinstance(items, list) or len(items) > QUESTIONS_MAX:
            errors.append(("questions", shape))
            return {}
        texts = [_text(item, QUESTION_MAX_LENGTH) for item in items]
        if any(text is None for text in texts):
            errors.append(("questions", shape))
            return {}
        out[language] = [text for text in texts if text]
    return out


def _answers(errors: list[tuple[str, str]], value: Any) -> dict[str, str]:
    shape = (
        f"an object of languages ({', '.join(LANGUAGES)}) to answers of 1 to "
        f"{ANSWER_MAX_LENGTH} characters, at least one"
    )
    if not isinstance(value, dict) or not value or not set(value) <= set(LANGUAGES):
        errors.append(("answers", shape))
        return {}
    out: dict[str, str] = {}
    for language, item in value.items():
        text = _text(item, ANSWER_MAX_LENGTH)
        if text is None:
            errors.append(("answers", shape))
            return {}
        out[language] = text
    return out


def _url(errors: list[tuple[str, str]], name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > URL_MAX_LENGTH or not _URL.fullmatch(value):
        errors.append((name, f"an http(s) address of at most {URL_MAX_LENGTH} characters"))
        return None
    return value

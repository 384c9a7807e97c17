"""Reads: the FAQ's entries and the unmatched texts, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.errors import NotFound
from core.understanding.models import FaqEntry, UnmatchedText


@dataclass(frozen=True, slots=True)
class FaqView:
    id: int
    topic: str
    questions: dict[str, list[str]]
    answers: dict[str, str]
    link: str | None
    picture_url: str | None
    updated_at: datetime

    @classmethod
    def of(cls, entry: FaqEntry) -> FaqView:
        return cls(
            id=entry.id,
            topic=entry.topic,
            questions={k: list(v) for k, v in dict(entry.questions).items()},
            answers=dict(entry.answers),
            link=entry.link,
            picture_url=entry.picture_url,
            updated_at=entry.updated_at,
        )

    def answer_in(self, language: str, fallback: str = "en") -> str | None:
        """The answer in ``language``, else in ``fallback``, else in any language it has."""
        for code in (language, fallback, *sorted(self.answers)):
            if self.answers.get(code):
                return self.answers[code]
        return None


@dataclass(frozen=True, slots=True)
class FaqVersion:
    """Changes whenever an entry is added, edited or removed: a matcher built from the FAQ
    is rebuilt when it differs."""

    count: int
    latest: datetime | None
    ids: tuple[int, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class UnmatchedView:
    id: int
    text: str
    language: str
    channel: str
    best_label: str | None
    best_score: float | None
    created_at: datetime


async def faq_entries() -> list[FaqView]:
    return [FaqView.of(entry) for entry in await FaqEntry.all().order_by("topic")]


async def faq_entry(entry_id: int) -> FaqView:
    entry = await FaqEntry.get_or_none(id=entry_id)
    if entry is None:
        raise NotFound("faq_entry_not_found", entry_id=entry_id)
    return FaqView.of(entry)


async def faq_entry_by_topic(topic: str) -> FaqView | None:
    entry = await FaqEntry.get_or_none(topic=topic)
    return FaqView.of(entry) if entry else None


async def faq_version() -> FaqVersion:
    rows = await FaqEntry.all().order_by("id").values_list("id", "updated_at")
    latest = max((row[1] for row in rows), default=None)
    return FaqVersion(len(rows), latest, tuple(row[0] for row in rows))


async def unmatched_page(limit: int, offset: int = 0) -> list[UnmatchedView]:
    """The newest first."""
    rows = await UnmatchedText.all().order_by("-id").offset(offset).limit(limit)
    return [_unmatched_view(row) for row in rows]


async def unmatched_count() -> int:
    return await UnmatchedText.all().count()


async def unmatched_text(text_id: int) -> UnmatchedView:
    """Code: ``unmatched_text_not_found``."""
    row = await UnmatchedText.get_or_none(id=text_id)
    if row is None:
        raise NotFound("unmatched_text_not_found", text_id=text_id)
    return _unmatched_view(row)


def _unmatched_view(row: UnmatchedText) -> UnmatchedView:
    return UnmatchedView(
        id=row.id,
        text=row.text,
        language=row.language,
        channel=row.channel,
        best_label=row.best_label,
        best_score=row.best_score,
        created_at=row.created_at,
    )

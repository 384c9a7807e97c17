"""Admin API: the FAQ the bot answers from (questions and answers per language, a link or a
picture) and the texts subscribers wrote that the bot did not understand (scrubbed of numbers,
emails and ids), to turn into FAQ entries or phrases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from bot.admin.api.context import ApiContext
from bot.admin.api.schemas import Body, Page, Texts
from bot.admin.api.spec import INT_PATH, Operation
from core.understanding.queries import FaqView, faq_entries, faq_entry, unmatched_page
from core.understanding.service import (
    QUESTION_MAX_LENGTH,
    QUESTIONS_MAX,
    URL_MAX_LENGTH,
)

Question = Annotated[str, StringConstraints(min_length=1, max_length=QUESTION_MAX_LENGTH)]
Questions = dict[
    Literal["fa", "id", "en"], Annotated[list[Question], Field(max_length=QUESTIONS_MAX)]
]
Url = Annotated[str, StringConstraints(max_length=URL_MAX_LENGTH, pattern=r"^https?://[^\s<>\"]+$")]
Topic = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,60}$")]


class FaqCreate(Body):
    """``topic`` is the entry's stable key: the bot's label for it is ``faq:<topic>``."""

    topic: Topic
    questions: Questions = {}
    answers: Texts
    link: Url | None = None
    picture_url: Url | None = None


class FaqUpdate(Body):
    """Only the fields given change; null clears the link or the picture."""

    questions: Questions | None = None
    answers: Texts | None = None
    link: Url | None = None
    picture_url: Url | None = None


class FaqOut(BaseModel):
    id: int
    topic: str
    questions: dict[str, list[str]]
    answers: dict[str, str]
    link: str | None
    picture_url: str | None
    updated_at: datetime


class FaqList(BaseModel):
    items: list[FaqOut]


class UnmatchedOut(BaseModel):
    id: int
    text: str
    language: str
    channel: str
    best_label: str | None
    best_score: float | None
    created_at: datetime


class UnmatchedList(BaseModel):
    items: list[UnmatchedOut]


def faq_out(entry: FaqView) -> FaqOut:
    return FaqOut(
        id=entry.id,
        topic=entry.topic,
        questions=entry.questions,
        answers=entry.answers,
        link=entry.link,
        picture_url=entry.picture_url,
        updated_at=entry.updated_at,
    )


async def list_faq(api: ApiContext) -> FaqList:
    return FaqList(items=[faq_out(entry) for entry in await faq_entries()])


async def get_faq_entry(api: ApiContext, entry_id: int) -> FaqOut:
    return faq_out(await faq_entry(entry_id))


async def create_faq_entry(api: ApiContext, body: FaqCreate) -> FaqOut:
    entry = await api.services.faq.create(
        body.topic,
        dict(body.questions),
        dict(body.answers),
        link=body.link,
        picture_url=body.picture_url,
        actor=api.actor,
    )
    return faq_out(entry)


async def update_faq_entry(api: ApiContext, entry_id: int, body: FaqUpdate) -> FaqOut:
    given = body.model_fields_set
    changes = {
        name: dict(value) if isinstance(value, dict) else value
        for name in ("questions", "answers", "link", "picture_url")
        if name in given
        and ((value := getattr(body, name)) is not None or name in ("link", "picture_url"))
    }
    return faq_out(await api.services.faq.update(entry_id, **changes, actor=api.actor))


async def delete_faq_entry(api: ApiContext, entry_id: int) -> None:
    await api.services.faq.delete(entry_id, actor=api.actor)


async def list_unmatched_texts(api: ApiContext, query: Page) -> UnmatchedList:
    rows = await unmatched_page(query.limit, query.offset)
    return UnmatchedList(
        items=[
            UnmatchedOut(
                id=row.id,
                text=row.text,
                language=row.language,
                channel=row.channel,
                best_label=row.best_label,
                best_score=row.best_score,
                created_at=row.created_at,
            )
            for row in rows
        ]
    )


ENTRY_ID = {"entry_id": INT_PATH}

OPERATIONS = [
    Operation("GET", "/faq", list_faq, "List the FAQ's entries", "faq", FaqList, errors=()),
    Operation(
        "POST",
        "/faq",
        create_faq_entry,
        "Add an FAQ entry: sample questions and the answer per language",
        "faq",
        FaqOut,
        status=201,
        body=FaqCreate,
        errors=(409,),
    ),
    Operation(
        "GET",
        "/faq/{entry_id}",
        get_faq_entry,
        "Read an FAQ entry",
        "faq",
        FaqOut,
        path_params=ENTRY_ID,
    ),
    Operation(
        "PATCH",
        "/faq/{entry_id}",
        update_faq_entry,
        "Change an FAQ entry's questions, answers, link or picture",
        "faq",
        FaqOut,
        body=FaqUpdate,
        path_params=ENTRY_ID,
    ),
    Operation(
        "DELETE",
        "/faq/{entry_id}",
        delete_faq_entry,
        "Remove an FAQ entry",
        "faq",
        None,
        status=204,
        path_params=ENTRY_ID,
    ),
    Operation(
        "GET",
        "/unmatched-texts",
        list_unmatched_texts,
        "List what subscribers wrote that the bot did not understand, newest first (numbers, "
        "emails and ids scrubbed)",
        "faq",
        UnmatchedList,
        query=Page,
        errors=(),
    ),
]

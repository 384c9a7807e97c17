"""The FAQ the bot answers from (questions and an answer per language, a link, a picture) and
the texts it did not understand, newest first: each turned into an entry (the add form filled
with it) or dismissed. Writes through the core's FAQ and unmatched-texts services, audited;
the bot's matcher picks a change up at its next message (core.understanding.queries.faq_version).
"""

from __future__ import annotations

import contextlib
from typing import Any

from aiohttp import web

from bot.i18n import LANGUAGES, Texts
from bot.staff.context import WIRING, actor, current_texts
from bot.staff.guard import requires
from bot.staff.messages import error_message, message
from bot.staff.rendering import render
from bot.staff.sessions import PATH
from core.errors import Conflict, DomainError, FieldErrors, NotFound
from core.staff.roles import Permission
from core.understanding.queries import (
    FaqView,
    faq_entries,
    faq_entry,
    unmatched_count,
    unmatched_page,
    unmatched_text,
)
from core.understanding.service import (
    ANSWER_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    QUESTIONS_MAX,
    URL_MAX_LENGTH,
)

routes = web.RouteTableDef()

MAX_ID = 2**31 - 1
PAGE_SIZE = 50
# Pages past this are not offered (a list that long is read by its newest end).
MAX_PAGE = 1000
DONE = ("added", "edited", "removed", "dismissed")
_FIELDS = (
    "topic",
    "link",
    "picture_url",
    *(f"questions_{code}" for code in LANGUAGES),
    *(f"answer_{code}" for code in LANGUAGES),
)


@routes.get("/faq")
@requires(Permission.MANAGE_FAQ)
async def faq_list(request: web.Request) -> web.StreamResponse:
    form: dict[str, str] = {}
    source = _query_id(request, "from")
    if source is not None:
        # "Turn into an FAQ entry": the text as the first question in its language.
        text = await unmatched_text(source)
        language = text.language if text.language in LANGUAGES else "en"
        form = {f"questions_{language}": text.text, "from": str(text.id)}
    return await _page(request, {}, form)


async def _page(
    request: web.Request,
    errors: dict[str, str],
    form: dict[str, str],
    *,
    editing: int | None = None,
    status: int = 200,
) -> web.Response:
    done = request.query.get("done", "")
    context: dict[str, Any] = {
        "section": "faq",
        "entries": [(entry, _form_of(entry)) for entry in await faq_entries()],
        "unmatched_count": await unmatched_count(),
        "errors": errors,
        "form": form,
        "editing": editing,
        "limits": _limits(),
        "done": done if done in DONE else "",
    }
    return render(request, "faq.html", context, status=status)


def _limits() -> dict[str, int]:
    return {
        "questions": QUESTIONS_MAX,
        "question_length": QUESTION_MAX_LENGTH,
        "answer_length": ANSWER_MAX_LENGTH,
        "url_length": URL_MAX_LENGTH,
    }


def _form_of(entry: FaqView) -> dict[str, str]:
    """An entry as its edit form's fields."""
    form = {"topic": entry.topic, "link": entry.link or "", "picture_url": entry.picture_url or ""}
    for code in LANGUAGES:
        form[f"questions_{code}"] = "\n".join(entry.questions.get(code, []))
        form[f"answer_{code}"] = entry.answers.get(code, "")
    return form


def _typed(posted: Any) -> dict[str, str]:
    return {name: str(posted.get(name, "")) for name in (*_FIELDS, "from")}


def _fields(typed: dict[str, str]) -> dict[str, Any]:
    """The service's arguments: one question a line, the languages left empty left out."""
    questions = {}
    answers = {}
    for code in LANGUAGES:
        lines = [line.strip() for line in typed[f"questions_{code}"].splitlines()]
        if any(lines):
            questions[code] = [line for line in lines if line]
        if typed[f"answer_{code}"].strip():
            answers[code] = typed[f"answer_{code}"]
    return {
        "questions": questions,
        "answers": answers,
        "link": typed["link"].strip() or None,
        "picture_url": typed["picture_url"].strip() or None,
    }


# The service's field names to the console's messages (bot/staff/messages.py).
_FIELD_CODES = {
    "topic": "faq_topic_invalid",
    "questions": "faq_questions_invalid",
    "answers": "faq_answers_invalid",
    "link": "faq_address_invalid",
    "picture_url": "faq_address_invalid",
}


def _errors(texts: Texts, refused: DomainError) -> dict[str, str]:
    """Each bad field's message under it, in the member's language (the service's own words
    are the admin API's, in English)."""
    if isinstance(refused, FieldErrors):
        limits = _limits()
        return {
            field: message(texts, _FIELD_CODES.get(field, "bad_request"), **limits)
            for field, _ in refused.details["fields"]
        }
    return {"topic" if isinstance(refused, Conflict) else "": error_message(texts, refused)}


@routes.post("/faq")
@requires(Permission.MANAGE_FAQ)
async def add(request: web.Request) -> web.StreamResponse:
    typed = _typed(await request.post())
    services = request.app[WIRING].services
    try:
        await services.faq.create(typed["topic"].strip(), **_fields(typed), actor=actor(request))
    except (FieldErrors, Conflict) as refused:
        return await _page(request, _errors(current_texts(request), refused), typed, status=422)
    source = _id_of(typed["from"])
    if source is not None:
        # The text it came from is answered now; someone may have dismissed it meanwhile.
        with contextlib.suppress(NotFound):
            await services.understanding.unmatched.dismiss(source, actor=actor(request))
    raise web.HTTPSeeOther(f"{PATH}/faq?done=added")


@routes.post(r"/faq/{entry_id:\d{1,10}}")
@requires(Permission.MANAGE_FAQ)
async def edit(request: web.Request) -> web.StreamResponse:
    entry_id = _path_id(request, "entry_id", "faq_entry_not_found")
    typed = _typed(await request.post())
    await faq_entry(entry_id)  # a missing entry is a 404, not a form in error
    try:
        await request.app[WIRING].services.faq.update(
            entry_id, **_fields(typed), actor=actor(request)
        )
    except FieldErrors as refused:
        errors = _errors(current_texts(request), refused)
        return await _page(request, errors, typed, editing=entry_id, status=422)
    raise web.HTTPSeeOther(f"{PATH}/faq?done=edited")


@routes.post(r"/faq/{entry_id:\d{1,10}}/remove")
@requires(Permission.MANAGE_FAQ)
async def remove(request: web.Request) -> web.StreamResponse:
    entry_id = _path_id(request, "entry_id", "faq_entry_not_found")
    await request.app[WIRING].services.faq.delete(entry_id, actor=actor(request))
    raise web.HTTPSeeOther(f"{PATH}/faq?done=removed")


@routes.get("/faq/unmatched")
@requires(Permission.MANAGE_FAQ)
async def unmatched_list(request: web.Request) -> web.StreamResponse:
    number = _id_of(request.query.get("page", "1")) or 1
    number = min(number, MAX_PAGE)
    total = await unmatched_count()
    rows = await unmatched_page(PAGE_SIZE, (number - 1) * PAGE_SIZE)
    done = request.query.get("done", "")
    context = {
        "section": "faq",
        "rows": rows,
        "total": total,
        "page_number": number,
        "has_next": number * PAGE_SIZE < total and number < MAX_PAGE,
        "done": done if done in DONE else "",
    }
    return render(request, "faq_unmatched.html", context)


@routes.post(r"/faq/unmatched/{text_id:\d{1,10}}/dismiss")
@requires(Permission.MANAGE_FAQ)
async def dismiss(request: web.Request) -> web.StreamResponse:
    text_id = _path_id(request, "text_id", "unmatched_text_not_found")
    await request.app[WIRING].services.understanding.unmatched.dismiss(
        text_id, actor=actor(request)
    )
    raise web.HTTPSeeOther(f"{PATH}/faq/unmatched?done=dismissed")


def _id_of(value: str) -> int | None:
    """A positive id typed in a form or a query, else None."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _query_id(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value is None:
        return None
    number = _id_of(value)
    if number is None:
        raise NotFound("unmatched_text_not_found", text_id=value[:20])
    return number


def _path_id(request: web.Request, name: str, code: str) -> int:
    value = int(request.match_info[name])
    if not 0 < value <= MAX_ID:
        raise NotFound(code, entry_id=value)
    return value

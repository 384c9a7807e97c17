"""Canned replies: the team's ready answers, per language, added, edited and retired here
(each change audited, core/staff/canned.py); a ticket's page offers those of its language."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.i18n import LANGUAGES, Texts
from bot.staff.context import WIRING, actor, current_texts
from bot.staff.guard import requires
from bot.staff.messages import error_message, message
from bot.staff.rendering import render
from bot.staff.sessions import PATH
from core.errors import FieldErrors, InvalidInput, NotFound
from core.staff.canned import TITLE_MAX_LENGTH, canned_replies
from core.staff.roles import Permission
from core.tickets.limits import BODY_MAX_LENGTH

routes = web.RouteTableDef()

MAX_ID = 2**31 - 1
DONE = ("added", "edited", "retired")


@routes.get("/canned-replies")
@requires(Permission.HANDLE_TICKETS)
async def canned_list(request: web.Request) -> web.StreamResponse:
    return await _page(request, {}, {})


async def _page(
    request: web.Request,
    errors: dict[str, str],
    form: dict[str, str],
    *,
    editing: int | None = None,
    status: int = 200,
) -> web.Response:
    replies = await canned_replies(include_retired=True)
    done = request.query.get("done", "")
    context: dict[str, Any] = {
        "section": "tickets",
        "by_language": {code: [r for r in replies if r.language == code] for code in LANGUAGES},
        "errors": errors,
        "form": form,
        "editing": editing,
        "title_max": TITLE_MAX_LENGTH,
        "body_max": BODY_MAX_LENGTH,
        "done": done if done in DONE else "",
    }
    return render(request, "canned_replies.html", context, status=status)


def _typed(form: Any) -> dict[str, str]:
    return {name: str(form.get(name, "")) for name in ("language", "title", "body")}


def _errors(texts: Texts, refused: InvalidInput) -> dict[str, str]:
    """Each bad field's message under it."""
    if isinstance(refused, FieldErrors):
        return {field: message(texts, code) for field, code in refused.details["fields"]}
    return {str(refused.details.get("field", "")): error_message(texts, refused)}


@routes.post("/canned-replies")
@requires(Permission.HANDLE_TICKETS)
async def add(request: web.Request) -> web.StreamResponse:
    typed = _typed(await request.post())
    try:
        await request.app[WIRING].staff.canned.add(actor(request), **typed)
    except InvalidInput as refused:
        return await _page(request, _errors(current_texts(request), refused), typed, status=422)
    raise web.HTTPSeeOther(f"{PATH}/canned-replies?done=added")


def _reply_id(request: web.Request) -> int:
    value = int(request.match_info["reply_id"])
    if value > MAX_ID:
        raise NotFound("canned_reply_not_found", reply_id=value)
    return value


@routes.post(r"/canned-replies/{reply_id:\d{1,10}}")
@requires(Permission.HANDLE_TICKETS)
async def edit(request: web.Request) -> web.StreamResponse:
    reply_id = _reply_id(request)
    typed = _typed(await request.post())
    try:
        await request.app[WIRING].staff.canned.edit(actor(request), reply_id, **typed)
    except InvalidInput as refused:
        errors = _errors(current_texts(request), refused)
        return await _page(request, errors, typed, editing=reply_id, status=422)
    raise web.HTTPSeeOther(f"{PATH}/canned-replies?done=edited")


@routes.post(r"/canned-replies/{reply_id:\d{1,10}}/retire")
@requires(Permission.HANDLE_TICKETS)
async def retire(request: web.Request) -> web.StreamResponse:
    await request.app[WIRING].staff.canned.retire(actor(request), _reply_id(request))
    raise web.HTTPSeeOther(f"{PATH}/canned-replies?done=retired")

"""Tickets: the inbox (filters by state, department, priority, age and whose it is; paged by
key), a ticket's thread with its files, and what staff do on it: answer (with the team's canned
replies in the ticket's language) or note, assign, change priority or department, close.

Each action is the core's (``StaffDesk`` on the tickets service the chat and the agents' group
use), audited. An answer reaches the subscriber on the chat the ticket came from, and the
agents' group is shown what the console wrote in the ticket's topic; the group's answers are
in the same thread, so they show here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.i18n import Texts
from bot.rendering.diagnosis import diagnosis_lines
from bot.staff.context import WIRING, actor, current_texts, member
from bot.staff.files import file_response
from bot.staff.guard import requires
from bot.staff.labels import DEPARTMENTS, PRIORITIES, TICKET_STATUSES
from bot.staff.messages import error_message
from bot.staff.rendering import render
from bot.staff.sessions import PATH
from core.errors import InvalidInput, NotFound
from core.handoff.masking import mask_phone
from core.handoff.queries import topics_of
from core.staff.canned import canned_replies
from core.staff.desk_queries import (
    AGES,
    UNASSIGNED,
    PageKey,
    StatusFilter,
    TicketFilters,
    assignees,
    ticket_inbox,
)
from core.staff.queries import staff_list
from core.staff.roles import Permission
from core.tickets.limits import BODY_MAX_LENGTH
from core.tickets.queries import staff_ticket, thread

routes = web.RouteTableDef()

MAX_NUMBER = 2**31 - 1
FILTERS = ("status", "department", "priority", "age", "assigned")
DONE = ("answered", "noted", "triaged", "assigned", "closed", "unchanged")


@routes.get("/tickets")
@requires(Permission.HANDLE_TICKETS)
async def inbox(request: web.Request) -> web.StreamResponse:
    asked = {name: request.query.get(name, "") for name in FILTERS}
    filters = TicketFilters.parse(**asked)
    after = PageKey.parse(request.query.get("after"))
    now = request.app[WIRING].clock.now()
    page = await ticket_inbox(filters, now, after)
    personal = member(request).may(Permission.VIEW_PERSONAL_DATA)
    query = "&".join(f"{name}={value}" for name, value in asked.items() if value)
    context = {
        "section": "tickets",
        "page": page,
        "after": after,
        "asked": asked,
        "query": query,
        "statuses": [s.value for s in StatusFilter],
        "departments": list(DEPARTMENTS),
        "priorities": list(PRIORITIES),
        "ages": {code: _age(current_texts(request), span) for code, span in AGES.items()},
        "assignees": sorted(set(await assignees()) | set(await _handlers())),
        "unassigned": UNASSIGNED,
        "contact": (lambda phone: phone) if personal else mask_phone,
        "age": lambda moment: _age(current_texts(request), now - moment),
    }
    return render(request, "tickets.html", context)


def _age(texts: Texts, waited: timedelta) -> str:
    """How long since a ticket last changed, in the largest whole unit."""
    minutes = max(0, int(waited.total_seconds() // 60))
    if minutes < 60:
        return texts.ngettext("%(n)s minute", "%(n)s minutes", minutes)
    if minutes < 48 * 60:
        return texts.ngettext("%(n)s hour", "%(n)s hours", minutes // 60)
    return texts.ngettext("%(n)s day", "%(n)s days", minutes // (24 * 60))


def _number(request: web.Request) -> int:
    value = int(request.match_info["number"])
    if value > MAX_NUMBER:
        raise NotFound("ticket_not_found", ticket_number=value)
    return value


async def _handlers() -> list[str]:
    """Who a ticket may be assigned to: the active staff who handle tickets."""
    return [s.username for s in await staff_list() if s.active and s.may(Permission.HANDLE_TICKETS)]


@routes.get(r"/tickets/{number:\d{1,10}}")
@requires(Permission.HANDLE_TICKETS)
async def ticket_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, {}, {})


async def _page(
    request: web.Request, errors: dict[str, str], form: dict[str, str], *, status: int = 200
) -> web.Response:
    found = await staff_ticket(_number(request))
    ticket = found.ticket
    messages = await thread(ticket.number, None, include_internal=True)
    replies = await canned_replies(ticket.language)
    chosen = request.query.get("reply", "")
    if "body" not in form and chosen.isascii() and chosen.isdigit():
        picked = next((r for r in replies if str(r.id) == chosen), None)
        if picked is not None:
            form = {**form, "body": picked.body}
    personal = member(request).may(Permission.VIEW_PERSONAL_DATA)
    topic = (await topics_of({ticket.id})).get(ticket.id)
    done = request.query.get("done", "")
    context: dict[str, Any] = {
        "section": "tickets",
        "ticket": ticket,
        "username": found.username,
        "contact_phone": (ticket.contact_phone if personal else mask_phone(ticket.contact_phone))
        if ticket.contact_phone
        else None,
        "thread": messages,
        "replies": replies,
        "handlers": await _handlers(),
        "departments": list(DEPARTMENTS),
        "priorities": list(PRIORITIES),
        "ticket_statuses": TICKET_STATUSES,
        "in_group": topic is not None and topic.thread_id is not None,
        "diagnosis": diagnosis_lines(current_texts(request), ticket.diagnosis),
        "body_max": BODY_MAX_LENGTH,
        "errors": errors,
        "form": form,
        "done": done if done in DONE else "",
    }
    return render(request, "ticket.html", context, status=status)


@routes.get(r"/tickets/{number:\d{1,10}}/files/{attachment_id:\d{1,10}}")
@requires(Permission.HANDLE_TICKETS)
async def attachment(request: web.Request) -> web.StreamResponse:
    number = _number(request)
    attachment_id = min(int(request.match_info["attachment_id"]), MAX_NUMBER)
    tickets = request.app[WIRING].services.tickets
    try:
        found = await tickets.open_attachment(number, None, attachment_id)
    except (OSError, KeyError):
        raise NotFound("file_missing") from None
    return file_response(found.filename, found.content_type, found.data)


def _done(number: int, done: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{PATH}/tickets/{number}?done={done}")


@routes.post(r"/tickets/{number:\d{1,10}}/answer")
@requires(Permission.HANDLE_TICKETS)
async def answer(request: web.Request) -> web.StreamResponse:
    number = _number(request)
    form = await request.post()
    body = str(form.get("body", ""))
    internal = form.get("note") == "1"
    try:
        await request.app[WIRING].staff.desk.answer(actor(request), number, body, internal=internal)
    except InvalidInput as refused:
        errors = {"body": error_message(current_texts(request), refused)}
        return await _page(request, errors, {"body": body}, status=422)
    raise _done(number, "noted" if internal else "answered")


@routes.post(r"/tickets/{number:\d{1,10}}/triage")
@requires(Permission.HANDLE_TICKETS)
async def triage(request: web.Request) -> web.StreamResponse:
    number = _number(request)
    form = await request.post()
    priority, department = str(form.get("priority", "")), str(form.get("department", ""))
    before = await staff_ticket(number)
    try:
        after = await request.app[WIRING].staff.desk.triage(
            actor(request), number, priority, department
        )
    except InvalidInput as refused:
        field = "priority" if refused.code.startswith("priority") else "department"
        errors = {field: error_message(current_texts(request), refused)}
        typed = {"priority": priority, "department": department}
        return await _page(request, errors, typed, status=422)
    raise _done(number, "unchanged" if after == before.ticket else "triaged")


@routes.post(r"/tickets/{number:\d{1,10}}/assign")
@requires(Permission.HANDLE_TICKETS)
async def assign(request: web.Request) -> web.StreamResponse:
    number = _number(request)
    form = await request.post()
    assignee = str(form.get("assignee", ""))[:120]
    try:
        await request.app[WIRING].staff.desk.assign(actor(request), number, assignee)
    except InvalidInput as refused:
        errors = {"assignee": error_message(current_texts(request), refused)}
        return await _page(request, errors, {"assignee": assignee}, status=422)
    raise _done(number, "assigned")


@routes.post(r"/tickets/{number:\d{1,10}}/close")
@requires(Permission.HANDLE_TICKETS)
async def close(request: web.Request) -> web.StreamResponse:
    number = _number(request)
    await request.app[WIRING].staff.desk.close(actor(request), number)
    raise _done(number, "closed")

"""Subscribers: the search (paged by key) and a subscriber's page, from the core's queries,
with personal data masked for a role without it; the actions it offers go through the staff
services (core/staff/actions.py), each audited, each refusal shown next to its field."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.i18n import Texts
from bot.staff import charts
from bot.staff.charts import Bar
from bot.staff.context import WIRING, actor, current_texts, member, services
from bot.staff.guard import field_errors, requires
from bot.staff.labels import LINE_STATUSES
from bot.staff.messages import error_message
from bot.staff.rendering import render
from bot.staff.sessions import PATH
from core.accounts.queries import documents, line_status_history
from core.billing.read_models import UsageReport
from core.errors import InvalidInput, NotFound
from core.staff import audit
from core.staff.actions import SUBSCRIBER
from core.staff.roles import Permission
from core.staff.subscribers import PAGE_SIZE, chats_shown, search, subscriber_shown
from core.tickets.queries import list_tickets

routes = web.RouteTableDef()

MAX_QUERY = 64
SHOWN = 10
USAGE_DAYS = 30
# A page of the subscribers' list starts after an id no larger than this.
MAX_ID = 2**31 - 1


@routes.get("/subscribers")
@requires(Permission.VIEW_SUBSCRIBERS)
async def subscriber_list(request: web.Request) -> web.StreamResponse:
    text = request.query.get("q", "")[:MAX_QUERY]
    after = _after(request.query.get("after"))
    page = await search(
        text,
        after=after,
        limit=PAGE_SIZE,
        personal_data=member(request).may(Permission.VIEW_PERSONAL_DATA),
    )
    context = {"q": text, "page": page, "after": after}
    partial = request.headers.get("HX-Request") == "true"
    return render(request, "subscriber_rows.html" if partial else "subscribers.html", context)


def _after(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_ID:
        raise InvalidInput("invalid_page", field="after")
    return int(value)


@routes.get(r"/subscribers/{subscriber_id:\d{1,10}}")
@requires(Permission.VIEW_SUBSCRIBERS)
async def subscriber_page(request: web.Request) -> web.StreamResponse:
    return await render_subscriber_page(request, {})


async def render_subscriber_page(
    request: web.Request, errors: dict[str, str], *, status: int = 200, form: Any = None
) -> web.Response:
    """The subscriber's page; ``errors`` and ``form`` (what was typed) by field, after a form
    was refused (here and in subscriber_actions.py)."""
    subscriber_id = _subscriber_id(request)
    staff = member(request)
    texts = current_texts(request)
    personal = staff.may(Permission.VIEW_PERSONAL_DATA)
    wiring = request.app[WIRING]
    queries = wiring.services.billing_queries
    subscriber = await subscriber_shown(subscriber_id, personal)  # NotFound first
    now = wiring.clock.now()
    # The page's reads are independent: on PostgreSQL they run side by side.
    async with asyncio.TaskGroup() as reads:
        usage = reads.create_task(
            queries.usage(subscriber_id, now - timedelta(days=USAGE_DAYS), now)
        )
        status_now = reads.create_task(queries.service_status(subscriber_id))
        orders = reads.create_task(queries.orders(subscriber_id, limit=SHOWN))
        wallet = reads.create_task(queries.wallet_balance(subscriber_id))
        tickets = reads.create_task(list_tickets(subscriber_id, limit=SHOWN))
        chats = reads.create_task(chats_shown(subscriber_id, personal))
        history = reads.create_task(line_status_history(subscriber_id))
        papers = reads.create_task(documents(subscriber_id))
        changes = reads.create_task(audit.entries_for(SUBSCRIBER, subscriber_id, limit=SHOWN))
        pause = reads.create_task(wiring.services.pauses.state(subscriber_id))
    used = usage.result()
    context = {
        "s": subscriber,
        "status": status_now.result(),
        "orders": orders.result(),
        "wallet": wallet.result(),
        "tickets": tickets.result(),
        "chats": chats.result(),
        "history": list(reversed(history.result())),
        "documents": papers.result(),
        "usage_total": texts.traffic(used.download_bytes + used.upload_bytes),
        "usage_chart": _usage_chart(texts, used, now),
        "audit": changes.result(),
        "pause": pause.result(),
        "line_statuses": list(LINE_STATUSES),
        "errors": errors,
        "form": form or {},
        "done": request.query.get("done", ""),
        "may_change_status": staff.may(Permission.CHANGE_LINE_STATUS),
        "may_unlink": staff.may(Permission.UNLINK_CHAT),
        "sells_static_ips": wiring.services.orders.sells_static_ips,
    }
    return render(request, "subscriber.html", context, status=status)


def _usage_chart(texts: Texts, usage: UsageReport, now: datetime) -> Markup:
    """Traffic (down and up) per local day over the last USAGE_DAYS days."""
    today = now.astimezone(texts.zone).date()
    days = [today - timedelta(days=n) for n in range(USAGE_DAYS - 1, -1, -1)]
    used = dict.fromkeys(days, 0)
    for line in usage.sessions:
        day = line.started_at.astimezone(texts.zone).date()
        if day in used:
            used[day] += line.download_bytes + line.upload_bytes
    columns = [
        Bar(texts.date(day)[5:] if texts.language == "fa" else texts.number(day.day),
            used[day], texts.traffic(used[day]))
        for day in days
    ]  # fmt: skip
    title = texts.gettext("Usage, last 30 days")
    return charts.columns(columns, rtl=texts.direction == "rtl", title=title, height=160)


def _subscriber_id(request: web.Request) -> int:
    value = int(request.match_info["subscriber_id"])
    if value > MAX_ID:
        raise NotFound("subscriber_not_found")
    return value


@routes.post(r"/subscribers/{subscriber_id:\d{1,10}}/line-status")
@requires(Permission.CHANGE_LINE_STATUS)
async def change_line_status(request: web.Request) -> web.StreamResponse:
    subscriber_id = _subscriber_id(request)
    form = await request.post()
    status, reason = str(form.get("status", "")), str(form.get("reason", "")).strip()
    try:
        changed = await services(request).actions.set_line_status(
            actor(request), subscriber_id, status, reason
        )
    except InvalidInput as refused:
        errors = field_errors(current_texts(request), refused)
        return await render_subscriber_page(
            request, errors, status=422, form={"status": status, "reason": reason}
        )
    done = "line_status" if changed else "unchanged"
    raise web.HTTPSeeOther(f"{PATH}/subscribers/{subscriber_id}?done={done}")


@routes.post(r"/subscribers/{subscriber_id:\d{1,10}}/chats/{chat_id:\d{1,10}}/unlink")
@requires(Permission.UNLINK_CHAT)
async def unlink_chat(request: web.Request) -> web.StreamResponse:
    subscriber_id = _subscriber_id(request)
    chat_id = int(request.match_info["chat_id"])
    try:
        await services(request).actions.unlink_chat(
            actor(request), subscriber_id, min(chat_id, MAX_ID)
        )
    except NotFound as missing:
        if missing.code == "subscriber_not_found":
            raise
        errors = {"chats": error_message(current_texts(request), missing)}
        return await render_subscriber_page(request, errors, status=404)
    raise web.HTTPSeeOther(f"{PATH}/subscribers/{subscriber_id}?done=unlinked")

"""The subscriber page's service and money actions: extend the service, resume a paused service,
reset the free charge, give or take back a static IP, set what a new line owes, refund a paid
order to the wallet.

Each form posts here, calls one audited staff service (core/staff/money_actions.py, on the same
core services the admin API and the agents' group use) and goes back to the page; a refusal is
shown next to the field it is about, with what was typed, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from aiohttp import web

from bot.dialogs.normalize import parse_int
from bot.staff.context import actor, current_texts, services
from bot.staff.guard import requires
from bot.staff.messages import error_message
from bot.staff.pages.subscribers import render_subscriber_page
from bot.staff.sessions import PATH
from core.billing.orders import TRACKING_MAX
from core.errors import DomainError, InvalidInput, NotFound
from core.staff.roles import Permission

routes = web.RouteTableDef()

SUBSCRIBER = r"/subscribers/{subscriber_id:\d{1,10}}"
# Where each action's refusals are shown: its form's fields, by the code or the detail
# ``field`` the core names; anything else goes under the form's first field.
FIELDS: dict[str, tuple[str, ...]] = {
    "extend": ("days",),
    "pause": ("pause",),
    "free_charge": ("free_charge",),
    "static_ip": ("address",),
    "deposit": ("deposit", "installation_fee"),
    "refund": ("order", "amount", "note"),
}
# Refusals the core names no field for, by their code.
CODE_FIELDS = {"refund_exceeds_payment": "amount", "order_already_refunded": "order"}
# The most a form's number may be (PostgreSQL's bigint holds it).
MAX_NUMBER = 10**15


async def _back(request: web.Request, done: str) -> web.StreamResponse:
    raise web.HTTPSeeOther(f"{PATH}/subscribers/{request.match_info['subscriber_id']}?done={done}")


async def _done_or_refused(
    request: web.Request,
    action: str,
    typed: dict[str, str],
    done: str,
    writing: Awaitable[object],
) -> web.StreamResponse:
    """Await a form's write: back to the page saying it was done, or the page again with the
    refusal under the form (an unknown subscriber stays the 404 it is)."""
    try:
        await writing
    except DomainError as refused:
        if refused.code == "subscriber_not_found":
            raise
        return await _refused(request, action, refused, typed)
    return await _back(request, done)


async def _refused(
    request: web.Request, action: str, error: DomainError, form: dict[str, str]
) -> web.Response:
    """The page again, the refusal under its field, what was typed kept; 422 for bad input,
    409 for a rule of the domain, 404 for something gone."""
    fields = FIELDS[action]
    named = str(error.details.get("field", CODE_FIELDS.get(error.code, "")))
    field = named if named in fields else fields[0]
    errors = {f"{action}.{field}": error_message(current_texts(request), error)}
    status = 404 if isinstance(error, NotFound) else 422 if isinstance(error, InvalidInput) else 409
    return await render_subscriber_page(
        request, errors, status=status, form={f"{action}.{k}": v for k, v in form.items()}
    )


def _number(form: Any, name: str, *, required: bool = True) -> int | None:
    text = str(form.get(name, "")).strip()[:40]
    if not text and not required:
        return None
    number = parse_int(text) if text else None
    if number is None or number > MAX_NUMBER:
        raise InvalidInput("not_a_whole_number", field=name)
    return number


def _subscriber_id(request: web.Request) -> int:
    value = int(request.match_info["subscriber_id"])
    if value > 2**31 - 1:
        raise NotFound("subscriber_not_found")
    return value


@routes.post(SUBSCRIBER + "/extend")
@requires(Permission.EXTEND_SERVICE)
async def extend(request: web.Request) -> web.StreamResponse:
    subscriber_id = _subscriber_id(request)
    form = await request.post()
    typed = {"days": str(form.get("days", ""))[:40]}
    try:
        days = _number(form, "days")
        assert days is not None
        await services(request).money.extend_service(actor(request), subscriber_id, days)
    except DomainError as refused:
        if refused.code == "subscriber_not_found":
            raise
        return await _refused(request, "extend", refused, typed)
    return await _back(request, "extended")


@routes.post(SUBSCRIBER + "/pause/resume")
@requires(Permission.EXTEND_SERVICE)
async def resume_pause(request: web.Request) -> web.StreamResponse:
    subscriber_id = _subscriber_id(request)
    return await _done_or_refused(
        request,
        "pause",
        {},
        "resumed",
        services(request).money.resume_pause(actor(request), subscriber_id),
    )


@routes.post(SUBSCRIBER + "/free-charge/reset")
@requires(Permission.RESET_FREE_CHARGE)
async def reset_free_charge(request: web.Request) -> web.StreamResponse:
    subscriber_id = _subscriber_id(request)
    await services(request).money.reset_free_charge(actor(request), subscriber_id)
    return await _back(request, "free_charge")


@routes.post(SUBSCRIBER + "/static-ip")
@requires(Permission.ASSIGN_STATIC_IP)
async def assign_static_ip(request: web.Request) -> web.StreamResponse:
    subscriber_id = _subscriber_id(request)
    form = await request.post()
    address = str(form.get("address", "")).strip()[:64]
    return await _done_or_refused(
        request,
        "static_ip",
        {"address": address},
        "static_ip",
        services(request).money.assign_static_ip(actor(request), subscriber_id, address),
    )


@routes.post(SUBSCRIBER + "/static-ip/release")
@requires(Permission.ASSIGN_STATIC_IP)
async def release_static_ip(request: web.Request) -> web.StreamResponse:
    subscriber_id = _subscriber_id(request)
    return await _done_or_refused(
        request,
        "static_ip",
        {},
        "static_ip_released",
        services(request).money.release_static_ip(actor(request), subscriber_id),
    )


@routes.post(SUBSCRIBER + "/deposit")
@requires(Permission.SET_DEPOSIT)
async def set_deposit(request: web.Request) -> web.StreamResponse:
    subscriber_id = _subscriber_id(request)
    form = await request.post()
    typed = {name: str(form.get(name, ""))[:40] for name in ("deposit", "installation_fee")}
    try:
        deposit = _number(form, "deposit")
        fee = _number(form, "installation_fee")
        assert deposit is not None and fee is not None
        await services(request).money.set_deposit(actor(request), subscriber_id, deposit, fee)
    except DomainError as refused:
        if refused.code == "subscriber_not_found":
            raise
        return await _refused(request, "deposit", refused, typed)
    return await _back(request, "deposit")


@routes.post(SUBSCRIBER + "/refund")
@requires(Permission.REFUND)
async def refund(request: web.Request) -> web.StreamResponse:
    subscriber_id = _subscriber_id(request)
    form = await request.post()
    typed = {name: str(form.get(name, ""))[:200] for name in ("order", "amount", "note")}
    try:
        tracking = _number(form, "order")
        amount = _number(form, "amount", required=False)
        assert tracking is not None
        if tracking > TRACKING_MAX:
            raise NotFound("order_not_found", field="order", tracking_number=tracking)
        await services(request).money.refund(
            actor(request), subscriber_id, tracking, amount, typed["note"]
        )
    except DomainError as refused:
        if refused.code == "subscriber_not_found":
            raise
        return await _refused(request, "refund", refused, typed)
    return await _back(request, "refunded")

"""Outages: open one for an exchange centre or a plan with an estimated time of repair, report
progress, resolve it; for each report, how many subscribers it reached and on which channels
(its messages in the outbox by channel and state, polled while any wait). Every change through
the staff's alerts service (core/staff/alerts.py): the admin API's Broadcasts, audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.staff.context import WIRING, actor, current_texts, services
from bot.staff.guard import requires
from bot.staff.ops_forms import (
    ETA_MAX_HOURS,
    estimated_repair,
    field_errors,
    render_ops,
    typed_texts,
)
from bot.staff.sessions import PATH
from core.alerts.progress import outage_reports
from core.alerts.queries import exchange_centres, outage_view, outages_before
from core.alerts.texts import LANGUAGES, TEXT_MAX_LENGTH, checked_texts
from core.billing.queries import plans_page
from core.errors import Conflict, DomainError, FieldErrors, InvalidInput, NotFound
from core.staff import audit
from core.staff.alerts import OUTAGE, Audience, checked_send
from core.staff.roles import Permission

routes = web.RouteTableDef()

Problem = tuple[str, str]

SHOWN = 20
MAX_ID = 2**31 - 1
# Every plan an outage may name fits one select: catalogues have tens of plans.
PLANS_LISTED = 500


def page_id(value: str | None, field: str = "before") -> int | None:
    """A page key or an id from a link: None when absent, refused when not a sane id."""
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_ID:
        raise InvalidInput("invalid_page", field=field)
    return int(value)


def outage_id_of(request: web.Request) -> int:
    value = int(request.match_info["outage_id"])
    if value > MAX_ID:
        raise NotFound("outage_not_found")
    return value


@routes.get("/outages")
@requires(Permission.MANAGE_OUTAGES)
async def outage_list(request: web.Request) -> web.StreamResponse:
    return await _list(request, {}, {})


async def _list(
    request: web.Request, errors: dict[str, str], form: dict[str, Any], status: int = 200
) -> web.Response:
    before = page_id(request.query.get("before"))
    outages = await outages_before(before, SHOWN + 1)
    context = {
        "outages": outages[:SHOWN],
        "next_before": outages[SHOWN - 1].id if len(outages) > SHOWN else None,
        "before": before,
        "centres": await exchange_centres(),
        "plans": await plans_page(0, PLANS_LISTED),
        "errors": errors,
        "form": form,
        "languages": LANGUAGES,
        "max_text": TEXT_MAX_LENGTH,
        "max_hours": ETA_MAX_HOURS,
    }
    return render_ops(request, "outages.html", context, status=status)


@routes.post("/outages")
@requires(Permission.MANAGE_OUTAGES)
async def open_outage(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    shown = {name: str(value) for name, value in form.items() if name != "csrf"}
    audience = Audience(
        exchange_centre=shown.get("exchange_centre") or None,
        plan_code=shown.get("plan_code") or None,
        force=shown.get("force") == "yes",
    )
    eta, eta_problems = _eta(request, shown)
    try:
        if eta_problems:  # shown with the other fields' problems, if any
            checked_send(typed_texts(form), audience, required=True)
            raise FieldErrors(eta_problems)
        sent = await services(request).alerts.open_outage(
            actor(request), typed_texts(form), audience, eta
        )
    except FieldErrors as refused:
        errors = field_errors(current_texts(request), _with(refused, eta_problems))
        return await _list(request, errors, shown, 422)
    raise web.HTTPSeeOther(f"{PATH}/outages/{sent.target_id}?sent={sent.messages}")


@routes.get(r"/outages/{outage_id:\d{1,10}}")
@requires(Permission.MANAGE_OUTAGES)
async def outage_page(request: web.Request) -> web.StreamResponse:
    return await _outage(request, {}, {})


async def _outage(
    request: web.Request, errors: dict[str, str], form: dict[str, Any], status: int = 200
) -> web.Response:
    outage_id = outage_id_of(request)
    outage = await outage_view(outage_id)  # NotFound first
    context = {
        "o": outage,
        "errors": errors,
        "form": form,
        "sent": page_id(request.query.get("sent"), "sent"),
        "changes": await audit.entries_for(OUTAGE, outage_id, limit=SHOWN),
        "languages": LANGUAGES,
        "max_text": TEXT_MAX_LENGTH,
        "max_hours": ETA_MAX_HOURS,
        **await _reach(outage_id),
    }
    return render_ops(request, "outage.html", context, status=status)


async def _reach(outage_id: int) -> dict[str, Any]:
    outage = await outage_view(outage_id)
    reports = await outage_reports(outage.id, outage.reports, outage.repaired_at is not None)
    return {
        "o": outage,
        "reports": reports,
        "waiting": any(not r.progress.finished for r in reports),
    }


@routes.get(r"/outages/{outage_id:\d{1,10}}/reach")
@requires(Permission.MANAGE_OUTAGES)
async def outage_reach(request: web.Request) -> web.StreamResponse:
    """The reports' reach alone, for htmx to swap in every few seconds while any wait."""
    return render_ops(request, "outage_reach.html", await _reach(outage_id_of(request)))


@routes.post(r"/outages/{outage_id:\d{1,10}}/progress")
@requires(Permission.MANAGE_OUTAGES)
async def report_progress(request: web.Request) -> web.StreamResponse:
    outage_id = outage_id_of(request)
    form = await request.post()
    shown = {name: str(value) for name, value in form.items() if name != "csrf"}
    eta, eta_problems = _eta(request, shown)
    try:
        if eta_problems:
            checked_texts(typed_texts(form))
            raise FieldErrors(eta_problems)
        sent = await services(request).alerts.report_progress(
            actor(request), outage_id, typed_texts(form), eta
        )
    except (FieldErrors, Conflict) as refused:
        errors = field_errors(current_texts(request), _with(refused, eta_problems))
        status = 409 if isinstance(refused, Conflict) else 422
        return await _outage(request, errors, {"progress": shown}, status)
    raise web.HTTPSeeOther(f"{PATH}/outages/{outage_id}?sent={sent.messages}")


@routes.post(r"/outages/{outage_id:\d{1,10}}/resolve")
@requires(Permission.MANAGE_OUTAGES)
async def resolve(request: web.Request) -> web.StreamResponse:
    outage_id = outage_id_of(request)
    form = await request.post()
    shown = {name: str(value) for name, value in form.items() if name != "csrf"}
    try:
        sent = await services(request).alerts.resolve(actor(request), outage_id, typed_texts(form))
    except (FieldErrors, Conflict) as refused:
        errors = field_errors(current_texts(request), refused)
        return await _outage(
            request, errors, {"resolve": shown}, 409 if _conflict(refused) else 422
        )
    raise web.HTTPSeeOther(f"{PATH}/outages/{outage_id}?sent={sent.messages}")


def _conflict(error: Exception) -> bool:
    return isinstance(error, Conflict)


def _eta(request: web.Request, shown: dict[str, str]) -> tuple[datetime | None, list[Problem]]:
    """The estimated time of repair typed, or the field's problem."""
    try:
        return estimated_repair(shown.get("eta_hours", ""), request.app[WIRING].clock.now()), []
    except FieldErrors as refused:
        return None, list(refused.details["fields"])


def _with(error: DomainError, more: list[Problem]) -> DomainError:
    """The refusal with the estimated time's problem added (once)."""
    if not more or not isinstance(error, FieldErrors):
        return error
    fields = list(error.details["fields"])
    return FieldErrors(fields + [p for p in more if p not in fields])

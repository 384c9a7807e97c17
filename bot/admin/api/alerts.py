"""Admin API: outages (open, update, resolve: each report alerts the subscribers concerned)
and broadcasts (an announcement sent now and shown at each login)."""

from __future__ import annotations

from bot.admin.api.context import ApiContext
from bot.admin.api.schemas import (
    BroadcastIn,
    BroadcastOut,
    OutageList,
    OutageOpen,
    OutageOut,
    OutageReport,
    OutageResolve,
    OutageUpdate,
    Page,
)
from bot.admin.api.spec import INT_PATH, Operation
from core.alerts.queries import OutageView, known_plan, outage_page, outage_view
from core.errors import InvalidInput


def outage_out(outage: OutageView) -> OutageOut:
    return OutageOut(
        id=outage.id,
        exchange_centre=outage.exchange_centre,
        plan_code=outage.plan_code,
        texts=outage.texts,
        started_at=outage.started_at,
        estimated_repair_at=outage.estimated_repair_at,
        repaired_at=outage.repaired_at,
        reports=outage.reports,
    )


async def list_outages(api: ApiContext, query: Page) -> OutageList:
    outages = await outage_page(query.limit, query.offset)
    return OutageList(items=[outage_out(o) for o in outages])


async def _report(outage_id: int, written: int) -> OutageReport:
    # Read again: the report counted on the row.
    return OutageReport(outage=outage_out(await outage_view(outage_id)), messages=written)


async def open_outage(api: ApiContext, body: OutageOpen) -> OutageReport:
    if (body.exchange_centre is None) == (body.plan_code is None):
        raise InvalidInput("name_exchange_centre_or_plan", field="exchange_centre")
    if body.plan_code is not None and not await known_plan(body.plan_code):
        raise InvalidInput("unknown_plan", field="plan_code")
    outage, written = await api.broadcasts.start_outage(
        dict(body.texts),
        exchange_centre=body.exchange_centre,
        plan_code=body.plan_code,
        estimated_repair_at=body.estimated_repair_at,
        force=body.force,
    )
    return await _report(outage.id, written)


async def update_outage(api: ApiContext, outage_id: int, body: OutageUpdate) -> OutageReport:
    written = await api.broadcasts.report_progress(
        outage_id, dict(body.texts), estimated_repair_at=body.estimated_repair_at
    )
    return await _report(outage_id, written)


async def resolve_outage(api: ApiContext, outage_id: int, body: OutageResolve) -> OutageReport:
    written = await api.broadcasts.repaired(outage_id, dict(body.texts))
    return await _report(outage_id, written)


async def broadcast(api: ApiContext, body: BroadcastIn) -> BroadcastOut:
    if body.exchange_centre is not None and body.plan_code is not None:
        raise InvalidInput("name_exchange_centre_or_plan", field="plan_code")
    if body.plan_code is not None and not await known_plan(body.plan_code):
        raise InvalidInput("unknown_plan", field="plan_code")
    announcement_id, written = await api.broadcasts.broadcast(
        dict(body.texts),
        exchange_centre=body.exchange_centre,
        plan_code=body.plan_code,
        force=body.force,
    )
    return BroadcastOut(announcement_id=announcement_id, messages=written)


OUTAGE_ID = {"outage_id": INT_PATH}

OPERATIONS = [
    Operation(
        "GET",
        "/outages",
        list_outages,
        "List outages",
        "outages",
        OutageList,
        query=Page,
        errors=(),
    ),
    Operation(
        "POST",
        "/outages",
        open_outage,
        "Open an outage and alert the subscribers it concerns",
        "outages",
        OutageReport,
        status=201,
        body=OutageOpen,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        "/outages/{outage_id}/updates",
        update_outage,
        "Report progress (and a new estimated time of repair)",
        "outages",
        OutageReport,
        body=OutageUpdate,
        path_params=OUTAGE_ID,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        "/outages/{outage_id}/resolve",
        resolve_outage,
        "Report the repair",
        "outages",
        OutageReport,
        body=OutageResolve,
        path_params=OUTAGE_ID,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        "/broadcasts",
        broadcast,
        "Send an announcement",
        "broadcasts",
        BroadcastOut,
        status=201,
        body=BroadcastIn,
        errors=(),
    ),
]

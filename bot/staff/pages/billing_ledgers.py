"""Billing's other tabs: refunds to the wallet, postpaid bills (issued, due soon, overdue,
paid), deposits (owed, paid) and "reconcile now", which runs the worker's reconcile job at once
and shows what it found. Lists page by key; only the money roles open them."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.staff.context import WIRING, actor, services
from bot.staff.guard import requires
from bot.staff.pages.billing import page_after
from bot.staff.rendering import render
from core.billing.enums import BillState
from core.errors import InvalidInput
from core.staff.billing_lists import bills_page, deposits_owed, deposits_paid, refunds_page
from core.staff.roles import Permission

routes = web.RouteTableDef()

# The bills' filter: the states, and "due" (issued, the last day to pay near).
BILL_FILTERS = ("", "open", "due", "overdue", "paid")
DEPOSIT_FILTERS = ("owed", "paid")


@routes.get("/billing/refunds")
@requires(Permission.VIEW_BILLING)
async def refunds(request: web.Request) -> web.StreamResponse:
    before = page_after(request.query.get("before"))
    context = {"tab": "refunds", "page": await refunds_page(before), "first": before is not None}
    return render(request, "billing_refunds.html", context)


@routes.get("/billing/bills")
@requires(Permission.VIEW_BILLING)
async def bills(request: web.Request) -> web.StreamResponse:
    shown = request.query.get("state", "")
    if shown not in BILL_FILTERS:
        raise InvalidInput("invalid_bill_state", field="state")
    before = page_after(request.query.get("before"))
    wiring = request.app[WIRING]
    if shown == "due":
        ahead = timedelta(days=wiring.settings.bill_reminder_days_before)
        page = await bills_page(due_by=wiring.clock.now() + ahead, before=before)
    else:
        page = await bills_page(BillState(shown) if shown else None, before=before)
    context = {
        "tab": "bills",
        "page": page,
        "state": shown,
        "filters": BILL_FILTERS,
        "first": before is not None,
        # A period's and a due date's last day is the one before the moment they end.
        "timedelta_1us": timedelta(microseconds=1),
    }
    return render(request, "billing_bills.html", context)


@routes.get("/billing/deposits")
@requires(Permission.VIEW_BILLING)
async def deposits(request: web.Request) -> web.StreamResponse:
    shown = request.query.get("show", "owed")
    if shown not in DEPOSIT_FILTERS:
        raise InvalidInput("invalid_deposit_filter", field="show")
    before = page_after(request.query.get("before"))
    context = {
        "tab": "deposits",
        "show": shown,
        "owed": await deposits_owed(before) if shown == "owed" else None,
        "paid": await deposits_paid(before) if shown == "paid" else None,
        "first": before is not None,
    }
    return render(request, "billing_deposits.html", context)


@routes.get("/billing/reconcile")
@requires(Permission.VIEW_BILLING)
async def reconcile_page(request: web.Request) -> web.StreamResponse:
    settings = request.app[WIRING].settings
    context = {"tab": "reconcile", "report": None, "after": settings.reconcile_after_minutes}
    return render(request, "billing_reconcile.html", context)


@routes.post("/billing/reconcile")
@requires(Permission.RECONCILE)
async def reconcile_now(request: web.Request) -> web.StreamResponse:
    """Runs the job and shows its report on the answer (running it again is harmless: an order
    settled once is not settled twice)."""
    report = await services(request).money.reconcile(actor(request))
    settings = request.app[WIRING].settings
    context = {"tab": "reconcile", "report": report, "after": settings.reconcile_after_minutes}
    return render(request, "billing_reconcile.html", context)

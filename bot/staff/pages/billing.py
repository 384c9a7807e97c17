"""Billing: the payments that wait for the reconcile job or for being applied. Only the roles
that handle money see it (an agent is refused)."""

from __future__ import annotations

from aiohttp import web

from bot.staff.guard import requires
from bot.staff.rendering import render
from core.billing.enums import OrderStatus
from core.billing.queries import operator_orders
from core.staff.roles import Permission

routes = web.RouteTableDef()

SHOWN = 50


@routes.get("/billing")
@requires(Permission.VIEW_BILLING)
async def billing(request: web.Request) -> web.StreamResponse:
    context = {
        "pending": await operator_orders(status=OrderStatus.PENDING, limit=SHOWN),
        "paid": await operator_orders(status=OrderStatus.PAID, limit=SHOWN),
    }
    return render(request, "billing.html", context)

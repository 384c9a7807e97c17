"""Billing: orders (filtered by state, gateway and the days they were made, paged by key), an
order's page with its receipt (PDF) and its refund to the wallet. Only the roles that handle
money open it (an agent is refused). Refunds, bills, deposits and "reconcile now" are
billing_ledgers.py's; the tabs are shared (billing_tabs.html)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.dialogs.normalize import parse_int
from bot.dialogs.receipts import receipt_page
from bot.i18n import Texts
from bot.rendering.receipt_pdf import pdf_can_show, render_pdf
from bot.staff.context import WIRING, actor, current_texts, services
from bot.staff.guard import requires
from bot.staff.messages import error_message
from bot.staff.rendering import render
from bot.staff.sessions import PATH
from core.accounts.queries import subscriber_view
from core.billing.enums import OrderKind, OrderStatus
from core.billing.orders import TRACKING_MAX, TRACKING_MIN
from core.billing.receipts import receipt
from core.errors import DomainError, InvalidInput, NotFound
from core.staff.billing_lists import OrderFilter, order_gateways, orders_page
from core.staff.roles import Permission

routes = web.RouteTableDef()

ORDER = r"/billing/orders/{tracking:\d{1,10}}"
# A page link starts below an id no larger than this.
MAX_ID = 2**31 - 1
# Refusals the core names no field for, by their code.
REFUND_FIELDS = {"refund_exceeds_payment": "amount", "invalid_amount": "amount"}


def page_after(value: str | None) -> int | None:
    """A list's ``before`` (the last id of the page seen); InvalidInput when it is no id."""
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_ID:
        raise InvalidInput("invalid_page", field="before")
    return int(value)


def _day(texts: Texts, value: str, field: str) -> datetime | None:
    """A day typed as YYYY-MM-DD, as the UTC moment it starts in the member's zone."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise InvalidInput("invalid_date", field=field) from None
    return datetime(day.year, day.month, day.day, tzinfo=texts.zone).astimezone(UTC)


@routes.get("/billing")
@requires(Permission.VIEW_BILLING)
async def orders(request: web.Request) -> web.StreamResponse:
    texts = current_texts(request)
    query = request.query
    shown = {name: query.get(name, "")[:20] for name in ("status", "gateway", "from", "to")}
    errors: dict[str, str] = {}
    chosen = OrderFilter()
    try:
        status = shown["status"]
        if status and status not in {s.value for s in OrderStatus}:
            raise InvalidInput("invalid_order_status", field="status")
        until = _day(texts, shown["to"], "to")
        chosen = OrderFilter(
            status=OrderStatus(status) if status else None,
            gateway=shown["gateway"] or None,
            since=_day(texts, shown["from"], "from"),
            until=until + timedelta(days=1) if until else None,
        )
        before = page_after(query.get("before"))
    except InvalidInput as refused:
        errors[str(refused.details.get("field", ""))] = error_message(texts, refused)
        before = None
    page = await orders_page(chosen, before)
    context = {
        "tab": "orders",
        "page": page,
        "shown": shown,
        "errors": errors,
        "statuses": [s.value for s in OrderStatus],
        "gateways": await order_gateways(),
        "first": before is not None,
        "filters": "&".join(f"{k}={v}" for k, v in shown.items() if v),
    }
    return render(request, "billing.html", context, status=400 if errors else 200)


def _tracking(request: web.Request) -> int:
    tracking = int(request.match_info["tracking"])
    if not TRACKING_MIN <= tracking <= TRACKING_MAX:
        raise NotFound("order_not_found", tracking_number=tracking)
    return tracking


@routes.get(ORDER)
@requires(Permission.VIEW_BILLING)
async def order_page(request: web.Request) -> web.StreamResponse:
    return await _order_page(request, {}, {})


async def _order_page(
    request: web.Request, errors: dict[str, str], form: dict[str, str], status: int = 200
) -> web.Response:
    tracking = _tracking(request)
    wiring = request.app[WIRING]
    found = await wiring.services.billing_queries.order_by_tracking(tracking)
    if found is None:
        raise NotFound("order_not_found", tracking_number=tracking)
    subscriber, has_receipt = await asyncio.gather(
        subscriber_view(found.subscriber_id),
        receipt(found.subscriber_id, tracking),
    )
    context: dict[str, Any] = {
        "tab": "orders",
        "o": found,
        "s": subscriber,
        "has_receipt": has_receipt is not None,
        "errors": errors,
        "form": form,
        "done": request.query.get("done", ""),
        "refundable": found.kind != OrderKind.WALLET_TOPUP
        and found.status in (OrderStatus.PAID, OrderStatus.APPLIED)
        and not found.refunded,
    }
    return render(request, "billing_order.html", context, status=status)


@routes.get(ORDER + "/receipt.pdf")
@requires(Permission.VIEW_BILLING)
async def receipt_pdf(request: web.Request) -> web.StreamResponse:
    """The receipt the subscriber received, in the member's language (an applied order)."""
    tracking = _tracking(request)
    slip = await receipt(await subscriber_of(request, tracking), tracking)
    if slip is None:
        raise NotFound("receipt_not_found", tracking_number=tracking)
    texts = current_texts(request)
    page = receipt_page(texts, slip)
    if not pdf_can_show(page.texts()):
        raise NotFound("receipt_not_found", tracking_number=tracking)
    data = await asyncio.to_thread(
        render_pdf, page, direction=texts.direction, created_at=slip.paid_at or slip.applied_at
    )
    return web.Response(
        body=data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="receipt-{tracking}.pdf"'},
    )


async def subscriber_of(request: web.Request, tracking: int) -> int:
    """The subscriber id of the order; NotFound when there is none."""
    found = await request.app[WIRING].services.billing_queries.order_by_tracking(tracking)
    if found is None:
        raise NotFound("order_not_found", tracking_number=tracking)
    return found.subscriber_id


@routes.post(ORDER + "/refund")
@requires(Permission.REFUND)
async def refund(request: web.Request) -> web.StreamResponse:
    tracking = _tracking(request)
    subscriber_id = await subscriber_of(request, tracking)
    form = await request.post()
    typed = {name: str(form.get(name, ""))[:200] for name in ("amount", "note")}
    try:
        amount = None
        if typed["amount"].strip():
            amount = parse_int(typed["amount"])
            if amount is None or amount > 10**15:
                raise InvalidInput("not_a_whole_number", field="amount")
        await services(request).money.refund(
            actor(request), subscriber_id, tracking, amount, typed["note"]
        )
    except DomainError as refused:
        if isinstance(refused, NotFound):
            raise
        field = str(refused.details.get("field", REFUND_FIELDS.get(refused.code, "note")))
        errors = {field: error_message(current_texts(request), refused)}
        status = 422 if isinstance(refused, InvalidInput) else 409
        return await _order_page(request, errors, typed, status)
    raise web.HTTPSeeOther(f"{PATH}/billing/orders/{tracking}?done=refunded")

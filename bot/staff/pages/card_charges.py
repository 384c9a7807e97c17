"""Billing's "Card charges to settle": renewals' saved card charges that were sent, that the
provider holds no payment of, and that are too old to send again. A money role looks each up
at the provider and says what it found: charged (with the payment's reference) or not charged.
Both are the core's (core/billing/card_settling.py, audited by MoneyActions); a second submit
changes nothing and lands on the same answer."""

from __future__ import annotations

from aiohttp import web

from bot.staff.context import actor, current_texts, services
from bot.staff.guard import requires
from bot.staff.messages import error_message
from bot.staff.pages.billing import page_after
from bot.staff.rendering import render
from bot.staff.sessions import PATH
from core.billing.auto_renew import PAUSED, RENEWAL_OFF, RENEWED_ANOTHER_WAY
from core.billing.card_settling import NOTHING_TO_TELL, TELL_FAILED, TOLD
from core.billing.orders import TRACKING_MAX, TRACKING_MIN
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.staff.roles import Permission

routes = web.RouteTableDef()

LIST = "/billing/card-charges"
CHARGE = LIST + r"/{tracking:\d{1,10}}"
# What the list says after an action, by the ``done`` the action redirects with.
DONE = ("charged", "released")
# After a release, whether the subscriber was told, or why not (the ``told`` it redirects with).
TOLD_SO = (TOLD, NOTHING_TO_TELL, TELL_FAILED, PAUSED, RENEWAL_OFF, RENEWED_ANOTHER_WAY)


@routes.get(LIST)
@requires(Permission.VIEW_BILLING)
async def card_charges(request: web.Request) -> web.StreamResponse:
    return await _list(request, {}, {})


async def _list(
    request: web.Request, errors: dict[str, str], typed: dict[str, str], status: int = 200
) -> web.Response:
    """``errors`` and ``typed``: by the order's tracking number, under its row's form."""
    before = page_after(request.query.get("before"))
    money = services(request).money
    page = await money.cards.unresolved(before)
    done, order = request.query.get("done", ""), request.query.get("order", "")
    told = request.query.get("told", "")
    context = {
        "tab": "card_charges",
        "page": page,
        "count": await money.cards.count_unresolved(),
        "first": before is not None,
        "errors": errors,
        "typed": typed,
        "done": done if done in DONE and order.isascii() and order.isdigit() else "",
        "done_order": order[:10],
        "told": told if told in TOLD_SO else "",
    }
    return render(request, "billing_card_charges.html", context, status=status)


def _tracking(request: web.Request) -> int:
    tracking = int(request.match_info["tracking"])
    if not TRACKING_MIN <= tracking <= TRACKING_MAX:
        raise NotFound("order_not_found", tracking_number=tracking)
    return tracking


async def _refused(
    request: web.Request, tracking: int, refused: DomainError, typed: str
) -> web.Response:
    """A refusal under the order's row: 422 for what was typed, 409 for a state moved on."""
    if isinstance(refused, NotFound):
        raise refused
    status = 400
    if isinstance(refused, InvalidInput):
        status = 422
    elif isinstance(refused, Conflict):
        status = 409
    message = error_message(current_texts(request), refused)
    return await _list(request, {str(tracking): message}, {str(tracking): typed}, status)


@routes.post(CHARGE + "/charged")
@requires(Permission.SETTLE_CARD_CHARGES)
async def charged(request: web.Request) -> web.StreamResponse:
    tracking = _tracking(request)
    form = await request.post()
    reference = str(form.get("reference", ""))[:200]
    try:
        await services(request).money.settle_card_charged(actor(request), tracking, reference)
    except DomainError as refused:
        return await _refused(request, tracking, refused, reference)
    raise web.HTTPSeeOther(f"{PATH}{LIST}?done=charged&order={tracking}")


@routes.post(CHARGE + "/release")
@requires(Permission.SETTLE_CARD_CHARGES)
async def release(request: web.Request) -> web.StreamResponse:
    tracking = _tracking(request)
    try:
        settled = await services(request).money.release_card_charge(actor(request), tracking)
    except DomainError as refused:
        return await _refused(request, tracking, refused, "")
    raise web.HTTPSeeOther(f"{PATH}{LIST}?done=released&order={tracking}&told={settled.told}")

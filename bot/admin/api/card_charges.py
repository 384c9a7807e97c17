"""Admin API: the saved card charges that wait for staff (read only; they are settled in the
console, where a person has looked at the provider's dashboard)."""

from __future__ import annotations

from bot.admin.api.context import ApiContext
from bot.admin.api.schemas import CardChargeList, CardChargeOut, CardChargeQuery
from bot.admin.api.spec import Operation
from core.billing.card_settling import UnresolvedCharge


def charge_out(row: UnresolvedCharge) -> CardChargeOut:
    return CardChargeOut(
        tracking_number=row.tracking_number,
        username=row.username,
        kind=row.kind,
        plan=row.plan_code,
        payable=row.payable,
        currency=row.currency,
        gateway=row.gateway,
        card_sent_at=row.card_sent_at,
        unresolved_at=row.unresolved_at,
        customer_ref=row.customer_ref,
        method_ref=row.method_ref,
        idempotency_key=row.idempotency_key,
    )


async def list_card_charges(api: ApiContext, query: CardChargeQuery) -> CardChargeList:
    settling = api.services.card_settling
    page = await settling.unresolved(query.before, query.limit)
    return CardChargeList(
        items=[charge_out(row) for row in page.rows],
        count=await settling.count_unresolved(),
        next_before=page.next_before,
    )


OPERATIONS = [
    Operation(
        "GET",
        "/card-charges",
        list_card_charges,
        "List the saved card charges waiting for staff to settle, newest first",
        "billing",
        CardChargeList,
        query=CardChargeQuery,
        errors=(),
    ),
]

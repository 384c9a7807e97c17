"""Admin API: plans, orders (list, refund note), tickets (list, answer, close)."""

from __future__ import annotations

from bot.admin.api.context import ApiContext
from bot.admin.api.schemas import (
    OrderList,
    OrderOut,
    OrderQuery,
    Page,
    PlanCreate,
    PlanList,
    PlanOut,
    PlanUpdate,
    RefundNote,
    TicketAnswer,
    TicketClose,
    TicketList,
    TicketOut,
    TicketQuery,
)
from bot.admin.api.spec import INT_PATH, TEXT_PATH, Operation
from core.billing.queries import operator_orders, plans_page
from core.billing.read_models import OrderLine, PlanInfo
from core.tickets.queries import StaffTicket, staff_ticket, staff_tickets
from core.tickets.service import ByAgent

# ---- plans -----------------------------------------------------------------------------------


def plan_out(plan: PlanInfo) -> PlanOut:
    return PlanOut.model_validate(plan, from_attributes=True)


async def list_plans(api: ApiContext, query: Page) -> PlanList:
    plans = await plans_page(query.offset, query.limit)
    return PlanList(items=[plan_out(p) for p in plans])


async def create_plan(api: ApiContext, body: PlanCreate) -> PlanOut:
    return plan_out(await api.services.plans.create(body.model_dump(exclude_none=True)))


async def update_plan(api: ApiContext, code: str, body: PlanUpdate) -> PlanOut:
    return plan_out(await api.services.plans.update(code, body.model_dump(exclude_none=True)))


# ---- orders ----------------------------------------------------------------------------------


def order_out(order: OrderLine) -> OrderOut:
    return OrderOut(
        tracking_number=order.tracking_number,
        username=order.username,
        kind=order.kind,
        plan=order.plan_code,
        currency=order.currency,
        payable=order.payable,
        status=order.status,
        created_at=order.created_at,
        paid_at=order.paid_at,
        refunded=order.refunded,
    )


async def list_orders(api: ApiContext, query: OrderQuery) -> OrderList:
    orders = await operator_orders(
        status=query.status, username=query.username, offset=query.offset, limit=query.limit
    )
    return OrderList(items=[order_out(o) for o in orders])


async def refund_order(api: ApiContext, tracking_number: int, body: RefundNote) -> OrderOut:
    """Give back what a paid order cost, to the panel credit, with a note saying why. Once per
    order (the ledger allows one refund entry per order)."""
    return order_out(await api.services.orders.refund(tracking_number, body.amount, body.note))


# ---- tickets ---------------------------------------------------------------------------------


def ticket_out(listed: StaffTicket) -> TicketOut:
    ticket = listed.ticket
    return TicketOut(
        number=ticket.number,
        username=listed.username,
        department=ticket.department.value,
        priority=ticket.priority.value,
        status=ticket.status,
        subject=ticket.subject,
        related_service=ticket.related_service,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
    )


async def list_tickets(api: ApiContext, query: TicketQuery) -> TicketList:
    tickets = await staff_tickets(query.limit, query.offset, status=query.status)
    return TicketList(items=[ticket_out(t) for t in tickets])


async def answer_ticket(api: ApiContext, number: int, body: TicketAnswer) -> TicketOut:
    await api.services.tickets.answer_as_agent(number, body.agent_name, body.body)
    return ticket_out(await staff_ticket(number))


async def close_ticket(api: ApiContext, number: int, body: TicketClose) -> TicketOut:
    await api.services.tickets.close(number, ByAgent(body.agent_name))
    return ticket_out(await staff_ticket(number))


CODE = {"code": {**TEXT_PATH, "maxLength": 40}}
TRACKING = {"tracking_number": INT_PATH}
NUMBER = {"number": INT_PATH}

OPERATIONS = [
    Operation("GET", "/plans", list_plans, "List plans", "plans", PlanList, query=Page, errors=()),
    Operation(
        "POST",
        "/plans",
        create_plan,
        "Create a plan",
        "plans",
        PlanOut,
        status=201,
        body=PlanCreate,
        errors=(409,),
    ),
    Operation(
        "PATCH",
        "/plans/{code}",
        update_plan,
        "Change a plan",
        "plans",
        PlanOut,
        body=PlanUpdate,
        path_params=CODE,
    ),
    Operation(
        "GET",
        "/orders",
        list_orders,
        "List orders",
        "orders",
        OrderList,
        query=OrderQuery,
        errors=(),
    ),
    Operation(
        "POST",
        "/orders/{tracking_number}/refund",
        refund_order,
        "Refund a paid order to the panel credit, with a note",
        "orders",
        OrderOut,
        body=RefundNote,
        path_params=TRACKING,
        errors=(404, 409),
    ),
    Operation(
        "GET",
        "/tickets",
        list_tickets,
        "List tickets",
        "tickets",
        TicketList,
        query=TicketQuery,
        errors=(),
    ),
    Operation(
        "POST",
        "/tickets/{number}/answer",
        answer_ticket,
        "Answer a ticket (the subscriber is told)",
        "tickets",
        TicketOut,
        body=TicketAnswer,
        path_params=NUMBER,
    ),
    Operation(
        "POST",
        "/tickets/{number}/close",
        close_ticket,
        "Close a ticket (the subscriber is told)",
        "tickets",
        TicketOut,
        body=TicketClose,
        path_params=NUMBER,
    ),
]

"""Faults injected on real processes (issue 19): ``ispbot serve`` and ``ispbot worker`` run as
processes against a PostgreSQL and a Redis of the module's own; each test drives traffic as the
providers send it (redelivered where they redeliver), injects a fault (kill -9 of a process,
a restart of PostgreSQL or Redis) and checks from the database and the fakes' records that
nothing was lost or done twice. The module prints the table of figures at the end.

Run alone with ``.venv/bin/pytest tests/faults -q`` (about two minutes on two cores).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable

import aiohttp
import pytest
from arq.connections import RedisSettings, create_pool
from prometheus_client.parser import text_string_to_metric_families

from bot.payments.providers import close_gateways
from core.alerts import kinds
from core.billing.enums import OrderStatus
from core.billing.models import Order, Subscription
from core.billing.read_models import OrderView
from core.inbox.models import InboxMessage, OutboxMessage
from core.tickets.models import TicketMessage
from tests.faults.conftest import Figures, Row
from tests.faults.stack import IspbotProcess, Stack
from tests.faults.traffic import (
    Customer,
    customers,
    pay,
    payment_callback,
    place_order,
    services_of,
    telegram_turn,
    twilio_message,
)

pytestmark = pytest.mark.faults

# How many updates Telegram has in flight at once (setWebhook's max_connections, 40 unless set;
# fewer here, for two cores).
TELEGRAM_CONNECTIONS = 12


async def until(check: Callable[[], Awaitable[bool] | bool], within: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        done = check()
        if not isinstance(done, bool):
            done = await done
        if done:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.05)


def telegram_sends(stack: Stack, chats: Iterable[int]) -> Counter[int]:
    """The messages each chat was shown (sends and edits that succeeded)."""
    wanted = set(chats)
    return Counter(call.chat_id for call in stack.telegram.sent() if call.chat_id in wanted)


async def bounded(coroutines: Iterable[Awaitable[int]], at_once: int) -> list[int]:
    gate = asyncio.Semaphore(at_once)

    async def one(coroutine: Awaitable[int]) -> int:
        async with gate:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


async def turns_through_a_fault(
    stack: Stack, people: list[Customer], fault: Callable[[], Awaitable[None]], after: int
) -> Counter[int]:
    """One "menu" turn in each chat, delivered as Telegram delivers; ``fault`` once ``after``
    chats were answered. The messages each chat was shown."""
    chats = [person.telegram_chat for person in people]
    async with aiohttp.ClientSession() as http:
        turns = asyncio.ensure_future(
            bounded((telegram_turn(http, stack, chat, "menu") for chat in chats),
                    TELEGRAM_CONNECTIONS)
        )  # fmt: skip
        await until(lambda: sum(telegram_sends(stack, chats).values()) >= after, 120, "replies")
        await fault()
        await turns
    return telegram_sends(stack, chats)


def turn_row(
    fault: str, injected: int, shown: Counter[int], chats: list[int], doubled_because: str
) -> Row:
    doubled = sum(1 for chat in chats if shown[chat] > 1)
    return Row(
        fault,
        injected,
        operations=len(chats),
        lost=sum(1 for chat in chats if shown[chat] == 0),
        doubled=doubled,
        note=doubled_because if doubled else "",
    )


# Why a message can be shown twice after a kill -9 (documented in the README): it reached the
# provider, and the process died before the provider's answer came back and it was recorded.
TURN_SHOWN_TWICE = "reply sent, process killed before the update was recorded: documented"
ALERT_SENT_TWICE = "sent, worker killed before it was recorded: sent again after the lease"


async def test_serve_killed_in_the_middle_of_turns_loses_and_doubles_no_update(
    stack_db: Stack, serve: IspbotProcess, figures: Figures
):
    stack = stack_db
    people = await customers(100, first_chat=10_000)

    async def kill_and_restart() -> None:
        await serve.kill()
        await serve.start()

    shown = await turns_through_a_fault(stack, people, kill_and_restart, after=30)
    chats = [p.telegram_chat for p in people]
    row = figures.add(
        turn_row("kill -9 serve during Telegram turns", 1, shown, chats, TURN_SHOWN_TWICE)
    )
    assert row.lost == 0, shown
    # The documented exception: an update whose replies reached Telegram before the kill, not
    # yet recorded as handled, is handled again when Telegram delivers it again. At most the
    # updates in flight at the kill.
    assert row.doubled <= TELEGRAM_CONNECTIONS, shown


# ---- payments ------------------------------------------------------------------------------


async def payments_through_a_fault(
    stack: Stack, people: list[Customer], fault: Callable[[], Awaitable[None]], after: int
) -> list[OrderView]:
    """An order for each person, paid; its provider's callback delivered as the provider
    delivers it; ``fault`` once ``after`` orders were applied. Returns the orders."""
    services = services_of(stack)
    try:
        orders = [await place_order(services, person) for person in people]
    finally:
        await close_gateways(services.orders.gateways.values())
    callbacks = [pay(stack, order) for order in orders]
    tracking = [order.tracking_number for order in orders]

    async def applied() -> bool:
        count = await Order.filter(tracking_number__in=tracking, status=OrderStatus.APPLIED).count()
        return count >= after

    async with aiohttp.ClientSession() as http:
        delivering = asyncio.ensure_future(
            bounded((payment_callback(http, callback) for callback in callbacks), 8)
        )
        await until(applied, 120, f"{after} orders applied")
        await fault()
        await delivering
    return orders


async def payment_row(fault: str, injected: int, orders: list[OrderView]) -> Row:
    """Lost: an order paid and not applied, or its notice never sent; doubled: an order that
    made more than one service, or whose notice was sent twice."""
    tracking = [order.tracking_number for order in orders]
    found = await Order.filter(tracking_number__in=tracking).values("id", "status", "subscriber_id")
    ids = [row["id"] for row in found]
    subscribers = [row["subscriber_id"] for row in found]

    async def notices_sent() -> bool:
        unsent = await OutboxMessage.filter(
            subscriber_id__in=subscribers, kind=kinds.PAYMENT_APPLIED, sent_at__isnull=True
        ).count()
        return unsent == 0

    await until(notices_sent, 120, "every payment's notice sent")
    services = Counter(
        await Subscription.filter(order_id__in=ids).values_list("order_id", flat=True)
    )
    notices = Counter(
        await InboxMessage.filter(
            subscriber_id__in=subscribers, kind=kinds.PAYMENT_APPLIED
        ).values_list("subscriber_id", flat=True)
    )
    missing = [
        (row["id"], str(row["status"]), notices[row["subscriber_id"]])
        for row in found
        if row["status"] != OrderStatus.APPLIED or notices[row["subscriber_id"]] == 0
    ]
    lost = len(missing) + len(orders) - len(found)
    doubled = sum(
        1 for row in found if services[row["id"]] > 1 or notices[row["subscriber_id"]] > 1
    )
    return Row(fault, injected, len(orders), lost, doubled, note=f"lost: {missing}" if lost else "")


async def test_serve_killed_in_the_middle_of_payment_callbacks_loses_and_doubles_no_payment(
    stack_db: Stack, serve: IspbotProcess, figures: Figures
):
    stack = stack_db
    people = await customers(30, first_chat=20_000)

    async def kill_and_restart() -> None:
        await serve.kill()
        await serve.start()

    orders = await payments_through_a_fault(stack, people, kill_and_restart, after=8)
    row = figures.add(await payment_row("kill -9 serve during payment callbacks", 1, orders))
    assert (row.lost, row.doubled) == (0, 0), row


async def test_postgres_restarted_during_a_burst_of_callbacks_loses_and_doubles_no_payment(
    stack_db: Stack, serve: IspbotProcess, figures: Figures
):
    stack = stack_db
    people = await customers(30, first_chat=30_000)

    async def restart_postgres() -> None:
        await stack.postgres.restart()

    orders = await payments_through_a_fault(stack, people, restart_postgres, after=8)
    # What a callback could not settle (ZarinPal's payer gave up on an error page) is found by
    # the reconciliation the operator runs every few minutes.
    await stack.ispbot("payments", "reconcile")
    row = figures.add(await payment_row("PostgreSQL restarted during callbacks", 1, orders))
    assert (row.lost, row.doubled) == (0, 0), row


# ---- turns while Redis restarts --------------------------------------------------------------


async def test_redis_restarted_during_turns_loses_no_update_and_no_ticket_message(
    stack_db: Stack, serve: IspbotProcess, figures: Figures
):
    """Telegram turns, and SMS that open a ticket, while Redis restarts. Telegram's updates get
    503 while Redis is down and are delivered again; an SMS is never delivered again (Twilio
    does not retry), so it is answered without its MessageSid check (README: When Redis is
    down) and its ticket message kept."""
    stack = stack_db
    people = await customers(100, first_chat=40_000)
    texters = people[:30]

    async def restart_redis() -> None:
        await stack.redis.restart(down_seconds=1)

    async with aiohttp.ClientSession() as http:
        texts = asyncio.ensure_future(
            bounded(
                (
                    twilio_message(http, stack, "sms", who.mobile, f"TICKET no signal {n}")
                    for n, who in enumerate(texters)
                ),
                2,
            )
        )
        shown = await turns_through_a_fault(stack, people, restart_redis, after=30)
        statuses = await texts
        async with http.get(stack.public_url + "/metrics") as response:
            exposition = await response.text()
    unguarded = sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "ispbot_unguarded_deliveries_total"
    )
    chats = [p.telegram_chat for p in people]
    row = figures.add(
        turn_row("Redis restarted during Telegram turns", 1, shown, chats, TURN_SHOWN_TWICE)
    )
    assert row.lost == 0, shown
    assert row.doubled <= TELEGRAM_CONNECTIONS, shown

    kept = Counter(
        await TicketMessage.filter(
            ticket__subscriber_id__in=[who.subscriber_id for who in texters]
        ).values_list("body", flat=True)
    )
    expected = [f"no signal {n}" for n in range(len(texters))]
    tickets = figures.add(
        Row(
            "Redis restarted during SMS tickets",
            1,
            operations=len(texters),
            lost=sum(1 for body in expected if kept[body] == 0),
            doubled=sum(1 for body in expected if kept[body] > 1),
            note=f"{unguarded:.0f} answered unguarded while Redis was down",
        )
    )
    assert statuses == [200] * len(texters)
    assert (tickets.lost, tickets.doubled) == (0, 0), kept


# ---- the worker's alerts ---------------------------------------------------------------------


async def test_worker_killed_in_the_middle_of_the_alert_sweep_and_the_relay(
    stack_db: Stack, serve: IspbotProcess, figures: Figures
):
    """Only the worker relays here (the serve, which relays too, is stopped): killed once while
    the sweep writes the alerts, once while the relay sends them."""
    stack = stack_db
    await serve.stop()
    people = await customers(90, first_chat=50_000, low_traffic=True)
    chats = [p.telegram_chat for p in people]
    subscribers = [p.subscriber_id for p in people]
    worker = await stack.worker()
    queue = await create_pool(RedisSettings.from_dsn(stack.redis.url))
    try:
        await queue.enqueue_job("sweep_alerts", _queue_name="ispbot:jobs")

        async def written() -> bool:
            count = await OutboxMessage.filter(
                subscriber_id__in=subscribers, kind=kinds.LOW_TRAFFIC
            ).count()
            return count > 0

        await until(written, 120, "the sweep writing alerts")
        await worker.kill()  # in the middle of the sweep, or just after it
        await worker.start()
        # The next minute's sweep, brought forward: what the killed one did not write.
        await queue.enqueue_job("sweep_alerts", _queue_name="ispbot:jobs")
        await until(
            lambda: sum(telegram_sends(stack, chats).values()) >= len(chats) // 3,
            120,
            "a third of the alerts sent",
        )
        await worker.kill()  # in the middle of the relay
        await worker.start()

        async def all_sent() -> bool:
            unsent = await OutboxMessage.filter(
                subscriber_id__in=subscribers, kind=kinds.LOW_TRAFFIC, sent_at__isnull=True
            ).count()
            return unsent == 0

        await until(all_sent, 120, "every alert sent")
    finally:
        await queue.aclose()
        await worker.stop()
    shown = telegram_sends(stack, chats)
    written_per_subscriber = Counter(
        await OutboxMessage.filter(
            subscriber_id__in=subscribers, kind=kinds.LOW_TRAFFIC
        ).values_list("subscriber_id", flat=True)
    )
    row = figures.add(
        turn_row("kill -9 worker during the alert sweep and relay", 2, shown, chats,
                 ALERT_SENT_TWICE)
    )  # fmt: skip
    assert set(written_per_subscriber.values()) == {1}  # one alert per subscriber and period
    assert row.lost == 0, shown
    # The documented exception: the one notice a relay was sending when killed (sent, not yet
    # recorded) is sent again when its lease runs out. At most one per kill.
    assert row.doubled <= 2, shown

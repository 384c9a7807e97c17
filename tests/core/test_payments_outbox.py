"""A paid order's message is sent once even if the process dies between commit and sending,
and never if it dies before the commit."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.billing import orders as orders_module
from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order
from core.inbox.models import InboxMessage, OutboxMessage
from core.inbox.service import OutboxRelay
from tests.core import test_billing_support as support
from tests.core.test_billing_support import make_plans, make_subscriber, pay
from tests.fakes import RecordingNotifier, freshness

billing = support.billing
gateway = support.gateway


class StuckNotifier(RecordingNotifier):
    """A notifier whose sending never finishes: the process dies in the middle of it."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()

    async def notify(self, subscriber_id: int, kind: str, params: dict):
        self.entered.set()
        await asyncio.Event().wait()


async def test_a_relay_killed_after_the_commit_still_gets_the_message_sent_once(db, billing, clock):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    await pay(billing, order)  # committed: applied, and its message in the outbox

    stuck = StuckNotifier()
    dying = asyncio.create_task(OutboxRelay(clock, stuck, freshness()).relay_pending())
    await stuck.entered.wait()
    dying.cancel()  # the process dies while sending
    with pytest.raises(asyncio.CancelledError):
        await dying

    notifier = RecordingNotifier()
    relay = OutboxRelay(clock, notifier, freshness(), lease=timedelta(minutes=5))
    assert await relay.relay_pending() == 0  # the dead relay's claim still holds
    clock.advance(timedelta(minutes=5, seconds=1))
    assert await relay.relay_pending() == 1
    assert await relay.relay_pending() == 0
    clock.advance(timedelta(hours=1))
    assert await relay.relay_pending() == 0

    assert notifier.kinds == ["order_applied"]
    assert notifier.calls[0][2]["tracking_number"] == order.tracking_number
    assert await InboxMessage.filter(kind="order_applied").count() == 1


async def test_a_confirmation_that_dies_before_its_commit_sends_nothing(
    db, billing, clock, monkeypatch
):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )

    async def dying_apply(*_args, **_kwargs):
        raise SystemExit("killed while applying")

    # The process dies inside the transaction.
    monkeypatch.setattr(orders_module, "apply_order", dying_apply)
    with pytest.raises(SystemExit):
        await pay(billing, order)

    assert (await Order.get(tracking_number=order.tracking_number)).status == OrderStatus.PENDING
    assert await OutboxMessage.all().count() == 0
    notifier = RecordingNotifier()
    assert await OutboxRelay(clock, notifier, freshness()).relay_pending() == 0
    assert notifier.calls == []

"""What one turn reads about the chat's subscriber, each thing at most once.

A turn runs several parts that ask the same: the step that reads an answer, the question it
moves to, the menu under a finished flow ("My service" shows the status, and the menu under it
offers the free charge only when it can be taken: one read of the status serves both). The
context holds one ``TurnReads``, made for the turn and gone with it, so a later turn always
reads anew. A step that changes what was read (an order placed, the free charge taken) calls
``forget``, and whatever asks after it reads the new state.
"""

from __future__ import annotations

from core.accounts.queries import SubscriberView
from core.billing.enums import OrderKind
from core.billing.orders import Orders
from core.billing.pricing import Quote
from core.billing.queries import BillingQueries
from core.billing.read_models import PlanInfo, ServiceStatus, ServiceSummary


class TurnReads:
    def __init__(self, queries: BillingQueries, orders: Orders) -> None:
        self._queries = queries
        self._orders = orders
        self._summary: dict[int, ServiceSummary] = {}
        self._free_charge: dict[int, bool] = {}
        self._catalogues: dict[tuple[OrderKind, str], list[PlanInfo]] = {}
        self._quotes: dict[tuple[int, OrderKind, str, int], Quote] = {}

    async def summary(self, subscriber: SubscriberView) -> ServiceSummary:
        """The subscriber's service status, wallet balance and whether the line is postpaid,
        read together the first time the turn asks for any of them (one statement)."""
        summary = self._summary.get(subscriber.id)
        if summary is None:
            summary = await self._queries.service_summary(subscriber)
            self._summary[subscriber.id] = summary
        return summary

    async def status(self, subscriber: SubscriberView) -> ServiceStatus:
        """The subscriber's service now: plan, days and traffic left, what is bought ahead."""
        return (await self.summary(subscriber)).status

    async def wallet_balance(self, subscriber: SubscriberView) -> int:
        """The panel credit (the ledger's sum)."""
        return (await self.summary(subscriber)).wallet_balance

    async def postpaid(self, subscriber: SubscriberView) -> bool:
        """Whether the line is billed after the month (the menu offers its bills then)."""
        return (await self.summary(subscriber)).postpaid

    async def free_charge_available(self, subscriber: SubscriberView) -> bool:
        """Whether the one-time free charge can be taken now (the menu offers it then)."""
        available = self._free_charge.get(subscriber.id)
        if available is None:
            summary = await self.summary(subscriber)
            available = await self._queries.free_charge_available(
                subscriber, summary.status, summary
            )
            self._free_charge[subscriber.id] = available
        return available

    async def catalogue(self, kind: OrderKind, currency: str) -> list[PlanInfo]:
        """The plans on sale for an order of ``kind``, cheapest first."""
        plans = self._catalogues.get((kind, currency))
        if plans is None:
            plans = await self._queries.catalogue(kind, currency)
            self._catalogues[kind, currency] = plans
        return plans

    async def quote(
        self, subscriber_id: int, kind: OrderKind, plan_code: str, months: int
    ) -> Quote:
        """The pre-invoice of an order (raises what placing it would raise)."""
        key = (subscriber_id, kind, plan_code, months)
        quote = self._quotes.get(key)
        if quote is None:
            quote = await self._orders.quote(subscriber_id, kind, plan_code, months)
            self._quotes[key] = quote
        return quote

    def forget(self) -> None:
        """The step changed the subscriber's service or wallet: read everything anew."""
        self._summary.clear()
        self._free_charge.clear()
        self._catalogues.clear()
        self._quotes.clear()

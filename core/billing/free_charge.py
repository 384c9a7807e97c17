"""The one-time free charge's rule, in one place: whether it may be taken now, and what it gives.

The menu's offer (``BillingQueries.free_charge_offer``) and the grant itself
(``FreeCharges.take``) both decide here, so what is offered is what would be granted.
What is known from the service's state is passed in; the two facts that need a query are asked
for only when the decision gets that far, in the rule's order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Lookup = Callable[[], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class FreeChargeDecision:
    """``reason`` is None when granted, else "line_closed", "already_used",
    "service_remaining", "no_service" or "disabled"; ``days`` and ``megabytes`` are what is
    granted (0 when refused)."""

    reason: str | None
    days: int = 0
    megabytes: int = 0

    @property
    def granted(self) -> bool:
        return self.reason is None


def refused_at_sight(*, line_closed: bool, days_ran_out: bool, traffic_ran_out: bool) -> bool:
    """True when the charge cannot be taken whatever the lookups would say (a closed line, or
    days and traffic both left): a yes/no question needs no query then."""
    return line_closed or not (days_ran_out or traffic_ran_out)


async def decide(
    *,
    line_closed: bool,
    days_ran_out: bool,
    traffic_ran_out: bool,
    already_used: Lookup,
    had_paid_service: Lookup,
    grant_days: int,
    grant_megabytes: int,
) -> FreeChargeDecision:
    """The rule, in its order: a closed line; once per subscriber (before anything else about
    the service, so that of two chats asking at once the second hears "already used", not that
    service remains); only when the days or the traffic ran out; only for someone who had a
    paid service; days for days run out, megabytes for traffic run out."""
    if line_closed:
        return FreeChargeDecision("line_closed")
    if await already_used():
        return FreeChargeDecision("already_used")
    if not (days_ran_out or traffic_ran_out):
        return FreeChargeDecision("service_remaining")
    if not await had_paid_service():
        return FreeChargeDecision("no_service")
    days = grant_days if days_ran_out else 0
    megabytes = grant_megabytes if traffic_ran_out else 0
    if days == 0 and megabytes == 0:
        return FreeChargeDecision("disabled")
    return FreeChargeDecision(None, days, megabytes)

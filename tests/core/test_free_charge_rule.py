"""The free charge's rule as one table: the menu's offer and the grant both decide by it."""

from __future__ import annotations

import pytest

from core.billing.free_charge import FreeChargeDecision, decide, refused_at_sight


def lookup(answer: bool, asked: list[str], name: str):
    async def ask() -> bool:
        asked.append(name)
        return answer

    return ask


# line closed, used, days out, traffic out, had paid service -> decision, lookups made
CASES = [
    ((True, False, True, True, True), FreeChargeDecision("line_closed"), []),
    ((False, True, True, True, True), FreeChargeDecision("already_used"), ["used"]),
    # Used and service left: "already used" (two chats asking at once: the grant made it left).
    ((False, True, False, False, True), FreeChargeDecision("already_used"), ["used"]),
    ((False, False, False, False, True), FreeChargeDecision("service_remaining"), ["used"]),
    ((False, False, True, False, False), FreeChargeDecision("no_service"), ["used", "paid"]),
    ((False, False, True, False, True), FreeChargeDecision(None, 2, 0), ["used", "paid"]),
    ((False, False, False, True, True), FreeChargeDecision(None, 0, 100), ["used", "paid"]),
    ((False, False, True, True, True), FreeChargeDecision(None, 2, 100), ["used", "paid"]),
]


async def decide_on(facts, asked: list[str], grant_days: int = 2) -> FreeChargeDecision:
    line_closed, used, days_out, traffic_out, paid = facts
    return await decide(
        line_closed=line_closed,
        days_ran_out=days_out,
        traffic_ran_out=traffic_out,
        already_used=lookup(used, asked, "used"),
        had_paid_service=lookup(paid, asked, "paid"),
        grant_days=grant_days,
        grant_megabytes=100,
    )


@pytest.mark.parametrize(("facts", "expected", "lookups"), CASES)
async def test_the_rule_in_its_order(facts, expected, lookups):
    asked: list[str] = []
    decision = await decide_on(facts, asked)
    assert decision == expected
    assert asked == lookups
    assert decision.granted == (expected.reason is None)
    line_closed, _, days_out, traffic_out, _ = facts
    if refused_at_sight(
        line_closed=line_closed, days_ran_out=days_out, traffic_ran_out=traffic_out
    ):
        assert not decision.granted


async def test_nothing_to_grant_when_the_settings_give_nothing():
    decision = await decide_on((False, False, True, False, True), [], grant_days=0)
    assert decision == FreeChargeDecision("disabled")

"""The plain-SQL reads of a chat turn (core/sql.py) give what the ORM gives, on both databases."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from core import sql
from core.accounts.chats import Chats
from core.accounts.models import ChatIdentity
from core.billing import state
from core.billing.enums import WalletEntryKind
from core.billing.models import (
    FreeChargeGrant,
    PostpaidLine,
    Subscription,
    TrafficBucket,
    WalletEntry,
)
from tests.core import test_billing_support as support
from tests.core.test_billing_support import make_plans, make_subscriber

billing = support.billing
gateway = support.gateway


def fields(instance) -> dict:
    return {name: getattr(instance, name) for name in instance._meta.fields_db_projection}


# The read model's own form of a column (the muted kinds: a set, stored comma-separated).
AS_READ = {"muted_notices": lambda stored: frozenset(filter(None, stored.split(",")))}


def view_fields(view, orm) -> tuple[dict, dict]:
    """A read model's fields, and the same names read off the ORM's row."""
    names = [f.name for f in dataclasses.fields(view) if f.name != "subscriber"]
    read = {n: AS_READ.get(n, lambda value: value)(getattr(orm, n)) for n in names}
    return {n: getattr(view, n) for n in names}, read


async def test_a_list_passed_as_one_parameter_matches_as_an_in_list_on_both_databases(db):
    one, two, three = [await make_subscriber(f"list-{n}") for n in range(3)]
    rows = await sql.fetch(
        f"SELECT id FROM subscriber WHERE {sql.any_of('id', 1)} AND username <> $2 ORDER BY id",
        sql.listed([one.id, three.id, 10**9]),
        "nobody",
    )
    assert [row["id"] for row in rows] == [one.id, three.id]
    names = await sql.fetch(
        f"SELECT username FROM subscriber WHERE {sql.any_of('username', 1)}",
        sql.listed([two.username]),
    )
    assert names == [{"username": two.username}]
    assert (
        await sql.fetch(f"SELECT id FROM subscriber WHERE {sql.any_of('id', 1)}", sql.listed([]))
        == []
    )


async def test_numbered_placeholders_mean_the_same_on_both_databases(db):
    [row] = await sql.fetch("SELECT $2 AS second, $1 AS first, $2 AS again", "a", "b")
    assert (row["first"], row["second"], row["again"]) == ("a", "b", "b")


async def test_the_chat_and_its_subscriber_are_the_orms(db, settings, clock):
    chats = Chats(clock)
    subscriber = await make_subscriber()
    await ChatIdentity.create(channel="telegram", external_id="7", subscriber=subscriber)
    await ChatIdentity.create(channel="telegram", external_id="8")  # a guest

    chat = await chats.identify_chat("telegram", "7")
    orm = await ChatIdentity.get(external_id="7").select_related("subscriber")
    mine, orms = view_fields(chat, orm)
    assert mine == orms
    mine, orms = view_fields(chat.subscriber, orm.subscriber)
    assert mine == orms
    guest = await chats.identify_chat("telegram", "8")
    assert guest.subscriber_id is None and guest.subscriber is None


async def ended_current_and_ahead(billing, clock, subscriber_id: int, wallet: int) -> None:
    """A month that ended, the month in force, the next bought ahead, and wallet credit."""
    for days in (-40, -3, 27):
        await billing.subscriptions.grant_service(
            subscriber_id, "std-1m", starts_at=clock.now() + timedelta(days=days)
        )
    await WalletEntry.create(
        subscriber_id=subscriber_id,
        amount=wallet,
        currency="IRR",
        kind=WalletEntryKind.ADJUSTMENT,
        created_at=clock.now(),
    )


async def test_the_service_state_is_the_orms(db, billing, clock):
    await make_plans()
    kamal = await make_subscriber()
    await ended_current_and_ahead(billing, clock, kamal.id, wallet=1500)

    current, upcoming = await state.live_subscriptions(kamal.id, clock.now())
    by_orm = await Subscription.filter(subscriber_id=kamal.id).select_related("plan")
    live = {s.id: s for s in by_orm if s.ends_at > clock.now() and s.status in state.LIVE}
    assert current is not None and [current.id, *(s.id for s in upcoming)] == sorted(live)
    for mine in [current, *upcoming]:
        assert fields(mine) == fields(live[mine.id])
        assert fields(mine.plan) == fields(live[mine.id].plan)
    st = await state.service_state(kamal.id, clock.now())
    buckets = await TrafficBucket.filter(subscriber_id=kamal.id)
    unexpired = [b for b in buckets if b.valid_until is None or b.valid_until > clock.now()]
    assert st.remaining_bytes + st.reserve_bytes == sum(
        b.total_bytes - b.used_bytes for b in unexpired
    )
    assert st.current is not None and st.current.id == current.id
    assert await state.wallet_balance(kamal.id) == 1500
    assert await state.wallet_balance(kamal.id + 1000) == 0


async def test_a_turns_service_summary_in_one_statement_is_the_three_reads(db, billing, clock):
    """On PostgreSQL the service state, the wallet and the postpaid mark come from one
    statement straight through asyncpg: the same as the reads one by one (and the ORM's)."""
    await make_plans()
    kamal = await make_subscriber()
    sara = await make_subscriber(username="5120099", phone="+989121110099")
    await ended_current_and_ahead(billing, clock, kamal.id, wallet=2500)
    plan = await Subscription.filter(subscriber_id=kamal.id).first().values_list("plan_id")
    await PostpaidLine.create(
        subscriber_id=kamal.id,
        plan_id=plan[0],
        activated_on=clock.now().date(),
        created_at=clock.now(),
    )

    snapshot = await state.service_snapshot(kamal.id, clock.now())
    one_by_one = await state.service_state(kamal.id, clock.now())
    assert snapshot.wallet_balance == 2500 and snapshot.postpaid
    assert snapshot.state.current is not None and one_by_one.current is not None
    assert fields(snapshot.state.current) == fields(one_by_one.current)
    assert fields(snapshot.state.current.plan) == fields(one_by_one.current.plan)
    assert [fields(s) for s in snapshot.state.ahead] == [fields(s) for s in one_by_one.ahead]
    assert [fields(s.plan) for s in snapshot.state.ahead] == [
        fields(s.plan) for s in one_by_one.ahead
    ]
    assert (snapshot.state.remaining_bytes, snapshot.state.reserve_bytes) == (
        one_by_one.remaining_bytes,
        one_by_one.reserve_bytes,
    )
    nothing = await state.service_snapshot(sara.id, clock.now())
    assert nothing.state.current is None and nothing.state.ahead == ()
    assert (nothing.wallet_balance, nothing.postpaid) == (0, False)
    assert nothing.state.remaining_bytes == nothing.state.reserve_bytes == 0
    # The free charge's lookups come with it on PostgreSQL; SQLite leaves them to be asked.
    await FreeChargeGrant.create(
        subscriber_id=sara.id,
        generation=1,
        days=2,
        megabytes=100,
        granted_at=clock.now(),
        expires_at=clock.now() + timedelta(days=2),
    )
    lookups = [
        (s.free_charge_used, s.had_paid_service)
        for s in [
            await state.service_snapshot(kamal.id, clock.now(), free_charge_generation=0),
            await state.service_snapshot(sara.id, clock.now(), free_charge_generation=0),
            await state.service_snapshot(sara.id, clock.now(), free_charge_generation=1),
        ]
    ]
    if db == "postgres":
        assert lookups == [(False, True), (False, False), (True, False)]
    else:
        assert lookups == [(None, None)] * 3


async def test_an_in_list_of_placeholders(db):
    assert sql.placeholders(2, 3) == "$2, $3, $4"
    rows = await sql.fetch(f"SELECT 1 AS one WHERE $1 IN ({sql.placeholders(2, 2)})", "b", "a", "b")
    assert rows == [{"one": 1}]


async def test_a_typed_read_that_fails_raises_the_orms_error(pg):
    """Callers catch tortoise's errors for the ORM's reads; the reads straight through asyncpg
    raise the same."""
    import pytest
    from tortoise.exceptions import OperationalError

    with pytest.raises(OperationalError):
        await sql.fetch_row_typed("SELECT * FROM no_such_table WHERE id = $1", 1)
    with pytest.raises(OperationalError):
        await sql.fetch_row_typed("SELECT $1::int", "not a number")


def test_the_service_snapshot_binds_one_placeholder_a_live_status():
    import re

    numbers = {int(n) for n in re.findall(r"\$(\d+)", state._SNAPSHOT)}
    assert numbers == set(range(1, 4 + len(state.LIVE)))
    assert f"IN ({sql.placeholders(2, len(state.LIVE))})" in state._SNAPSHOT

"""One open outage per exchange centre and per plan: a form sent twice, or two staff at once,
must not tell the same subscribers the same news twice."""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import timedelta

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.migrations.api.migrate import migrate

from core.alerts import broadcast, kinds
from core.alerts.broadcast import Broadcasts
from core.alerts.models import Outage, OutageWatch
from core.db import apply_migrations, database, tortoise_config
from core.errors import Conflict
from core.inbox.models import OutboxMessage
from tests.alerts import builders as b
from tests.conftest import NOW, POSTGRES_ADMIN_URL

TEXTS = {"en": "The fibre to Pasdaran was cut.", "fa": "فیبر نوری پاسداران قطع شده است."}


async def test_a_second_outage_for_an_open_one_s_centre_is_refused_and_tells_nobody(
    db, settings, clock
):
    await b.subscriber(exchange_centre="Pasdaran")
    await b.subscriber(exchange_centre="Tajrish")
    broadcasts = Broadcasts(settings, clock)
    first, written = await broadcasts.start_outage(TEXTS, exchange_centre="Pasdaran")
    assert written == 1

    with pytest.raises(Conflict) as refused:
        await broadcasts.start_outage(TEXTS, exchange_centre="pasdaran ")  # as a person types it
    assert refused.value.code == "outage_already_open"
    assert refused.value.details == {"field": "exchange_centre", "outage_id": first.id}
    assert await OutboxMessage.filter(kind=kinds.OUTAGE).count() == 1

    await broadcasts.start_outage(TEXTS, exchange_centre="Tajrish")  # another centre: its own
    await broadcasts.repaired(first.id)
    again, _ = await broadcasts.start_outage(TEXTS, exchange_centre="Pasdaran")  # a new one
    assert again.id != first.id


async def test_a_second_outage_for_an_open_one_s_plan_is_refused(db, settings, clock):
    on_plan = await b.subscriber()
    await b.service(on_plan, clock.now() + timedelta(days=5), plan_code="fiber-100")
    broadcasts = Broadcasts(settings, clock)
    await broadcasts.start_outage(TEXTS, plan_code="fiber-100")

    with pytest.raises(Conflict) as refused:
        await broadcasts.start_outage(TEXTS, plan_code="fiber-100")
    assert refused.value.details["field"] == "plan_code"
    assert await Outage.all().count() == 1


@pytest.fixture
async def migrated_postgres():
    """A PostgreSQL database built by the migrations (the indexes the race needs are made by
    them, not by the models the other tests' databases are generated from)."""
    name = f"ispbot_outage_{os.getpid()}_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        await apply_migrations(url)
        async with database(url):
            yield url
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def test_the_same_outage_sent_twice_at_the_same_moment_is_opened_once(
    migrated_postgres, settings, clock, monkeypatch
):
    for _ in range(3):
        await b.subscriber(exchange_centre="Pasdaran")
    broadcasts = Broadcasts(settings, clock)
    # Each of the four passes the service's own check before any of them writes: only the
    # database's index stands between them.
    checked = broadcast._refuse_a_second_open_outage
    together = asyncio.Barrier(4)
    calls = 0

    async def check_then_wait_for_the_others(*args):
        nonlocal calls
        calls += 1
        await checked(*args)
        if calls <= 4:
            await together.wait()

    monkeypatch.setattr(broadcast, "_refuse_a_second_open_outage", check_then_wait_for_the_others)

    results = await asyncio.gather(
        *(broadcasts.start_outage(TEXTS, exchange_centre="Pasdaran") for _ in range(4)),
        return_exceptions=True,
    )

    opened = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(opened), len(refused)) == (1, 3), results
    assert {r.code for r in refused} == {"outage_already_open"}
    assert await Outage.all().count() == 1
    assert await OutboxMessage.filter(kind=kinds.OUTAGE).count() == 3


async def test_the_migration_merges_outages_already_open_twice_into_the_newest(tmp_path):
    url = f"sqlite://{tmp_path}/before.sqlite3"
    await migrate(config=tortoise_config(url), target="core.0023_order_card_sent_at")
    await Tortoise.close_connections()
    async with database(url):
        line = await b.subscriber(exchange_centre="Pasdaran")
        other = await b.subscriber(exchange_centre="Pasdaran")
        older = await Outage.create(exchange_centre="Pasdaran", started_at=NOW, texts=TEXTS)
        newer = await Outage.create(
            exchange_centre="Pasdaran", started_at=NOW + timedelta(minutes=1), texts=TEXTS
        )
        elsewhere = await Outage.create(exchange_centre="Tajrish", started_at=NOW, texts=TEXTS)
        await OutageWatch.create(outage_id=older.id, subscriber_id=line.id, created_at=NOW)
        await OutageWatch.create(outage_id=older.id, subscriber_id=other.id, created_at=NOW)
        await OutageWatch.create(outage_id=newer.id, subscriber_id=other.id, created_at=NOW)

    await apply_migrations(url)

    async with database(url):
        closed = await Outage.get(id=older.id)
        assert closed.repaired_at == newer.started_at
        assert (await Outage.get(id=newer.id)).repaired_at is None
        assert (await Outage.get(id=elsewhere.id)).repaired_at is None
        watchers = await OutageWatch.filter(outage_id=newer.id).values_list(
            "subscriber_id", flat=True
        )
        assert sorted(watchers) == sorted([line.id, other.id])
        assert await OutageWatch.filter(outage_id=older.id).count() == 0
        with pytest.raises(IntegrityError):  # the index stands
            await Outage.create(exchange_centre="Pasdaran", started_at=NOW, texts=TEXTS)

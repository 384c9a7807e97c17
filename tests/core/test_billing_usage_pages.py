"""The usage details a page at a time: ten sessions a page, oldest first, numbered through the
period, the whole period's totals on every page (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.billing.units import BYTES_PER_MB
from tests.core import test_billing_support as support
from tests.core.test_billing_usage import record_seed_sessions, subscriber_with_service

billing = support.billing
queries = support.queries
gateway = support.gateway

MB = BYTES_PER_MB
NOV = datetime(2026, 11, 1, tzinfo=UTC)
DEC = datetime(2026, 12, 1, tzinfo=UTC)


async def record_sessions(billing, subscriber, count: int) -> None:
    """``count`` half-hour sessions an hour apart from 20 November, session n downloading n MB."""
    for n in range(1, count + 1):
        start = datetime(2026, 11, 20, tzinfo=UTC) + timedelta(hours=n)
        await billing.usage.record_session(
            subscriber.id, f"s{n}", start, start + timedelta(minutes=30), n * MB, MB, f"10.0.0.{n}"
        )


async def test_twenty_three_sessions_make_three_pages_with_the_period_totals_on_each(
    db, billing, queries
):
    kamal = await subscriber_with_service(billing)
    await record_sessions(billing, kamal, 23)

    first = await queries.usage_page(kamal.id, NOV, DEC, 1)
    last = await queries.usage_page(kamal.id, NOV, DEC, 3)

    assert (first.page, first.pages, first.session_count, first.first_number) == (1, 3, 23, 1)
    assert [s.session_key for s in first.sessions] == [f"s{n}" for n in range(1, 11)]
    assert (last.page, last.first_number) == (3, 21)
    assert [s.session_key for s in last.sessions] == ["s21", "s22", "s23"]
    assert [s.ip for s in last.sessions] == ["10.0.0.21", "10.0.0.22", "10.0.0.23"]
    assert [s.deducted_bytes for s in last.sessions] == [21 * MB, 22 * MB, 23 * MB]
    for page in (first, last):
        assert page.download_bytes == sum(range(1, 24)) * MB
        assert page.upload_bytes == 23 * MB
        assert page.deducted_bytes == sum(range(1, 24)) * MB  # download only, the default


async def test_a_page_past_the_last_gives_the_last_and_one_below_gives_the_first(
    db, billing, queries
):
    kamal = await subscriber_with_service(billing)
    await record_sessions(billing, kamal, 12)
    assert (await queries.usage_page(kamal.id, NOV, DEC, 9)).page == 2
    assert (await queries.usage_page(kamal.id, NOV, DEC, 0)).page == 1


async def test_the_seed_sessions_on_one_page_keep_the_seed_totals(db, billing, queries):
    kamal = await subscriber_with_service(billing)
    await record_seed_sessions(billing, kamal)
    page = await queries.usage_page(kamal.id, NOV, DEC, 1)
    assert page.pages == 1 and len(page.sessions) == 3
    assert (str(page.download_mb), str(page.upload_mb)) == ("243.63", "53.39")
    assert (str(page.used_mb), str(page.deducted_mb)) == ("297.02", "243.62")


async def test_sessions_outside_the_period_are_neither_listed_nor_counted(db, billing, queries):
    kamal = await subscriber_with_service(billing)
    await record_sessions(billing, kamal, 5)  # 20 November, 01:00 to 05:00
    start = datetime(2026, 11, 20, 2, tzinfo=UTC)
    page = await queries.usage_page(kamal.id, start, start + timedelta(hours=2), 1)
    assert [s.session_key for s in page.sessions] == ["s2", "s3"]
    assert page.download_bytes == 5 * MB


async def test_a_period_without_sessions_has_no_page(db, billing, queries):
    kamal = await subscriber_with_service(billing)
    page = await queries.usage_page(kamal.id, NOV, DEC, 1)
    assert (page.page, page.pages, page.session_count, page.sessions) == (0, 0, 0, ())
    assert page.download_bytes == page.upload_bytes == page.deducted_bytes == 0

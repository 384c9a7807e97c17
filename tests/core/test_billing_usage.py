"""Usage details: sessions in a date range with totals, and the credit deducted from the quota."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.accounts.models import Subscriber
from core.billing.models import TrafficBucket, UsageSession
from core.billing.units import BYTES_PER_MB, mb_to_bytes
from core.config import QuotaDirections
from tests.core import test_billing_support as support
from tests.core.test_billing_support import BillingServices, error_of, make_plans, make_subscriber

billing = support.billing
gateway = support.gateway
queries = support.queries

# The seed's usage page: three sessions whose totals are download 243.63 MB, upload 53.39 MB,
# used 297.02 MB, deducted 243.62 MB (243.625 MB downloaded: shown half up, deducted down).
SEED_DOWNLOAD = 255_459_328  # 243.625 MB
SEED_UPLOAD = 55_983_473  # 53.3900003 MB
MB = BYTES_PER_MB
SEED_SESSIONS = [
    # key, login, download bytes, upload bytes, ip
    ("a1", datetime(2026, 11, 20, 5, tzinfo=UTC), 120 * MB, 30 * MB, "10.0.0.7"),
    ("a2", datetime(2026, 11, 21, 9, tzinfo=UTC), 100 * MB, 20 * MB, "10.0.0.8"),
    (
        "a3",
        datetime(2026, 11, 22, 18, tzinfo=UTC),
        SEED_DOWNLOAD - 220 * MB,
        SEED_UPLOAD - 50 * MB,
        None,
    ),
]


async def record_seed_sessions(billing: BillingServices, subscriber: Subscriber) -> None:
    for key, login, down, up, ip in SEED_SESSIONS:
        await billing.usage.record_session(
            subscriber.id, key, login, login + timedelta(hours=2), down, up, ip
        )


async def subscriber_with_service(billing: BillingServices) -> Subscriber:
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(
        kamal.id, "std-1m", starts_at=datetime(2026, 11, 19, 7, 0, tzinfo=UTC)
    )
    return kamal


async def test_seed_usage_page_totals_and_download_only_deduction(db, billing, queries):
    kamal = await subscriber_with_service(billing)
    await record_seed_sessions(billing, kamal)

    report = await queries.usage(
        kamal.id, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    )

    assert [line.session_key for line in report.sessions] == ["a1", "a2", "a3"]
    first = report.sessions[0]
    assert (first.started_at, first.ended_at, first.ip) == (
        SEED_SESSIONS[0][1],
        SEED_SESSIONS[0][1] + timedelta(hours=2),
        "10.0.0.7",
    )
    assert (first.deducted_bytes, first.used_bytes) == (120 * BYTES_PER_MB, 150 * BYTES_PER_MB)
    assert (report.download_bytes, report.upload_bytes) == (SEED_DOWNLOAD, SEED_UPLOAD)
    assert report.deducted_bytes == SEED_DOWNLOAD  # upload is free
    assert report.download_mb == Decimal("243.63")
    assert report.upload_mb == Decimal("53.39")
    assert report.used_mb == Decimal("297.02")
    assert report.deducted_mb == Decimal("243.62")
    # The quota lost the download only.
    status = await queries.service_status(kamal.id)
    assert status.remaining_bytes == mb_to_bytes(5 * 1024) - SEED_DOWNLOAD


async def test_counting_both_directions_deducts_download_and_upload(db, settings, clock, queries):
    both = support.billing_services(
        settings.model_copy(update={"quota_directions": QuotaDirections.BOTH}), clock, {}
    )
    kamal = await subscriber_with_service(both)
    await record_seed_sessions(both, kamal)

    report = await queries.usage(
        kamal.id, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    )

    assert report.deducted_bytes == SEED_DOWNLOAD + SEED_UPLOAD
    assert report.deducted_mb == Decimal("297.01")
    status = await queries.service_status(kamal.id)
    assert status.remaining_bytes == mb_to_bytes(5 * 1024) - SEED_DOWNLOAD - SEED_UPLOAD


async def test_the_date_range_picks_sessions_by_login_time(db, billing, queries):
    kamal = await subscriber_with_service(billing)
    await record_seed_sessions(billing, kamal)
    other = await make_subscriber("3132239701")
    await billing.usage.record_session(
        other.id, "b1", SEED_SESSIONS[1][1], None, 1 * BYTES_PER_MB, 0
    )

    report = await queries.usage(kamal.id, SEED_SESSIONS[1][1], SEED_SESSIONS[2][1])

    assert [line.session_key for line in report.sessions] == ["a2"]  # [start, end)
    assert (report.download_bytes, report.upload_bytes, report.deducted_bytes) == (
        100 * BYTES_PER_MB,
        20 * BYTES_PER_MB,
        100 * BYTES_PER_MB,
    )
    empty = await queries.usage(
        kamal.id, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    )
    assert (empty.sessions, empty.download_bytes, empty.deducted_mb) == ((), 0, Decimal("0.00"))


async def test_a_range_in_the_subscribers_zone_finds_the_same_sessions(db, billing, queries):
    # Tehran midnight of 21 November is 20:30 UTC on the 20th: a1 (05:00 UTC on the 20th) is
    # before it, a2 and a3 after. SQLite compares stored times as text, so bounds in +03:30
    # must be read as the instants they are.
    kamal = await subscriber_with_service(billing)
    await record_seed_sessions(billing, kamal)
    # 22:00 UTC on the 20th is 01:30 on the 21st in Tehran: inside the range.
    late = datetime(2026, 11, 20, 22, tzinfo=UTC)
    await billing.usage.record_session(kamal.id, "n1", late, late + timedelta(hours=1), MB, 0)
    tehran = ZoneInfo("Asia/Tehran")

    report = await queries.usage(
        kamal.id, datetime(2026, 11, 21, tzinfo=tehran), datetime(2026, 11, 23, tzinfo=tehran)
    )

    assert [line.session_key for line in report.sessions] == ["n1", "a2", "a3"]


async def test_resyncing_a_session_counts_only_its_growth(db, billing, queries, clock):
    kamal = await subscriber_with_service(billing)
    login = clock.now() - timedelta(hours=1)
    await billing.usage.record_session(kamal.id, "live", login, None, 10 * BYTES_PER_MB, 1)
    await billing.usage.record_session(kamal.id, "live", login, None, 10 * BYTES_PER_MB, 1)
    session = await billing.usage.record_session(
        kamal.id, "live", login, clock.now(), 25 * BYTES_PER_MB, 2, "10.0.0.9"
    )
    # A smaller resend gives nothing back.
    await billing.usage.record_session(kamal.id, "live", login, None, 5 * BYTES_PER_MB, 0)

    assert await UsageSession.all().count() == 1
    session = await UsageSession.get(session_key=session.session_key)
    assert (session.download_bytes, session.deducted_bytes, session.ip) == (
        25 * BYTES_PER_MB,
        25 * BYTES_PER_MB,
        "10.0.0.9",
    )
    status = await queries.service_status(kamal.id)
    assert status.remaining_bytes == mb_to_bytes(5 * 1024 - 25)


async def test_usage_takes_the_bucket_that_expires_first(db, billing, clock):
    kamal = await subscriber_with_service(billing)
    timed = await TrafficBucket.create(
        subscriber_id=kamal.id,
        kind="timed",
        total_bytes=10 * BYTES_PER_MB,
        valid_from=clock.now() - timedelta(days=1),
        valid_until=clock.now() + timedelta(days=1),
    )
    await billing.usage.record_session(kamal.id, "x", clock.now(), None, 15 * BYTES_PER_MB, 0)

    await timed.refresh_from_db()
    assert timed.used_bytes == 10 * BYTES_PER_MB
    plan_bucket = await TrafficBucket.get(subscriber_id=kamal.id, kind="plan")
    assert plan_bucket.used_bytes == 5 * BYTES_PER_MB


async def test_usage_input_is_checked(db, billing, clock):
    kamal = await subscriber_with_service(billing)
    naive = datetime(2026, 11, 24, 7, 0)
    cases = [
        (("k", clock.now(), None, -1, 0), "download_bytes"),
        (("k", clock.now(), None, 1.5, 0), "download_bytes"),
        (("k", naive, None, 1, 0), "started_at"),
        (("k", clock.now(), clock.now() - timedelta(hours=1), 1, 0), "ended_at"),
        (("", clock.now(), None, 1, 0), "session_key"),
    ]
    for args, field in cases:
        error = await error_of(billing.usage.record_session(kamal.id, *args))
        assert (error.code, error.details) == ("invalid_usage", {"field": field})
    await billing.usage.record_session(kamal.id, "mine", clock.now(), None, 1, 0)
    other = await make_subscriber("3132239701")
    error = await error_of(billing.usage.record_session(other.id, "mine", clock.now(), None, 2, 0))
    assert error.code == "session_subscriber_mismatch"

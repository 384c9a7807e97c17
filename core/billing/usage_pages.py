"""The usage details as the seed's panel pages them: the sessions of a period, ten to a page,
oldest first and numbered through the period, with the totals of the whole period on every page.

One page's rows are read, and the totals summed by the database, so a period of thousands of
sessions costs the same as one of ten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.functions import Count, Sum

from core.billing.models import UsageSession
from core.billing.read_models import UsageLine, UsageTotals

# The seed's table shows ten connections a page.
SESSIONS_PER_PAGE = 10


@dataclass(frozen=True, slots=True)
class UsagePage(UsageTotals):
    """One page of the sessions that started in [start, end). ``page`` counts from 1 (0 pages
    when the period has no session); ``first_number`` is the period-wide number of the page's
    first session, counted from 1."""

    start: datetime
    end: datetime
    page: int
    pages: int
    session_count: int
    first_number: int
    sessions: tuple[UsageLine, ...]
    download_bytes: int
    upload_bytes: int
    deducted_bytes: int


async def usage_page(
    subscriber_id: int,
    start: datetime,
    end: datetime,
    page: int,
    per_page: int = SESSIONS_PER_PAGE,
) -> UsagePage:
    """Page ``page`` of the subscriber's sessions that started in [start, end); a page past the
    last gives the last (the period may have lost sessions since the page was chosen), one below
    1 the first."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("usage needs timezone-aware bounds")
    if per_page < 1:
        raise ValueError("a page holds at least one session")
    # In UTC: SQLite compares stored times as text, so a bound in another offset misorders.
    period = UsageSession.filter(
        subscriber_id=subscriber_id,
        started_at__gte=start.astimezone(UTC),
        started_at__lt=end.astimezone(UTC),
    )
    totals = (
        await period.annotate(
            n=Count("id"),
            down=Sum("download_bytes"),
            up=Sum("upload_bytes"),
            deducted=Sum("deducted_bytes"),
        )
        .first()
        .values("n", "down", "up", "deducted")
    )
    count = int((totals or {}).get("n") or 0)
    pages = -(-count // per_page)
    page = min(max(page, 1), max(pages, 1))
    offset = (page - 1) * per_page
    rows = await period.order_by("started_at", "id").offset(offset).limit(per_page) if count else []
    return UsagePage(
        start=start,
        end=end,
        page=page if count else 0,
        pages=pages,
        session_count=count,
        first_number=offset + 1,
        sessions=tuple(UsageLine.of(row) for row in rows),
        download_bytes=int((totals or {}).get("down") or 0),
        upload_bytes=int((totals or {}).get("up") or 0),
        deducted_bytes=int((totals or {}).get("deducted") or 0),
    )

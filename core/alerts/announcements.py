"""Reads of the announcements sent, for the people who send them (the staff console)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.errors import NotFound
from core.inbox.models import Announcement


@dataclass(frozen=True, slots=True)
class AnnouncementSent:
    id: int
    # Text per language: {"fa": "...", "id": "...", "en": "..."}
    texts: dict[str, str]
    # Whom it was for: a centre, a plan, or (both None) everyone.
    exchange_centre: str | None
    plan_code: str | None
    starts_at: datetime

    @classmethod
    def of(cls, row: Announcement) -> AnnouncementSent:
        """``row`` with its plan fetched."""
        plan = row.plan.code if row.plan else None
        return cls(row.id, dict(row.texts), row.exchange_centre, plan, row.starts_at)


async def announcements_before(
    before: int | None = None, limit: int = 20
) -> list[AnnouncementSent]:
    """The newest announcements first, a page before the id ``before`` (keyset)."""
    rows = Announcement.all()
    if before is not None:
        rows = rows.filter(id__lt=before)
    found = await rows.order_by("-id").limit(limit).prefetch_related("plan")
    return [AnnouncementSent.of(row) for row in found]


async def announcement_sent(announcement_id: int) -> AnnouncementSent:
    row = await Announcement.get_or_none(id=announcement_id).prefetch_related("plan")
    if row is None:
        raise NotFound("announcement_not_found", announcement_id=announcement_id)
    return AnnouncementSent.of(row)

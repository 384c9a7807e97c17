"""Canned replies: answers the support team keeps ready, one language each, added, edited and
retired from the console (each change audited). The console offers a ticket's answer form the
active ones of the ticket's language; a retired one is kept for the record, never offered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from core.accounts.enums import Language
from core.errors import FieldErrors, NotFound
from core.ports import Clock
from core.staff import audit
from core.staff.audit import Actor
from core.staff.models import CannedReply
from core.tickets.limits import BODY_MAX_LENGTH
from core.typed_text import without_direction_controls

CANNED_REPLY = "canned_reply"
TITLE_MAX_LENGTH = 80


@dataclass(frozen=True, slots=True)
class CannedReplyView:
    id: int
    language: Language
    title: str
    body: str
    active: bool
    updated_at: datetime

    @classmethod
    def of(cls, row: CannedReply) -> CannedReplyView:
        return cls(
            id=row.id,
            language=Language(row.language),
            title=row.title,
            body=row.body,
            active=row.active,
            updated_at=row.updated_at,
        )


async def canned_replies(
    language: str | None = None, *, include_retired: bool = False
) -> list[CannedReplyView]:
    """By language, then title; only the active ones unless ``include_retired``."""
    rows = CannedReply.all()
    if language is not None:
        rows = rows.filter(language=language)
    if not include_retired:
        rows = rows.filter(active=True)
    found = await rows.order_by("language", "-active", "title", "id")
    return [CannedReplyView.of(row) for row in found]


async def canned_reply(reply_id: int) -> CannedReplyView:
    """Code: ``canned_reply_not_found``."""
    row = await CannedReply.get_or_none(id=reply_id)
    if row is None:
        raise NotFound("canned_reply_not_found", reply_id=reply_id)
    return CannedReplyView.of(row)


class CannedReplies:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def add(self, actor: Actor, language: str, title: str, body: str) -> CannedReplyView:
        """Codes (FieldErrors): ``unknown_language``, ``title_required``, ``title_too_long``,
        ``body_required``, ``body_too_long``."""
        values = _checked(language, title, body)
        now = self.clock.now()
        async with in_transaction():
            row = await CannedReply.create(
                language=values["language"],
                title=values["title"],
                body=values["body"],
                created_at=now,
                updated_at=now,
            )
            await audit.record(actor, "canned_reply.add", CANNED_REPLY, row.id, now, after=values)
        return CannedReplyView.of(row)

    async def edit(
        self, actor: Actor, reply_id: int, language: str, title: str, body: str
    ) -> CannedReplyView:
        """The same checks as ``add``; ``canned_reply_not_found``. A retired reply may be
        edited (and stays retired)."""
        values = _checked(language, title, body)
        now = self.clock.now()
        async with in_transaction():
            row = await _locked(reply_id)
            before = {"language": str(row.language), "title": row.title, "body": row.body}
            if before == values:
                return CannedReplyView.of(row)
            await CannedReply.filter(id=reply_id).update(**values, updated_at=now)
            await audit.record(
                actor, "canned_reply.edit", CANNED_REPLY, reply_id, now, before=before, after=values
            )
            row.update_from_dict({**values, "updated_at": now})
        return CannedReplyView.of(row)

    async def retire(self, actor: Actor, reply_id: int) -> CannedReplyView:
        """No longer offered (idempotent). Code: ``canned_reply_not_found``."""
        now = self.clock.now()
        async with in_transaction():
            row = await _locked(reply_id)
            if not row.active:
                return CannedReplyView.of(row)
            await CannedReply.filter(id=reply_id).update(active=False, updated_at=now)
            await audit.record(
                actor,
                "canned_reply.retire",
                CANNED_REPLY,
                reply_id,
                now,
                before={"active": True},
                after={"active": False},
            )
            row.update_from_dict({"active": False, "updated_at": now})
        return CannedReplyView.of(row)


async def _locked(reply_id: int) -> CannedReply:
    row = await CannedReply.filter(id=reply_id).select_for_update().first()
    if row is None:
        raise NotFound("canned_reply_not_found", reply_id=reply_id)
    return row


def _checked(language: str, title: str, body: str) -> dict[str, str]:
    problems: list[tuple[str, str]] = []
    if language not in {lang.value for lang in Language}:
        problems.append(("language", "unknown_language"))
    title = without_direction_controls(title or "").strip()
    body = without_direction_controls(body or "").strip()
    for field, text, limit in (
        ("title", title, TITLE_MAX_LENGTH),
        ("body", body, BODY_MAX_LENGTH),
    ):
        if not text:
            problems.append((field, f"{field}_required"))
        elif len(text) > limit:
            problems.append((field, f"{field}_too_long"))
    if problems:
        raise FieldErrors(problems)
    return {"language": language, "title": title, "body": body}

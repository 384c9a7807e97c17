"""Documents reviewed from the agents' group: ``/docs`` lists the copies waiting for review,
each with a button that posts the file in the same topic with Approve and Reject; Reject offers
the reasons of the list. ``/approve ID`` and ``/reject ID REASON [note]`` do the same in
writing, with a note the subscriber reads too. Every verdict is the core's
(``DocumentReviews.review_document``), as in the admin API.

The group reads the desk's language (``ISPBOT_AGENT_LANGUAGE``), through the catalogs like every
other text.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.adapters.telegram_bot import CAPTION_MAX, PHOTO_TYPES
from bot.dialogs.errors import error_text
from bot.dialogs.flows.documents import KIND_LABELS, REJECT_REASON_LABELS
from bot.i18n import N_, Texts
from core.accounts.document_reviews import DocumentReviews
from core.accounts.enums import DocumentStatus, RejectReason
from core.accounts.queries import DocumentForReview, document_for_review, documents_for_review
from core.errors import DomainError
from core.numbers import whole_number
from core.ports import FileStore
from core.staff.audit import Actor

COMMANDS = frozenset({"docs", "approve", "reject"})
CALLBACK_PREFIX = "docs:"
# How many waiting copies one /docs lists (oldest first); the rest come after these are done.
LISTED = 10

_NOTHING_WAITING = N_("No document is waiting for review.")
_USAGE = N_(
    "Write /docs for the documents waiting for review, /approve ID, or /reject ID REASON "
    "[note for the subscriber]. Reasons: %(reasons)s."
)


@dataclass(frozen=True, slots=True)
class Said:
    """What to post in the thread the agent acted in: text and maybe buttons."""

    text: str
    buttons: InlineKeyboardMarkup | None = None


class DocumentDesk:
    def __init__(self, reviews: DocumentReviews, files: FileStore, texts: Texts) -> None:
        self.reviews = reviews
        self.files = files
        self.t = texts

    # ---- written commands ----------------------------------------------------------------

    async def command(self, name: str, rest: str, agent: Actor) -> Said:
        """``/docs``, ``/approve``, ``/reject`` (``name``) with what follows (``rest``), from
        ``agent`` (the audit log names them with the verdict)."""
        if name == "docs":
            return await self.waiting()
        number, _, rest = rest.strip().partition(" ")
        document_id = whole_number(number, 1, 2**31 - 1)
        if document_id is None:
            return self.usage()
        if name == "approve":
            return await self.verdict(document_id, agent, approve=True)
        reason, _, note = rest.strip().partition(" ")
        if reason not in set(RejectReason):
            return self.usage()
        return await self.verdict(document_id, agent, approve=False, reason=reason, note=note)

    def usage(self) -> Said:
        return Said(self.t.gettext(_USAGE, reasons=", ".join(RejectReason)))

    async def waiting(self) -> Said:
        found = await documents_for_review(LISTED)
        if not found:
            return Said(self.t.gettext(_NOTHING_WAITING))
        lines = [self.t.gettext("Documents waiting for review, oldest first:")]
        lines += [self._line(item) for item in found]
        rows = [
            [
                InlineKeyboardButton(
                    text=self.t.gettext("Show #%(id)s", id=str(item.document.id)),
                    callback_data=f"{CALLBACK_PREFIX}show:{item.document.id}",
                )
            ]
            for item in found
        ]
        return Said("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))

    # ---- buttons -------------------------------------------------------------------------

    async def pressed(
        self, data: str, bot: Bot, chat_id: int, thread_id: int | None, agent: Actor
    ) -> Said:
        """A button of this desk (``data`` starts with ``docs:``) pressed by ``agent``. ``show``
        posts the file itself and returns nothing more to say (an empty text)."""
        action, _, rest = data.removeprefix(CALLBACK_PREFIX).partition(":")
        number, _, reason = rest.partition(":")
        document_id = whole_number(number, 1, 2**31 - 1)
        if document_id is None:
            return self.usage()
        if action == "show":
            return await self.show(document_id, bot, chat_id, thread_id)
        if action == "ok":
            return await self.verdict(document_id, agent, approve=True)
        if action == "no":
            return self.reasons(document_id)
        if action == "why":
            return await self.verdict(document_id, agent, approve=False, reason=reason)
        return self.usage()

    async def show(self, document_id: int, bot: Bot, chat_id: int, thread_id: int | None) -> Said:
        try:
            item = await document_for_review(document_id)
        except DomainError as error:
            return Said(self._not_done(error))
        data = await self.files.get(item.document.file_key)
        upload = BufferedInputFile(data, filename=item.document.filename)
        caption = self._line(item)[:CAPTION_MAX]
        buttons = (
            self._verdict_buttons(document_id)
            if item.document.status == DocumentStatus.PENDING
            else None
        )
        send = bot.send_photo if item.document.content_type in PHOTO_TYPES else bot.send_document
        await send(
            chat_id,
            upload,
            caption=caption,
            message_thread_id=thread_id,
            parse_mode=None,
            reply_markup=buttons,
        )
        return Said("")

    def reasons(self, document_id: int) -> Said:
        rows = [
            [
                InlineKeyboardButton(
                    text=self.t.gettext(label),
                    callback_data=f"{CALLBACK_PREFIX}why:{document_id}:{code}",
                )
            ]
            for code, label in REJECT_REASON_LABELS.items()
        ]
        text = self.t.gettext(
            "Why is document #%(id)s rejected? To add a note for the subscriber, write "
            "/reject %(id)s REASON note instead.",
            id=str(document_id),
        )
        return Said(text, InlineKeyboardMarkup(inline_keyboard=rows))

    # ---- the verdict ---------------------------------------------------------------------

    async def verdict(
        self,
        document_id: int,
        agent: Actor,
        *,
        approve: bool,
        reason: str | None = None,
        note: str = "",
    ) -> Said:
        try:
            doc = await self.reviews.review_document(
                document_id, approve, reason, note or None, actor=agent
            )
        except DomainError as error:
            return Said(self._not_done(error))
        if approve:
            return Said(
                self.t.gettext(
                    "Document #%(id)s approved; any grace it was in has ended.", id=str(doc.id)
                )
            )
        assert doc.grace_until is not None and doc.reject_code is not None
        return Said(
            self.t.gettext(
                "Document #%(id)s rejected (%(reason)s). The subscriber is told; the line is "
                "cut on %(deadline)s unless a valid copy arrives.",
                id=str(doc.id),
                reason=self.t.gettext(REJECT_REASON_LABELS[doc.reject_code]),
                deadline=self.t.datetime(doc.grace_until),
            )
        )

    def _verdict_buttons(self, document_id: int) -> InlineKeyboardMarkup:
        row = [
            InlineKeyboardButton(
                text=self.t.gettext("Approve"), callback_data=f"{CALLBACK_PREFIX}ok:{document_id}"
            ),
            InlineKeyboardButton(
                text=self.t.gettext("Reject"), callback_data=f"{CALLBACK_PREFIX}no:{document_id}"
            ),
        ]
        return InlineKeyboardMarkup(inline_keyboard=[row])

    def _line(self, item: DocumentForReview) -> str:
        doc = item.document
        return self.t.gettext(
            "#%(id)s %(kind)s of %(username)s %(name)s, sent %(when)s",
            id=str(doc.id),
            kind=self.t.gettext(KIND_LABELS[doc.kind]),
            username=item.username,
            name=item.full_name,
            when=self.t.datetime(doc.uploaded_at),
        )

    def _not_done(self, error: DomainError) -> str:
        return self.t.gettext("Not done: %(why)s", why=error_text(self.t, error))

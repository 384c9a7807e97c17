"""Documents under review: a copy uploaded, an operator's verdict, and the grace period after a
rejection, enforced by cutting the line (and giving it back on an approval). The grace rule
itself is in documents.py."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from core.accounts.documents import kinds_still_unapproved, kinds_to_cut_for
from core.accounts.enums import DocumentKind, DocumentStatus, LineStatus, RejectReason
from core.accounts.line_status import change_line_status
from core.accounts.models import Document, LineStatusChange, Subscriber
from core.accounts.queries import DocumentView, get_subscriber
from core.alerts import kinds
from core.config import Settings
from core.errors import Conflict, InvalidInput, NotFound
from core.inbox.service import enqueue
from core.ports import Clock, FileStore
from core.staff import audit
from core.staff.audit import CLI_ACTOR, Actor
from core.uploads import check_upload

REVIEW_NOTE_MAX_LENGTH = 500
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


class DocumentReviews:
    def __init__(self, settings: Settings, clock: Clock, files: FileStore) -> None:
        self.settings = settings
        self.clock = clock
        self.files = files

    async def upload_document(
        self, subscriber_id: int, kind: str, filename: str, content_type: str, data: bytes
    ) -> DocumentView:
        """Store a copy of a document for review. Codes: ``unknown_document_kind`` and those of
        ``check_upload``."""
        try:
            doc_kind = DocumentKind(kind)
        except ValueError:
            raise InvalidInput("unknown_document_kind", kind=kind) from None
        mime = check_upload(self.settings, filename, content_type, data)
        await get_subscriber(subscriber_id)
        name = _safe_filename(filename, doc_kind)
        file_key = await self.files.put(data, mime, name)
        document = await Document.create(
            subscriber_id=subscriber_id,
            kind=doc_kind,
            file_key=file_key,
            filename=name,
            content_type=mime,
            size=len(data),
            uploaded_at=self.clock.now(),
        )
        return DocumentView.of(document)

    async def review_document(
        self,
        document_id: int,
        approve: bool,
        reason: RejectReason | str | None = None,
        note: str | None = None,
        *,
        actor: Actor = CLI_ACTOR,
    ) -> DocumentView:
        """An operator's verdict on a copy waiting for review. A rejection names a reason from
        the list (``note`` may add free text), starts the grace period and tells the subscriber
        the reason and the days left (the outbox, in the same transaction); an approval ends
        the grace and lifts a documents suspension once no kind is still missing its valid
        copy. The verdict is written to the staff's audit log (``actor``: who gave it, kept as
        the reviewer's name; the command line unless said) in the same transaction, on the
        subscriber's record.
        Codes: ``document_not_found``, ``document_already_reviewed``,
        ``reject_reason_required``, ``unknown_reject_reason``, ``note_too_long``."""
        code = None if approve else _reject_reason(reason)
        note = (note or "").strip() or None
        if note is not None and len(note) > REVIEW_NOTE_MAX_LENGTH:
            raise InvalidInput("note_too_long", field="note", max_length=REVIEW_NOTE_MAX_LENGTH)
        now = self.clock.now()
        async with in_transaction() as conn:
            document = (
                await Document.filter(id=document_id)
                .select_for_update(no_key=True)
                .using_db(conn)
                .first()
            )
            if document is None:
                raise NotFound("document_not_found", document_id=document_id)
            if document.status != DocumentStatus.PENDING:
                raise Conflict(
                    "document_already_reviewed",
                    document_id=document_id,
                    document_status=str(document.status),
                )
            changes: dict[str, Any] = {
                "reviewed_at": now,
                "reviewed_by": actor.name,
            }
            if approve:
                changes.update(
                    status=DocumentStatus.APPROVED,
                    reject_code=None,
                    reject_reason=None,
                    grace_until=None,
                )
            else:
                grace = timedelta(days=self.settings.document_grace_days)
                changes.update(
                    status=DocumentStatus.REJECTED,
                    reject_code=code,
                    reject_reason=note,
                    grace_until=now + grace,
                )
            await Document.filter(id=document_id).using_db(conn).update(**changes)
            document.update_from_dict(changes)
            subscriber_id: int = document.subscriber_id  # type: ignore[attr-defined]
            await audit.record(
                actor,
                "document.approve" if approve else "document.reject",
                audit.SUBSCRIBER,
                subscriber_id,
                now,
                before={"document": document.id, "status": str(DocumentStatus.PENDING)},
                after={
                    "document": document.id,
                    "kind": str(document.kind),
                    "status": str(document.status),
                    "reject_code": str(code) if code else None,
                    "note": note,
                    "grace_until": changes["grace_until"].isoformat()
                    if changes["grace_until"]
                    else None,
                },
            )
            if approve:
                await self._restore_after_documents(subscriber_id, now)
            else:
                await enqueue(
                    subscriber_id,
                    kinds.DOCUMENT_REJECTED,
                    {
                        "document_kind": str(document.kind),
                        "reason_code": str(code),
                        "reason": note or "",
                        "grace_until": changes["grace_until"].isoformat(),
                        "days_left": self.settings.document_grace_days,
                    },
                    kinds.document_rejected_key(subscriber_id, document.id),
                    at=now,
                    using_db=conn,
                )
        return DocumentView.of(document)

    async def enforce_document_grace(self) -> int:
        """Cut every line whose rejected document's grace has passed with no newer pending or
        approved copy of that kind. Safe to run concurrently and repeatedly. Returns how many
        lines were cut now."""
        now = self.clock.now()
        subscriber_ids = (
            await Document.filter(status=DocumentStatus.REJECTED, grace_until__lte=now)
            .exclude(
                subscriber__line_status__in=[LineStatus.DOCUMENTS_SUSPENDED, LineStatus.CLOSED]
            )
            .distinct()
            .values_list("subscriber_id", flat=True)
        )
        cut = 0
        for subscriber_id in sorted(set(subscriber_ids)):
            docs = await Document.filter(subscriber_id=subscriber_id)
            kinds = kinds_to_cut_for(docs, now)
            if not kinds:
                continue
            reason = "documents: " + ", ".join(kinds)
            async with in_transaction():
                before = (
                    await Subscriber.filter(id=subscriber_id)
                    .exclude(line_status__in=[LineStatus.DOCUMENTS_SUSPENDED, LineStatus.CLOSED])
                    .select_for_update(no_key=True)
                    .first()
                )
                if before is None:
                    continue
                if (
                    before.line_status != LineStatus.IN_OPERATION
                    and not await LineStatusChange.filter(subscriber_id=subscriber_id).exists()
                ):
                    # A line created in another status (installed "isolated") has no history
                    # yet: record that status, or an approval would give back "in operation".
                    await LineStatusChange.create(
                        subscriber_id=subscriber_id,
                        status=before.line_status,
                        reason="line created",
                        changed_at=min(before.created_at, now),
                    )
                await change_line_status(before.id, LineStatus.DOCUMENTS_SUSPENDED, reason, now)
                cut += 1
        return cut

    async def _restore_after_documents(self, subscriber_id: int, now: datetime) -> None:
        """Inside the review's transaction: give the line back the status it had before the
        documents suspension, if nothing else is still missing."""
        subscriber = await Subscriber.get(id=subscriber_id)
        if subscriber.line_status != LineStatus.DOCUMENTS_SUSPENDED:
            return
        if kinds_still_unapproved(await Document.filter(subscriber_id=subscriber_id), now):
            return
        previous = LineStatus.IN_OPERATION
        history = await LineStatusChange.filter(subscriber_id=subscriber_id).order_by(
            "-changed_at", "-id"
        )
        for change, before in itertools.pairwise(history):
            if change.status == LineStatus.DOCUMENTS_SUSPENDED:
                previous = before.status
                break
        await change_line_status(subscriber_id, previous, "documents approved", now)


def _reject_reason(reason: RejectReason | str | None) -> RejectReason:
    if reason is None or not str(reason).strip():
        raise InvalidInput("reject_reason_required", field="reason")
    try:
        return RejectReason(str(reason).strip())
    except ValueError:
        raise InvalidInput("unknown_reject_reason", field="reason", reason=reason) from None


def _safe_filename(filename: str, kind: DocumentKind) -> str:
    base = re.split(r"[/\\]", filename or "")[-1]
    base = _UNSAFE_FILENAME.sub("_", base).strip(" .")
    return (base or kind.value)[:255]

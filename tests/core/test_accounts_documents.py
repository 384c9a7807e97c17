"""Documents (copies of phone bill, national ID card, student card, lease): upload limits, the
operator's review, the seed's one-week grace after a rejection before the line is cut, and the
line status history that records every change with its date."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.accounts import queries
from core.accounts.document_reviews import DocumentReviews
from core.accounts.documents import kinds_still_unapproved, kinds_to_cut_for
from core.accounts.enums import DocumentKind, DocumentStatus, LineStatus, RejectReason
from core.accounts.line_status import LineStatuses
from core.accounts.models import Document, LineStatusChange, Subscriber
from core.errors import DomainError
from core.inbox.models import OutboxMessage
from core.staff import audit
from core.staff.audit import Actor
from tests.core.test_accounts_support import make_subscriber
from tests.fakes import InMemoryFileStore

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
PDF = b"%PDF-1.7\n" + b"x" * 60
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 60
WEEK = timedelta(days=7)


@pytest.fixture
def files() -> InMemoryFileStore:
    return InMemoryFileStore()


@pytest.fixture
def document_reviews(settings, clock, files) -> DocumentReviews:
    return DocumentReviews(settings, clock, files)


@pytest.fixture
def line_statuses(clock) -> LineStatuses:
    return LineStatuses(clock)


async def refused(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value


async def upload(
    document_reviews: DocumentReviews, subscriber: Subscriber, kind=DocumentKind.NATIONAL_ID_CARD
):
    return await document_reviews.upload_document(
        subscriber.id, kind, "card.jpg", "image/jpeg", JPEG
    )


async def rejected_copy(
    document_reviews: DocumentReviews, subscriber: Subscriber, kind=DocumentKind.NATIONAL_ID_CARD
):
    document = await upload(document_reviews, subscriber, kind)
    return await document_reviews.review_document(
        document.id, approve=False, reason="illegible", note="blurred"
    )


async def status_of(subscriber: Subscriber) -> LineStatus:
    return LineStatus((await Subscriber.get(id=subscriber.id)).line_status)


# ---- uploading ------------------------------------------------------------------------------


async def test_an_uploaded_copy_is_stored_and_waits_for_review(db, document_reviews, files, clock):
    subscriber = await make_subscriber()

    document = await document_reviews.upload_document(
        subscriber.id, "phone_bill", "bill.pdf", "application/PDF; name=bill.pdf", PDF
    )

    assert document.status == DocumentStatus.PENDING
    assert (document.kind, document.content_type, document.size) == (
        "phone_bill",
        "application/pdf",
        len(PDF),
    )
    assert document.uploaded_at == clock.now()
    assert files.files[document.file_key] == (PDF, "application/pdf", "bill.pdf")


async def test_the_filename_is_made_safe(db, document_reviews):
    subscriber = await make_subscriber()
    cases = [
        ("../../etc/passwd", "passwd"),
        ("C:\\scans\\lease.png", "lease.png"),
        ("..", "lease"),
        ("a<b>.png", "a_b_.png"),
    ]

    for filename, stored in cases:
        document = await document_reviews.upload_document(
            subscriber.id, "lease", filename, "image/png", PNG
        )
        assert document.filename == stored


async def test_an_unusable_upload_is_refused_and_nothing_is_stored(db, document_reviews, files):
    subscriber = await make_subscriber()
    cases = [
        ("passport", "image/jpeg", JPEG, "unknown_document_kind"),
        ("lease", "image/gif", JPEG, "attachment_type_not_allowed"),
        ("lease", "text/html", JPEG, "attachment_type_not_allowed"),
        ("lease", "", JPEG, "attachment_type_not_allowed"),
        ("lease", "image/jpeg", b"", "attachment_empty"),
        # Bytes that are not what the type says (a page or a program renamed .jpg).
        ("lease", "image/jpeg", b"<html><script>", "attachment_type_not_allowed"),
        ("lease", "application/pdf", JPEG, "attachment_type_not_allowed"),
    ]

    for kind, content_type, data, code in cases:
        error = await refused(
            document_reviews.upload_document(subscriber.id, kind, "x.jpg", content_type, data)
        )
        assert error.code == code, (kind, content_type)

    assert files.files == {}
    assert await Document.all().count() == 0


async def test_a_copy_over_the_size_limit_is_refused_and_one_at_the_limit_is_taken(
    db, document_reviews, settings
):
    subscriber = await make_subscriber()
    limit = settings.attachment_max_bytes

    error = await refused(
        document_reviews.upload_document(
            subscriber.id, "lease", "big.jpg", "image/jpeg", JPEG.ljust(limit + 1, b"x")
        )
    )
    taken = await document_reviews.upload_document(
        subscriber.id, "lease", "ok.jpg", "image/jpeg", JPEG.ljust(limit, b"x")
    )

    assert (error.code, error.details) == (
        "attachment_too_large",
        {"filename": "big.jpg", "size": limit + 1, "max_bytes": limit},
    )
    assert taken.size == limit


async def test_uploading_for_nobody_is_not_found(db, document_reviews, files):
    error = await refused(
        document_reviews.upload_document(404, "lease", "x.jpg", "image/jpeg", JPEG)
    )

    assert error.code == "subscriber_not_found"
    assert files.files == {}


async def test_documents_are_listed_newest_first(db, document_reviews, clock):
    subscriber = await make_subscriber()
    bill = await upload(document_reviews, subscriber, DocumentKind.PHONE_BILL)
    clock.advance(timedelta(minutes=5))
    card = await upload(document_reviews, subscriber, DocumentKind.NATIONAL_ID_CARD)

    listed = await queries.documents(subscriber.id)

    assert [d.id for d in listed] == [card.id, bill.id]
    assert listed[0].status == DocumentStatus.PENDING


# ---- review ---------------------------------------------------------------------------------


async def test_approving_a_copy_records_the_verdict(db, document_reviews, clock):
    subscriber = await make_subscriber()
    document = await upload(document_reviews, subscriber)
    clock.advance(timedelta(hours=3))

    reviewed = await document_reviews.review_document(document.id, approve=True)

    stored = await Document.get(id=document.id)
    assert reviewed.status == stored.status == DocumentStatus.APPROVED
    assert stored.reviewed_at == clock.now()
    assert stored.grace_until is None
    # A verdict given without naming who gave it (the demo's seeding) is the command line's.
    [entry] = await audit.entries_for(audit.SUBSCRIBER, subscriber.id)
    assert (entry.actor_name, entry.action, entry.at) == ("cli", "document.approve", clock.now())


async def test_a_verdict_is_audited_with_who_gave_it_and_the_document_before_and_after(
    db, document_reviews, clock
):
    subscriber = await make_subscriber()
    document = await upload(document_reviews, subscriber)
    agent = Actor.outside("telegram", "123456789 Reza Karimi, the night shift's agent")

    await document_reviews.review_document(
        document.id, approve=False, reason="illegible", note="blurred", actor=agent
    )

    [entry] = await audit.entries_for(audit.SUBSCRIBER, subscriber.id)
    assert entry.actor_name == "telegram:123456789 Reza Karimi, the nigh"  # the column's 40
    assert entry.action == "document.reject"
    assert entry.before == {"document": document.id, "status": "pending"}
    assert entry.after == {
        "document": document.id,
        "kind": "national_id_card",
        "status": "rejected",
        "reject_code": "illegible",
        "note": "blurred",
        "grace_until": (clock.now() + WEEK).isoformat(),
    }


async def test_rejecting_a_copy_gives_one_week_to_send_a_valid_one(db, document_reviews, clock):
    subscriber = await make_subscriber()
    document = await upload(document_reviews, subscriber)

    await document_reviews.review_document(
        document.id, approve=False, reason=RejectReason.ILLEGIBLE, note="  تصویر ناخوانا است  "
    )

    view = (await queries.documents(subscriber.id))[0]
    assert view.status == DocumentStatus.REJECTED
    assert view.reject_code == RejectReason.ILLEGIBLE
    assert view.reject_reason == "تصویر ناخوانا است"
    assert view.grace_until == clock.now() + WEEK


async def test_a_rejection_needs_a_reason_from_the_list_and_changes_nothing_without_one(
    db, document_reviews
):
    subscriber = await make_subscriber()
    document = await upload(document_reviews, subscriber)

    missing = await refused(document_reviews.review_document(document.id, approve=False))
    unknown = await refused(
        document_reviews.review_document(document.id, approve=False, reason="ugly")
    )
    long_note = await refused(
        document_reviews.review_document(document.id, approve=False, reason="other", note="x" * 501)
    )

    assert (missing.code, unknown.code, long_note.code) == (
        "reject_reason_required",
        "unknown_reject_reason",
        "note_too_long",
    )
    assert (await Document.get(id=document.id)).status == DocumentStatus.PENDING
    assert not await OutboxMessage.exists()
    assert await audit.entries_for(audit.SUBSCRIBER, subscriber.id) == []


async def test_a_rejection_tells_the_subscriber_at_once_with_the_reason_and_the_days_left(
    db, document_reviews, clock
):
    subscriber = await make_subscriber()
    document = await rejected_copy(document_reviews, subscriber)

    [notice] = await OutboxMessage.all()
    assert notice.subscriber_id == subscriber.id and notice.kind == "document_rejected"
    assert notice.params == {
        "document_kind": "national_id_card",
        "reason_code": "illegible",
        "reason": "blurred",
        "grace_until": (clock.now() + WEEK).isoformat(),
        "days_left": 7,
    }
    assert notice.dedup_key == f"document_rejected:{subscriber.id}:{document.id}"


async def test_a_copy_is_reviewed_once(db, document_reviews):
    subscriber = await make_subscriber()
    document = await rejected_copy(document_reviews, subscriber)

    error = await refused(document_reviews.review_document(document.id, approve=True))

    assert error.code == "document_already_reviewed"
    assert (await Document.get(id=document.id)).status == DocumentStatus.REJECTED


async def test_reviewing_a_missing_document_is_not_found(db, document_reviews):
    error = await refused(document_reviews.review_document(404, approve=True))

    assert error.code == "document_not_found"


# ---- the grace period -----------------------------------------------------------------------


async def test_the_line_is_not_cut_within_the_week(db, document_reviews, clock):
    subscriber = await make_subscriber()
    await rejected_copy(document_reviews, subscriber)

    clock.advance(WEEK - timedelta(minutes=1))

    assert await document_reviews.enforce_document_grace() == 0
    assert await status_of(subscriber) == LineStatus.IN_OPERATION


async def test_after_the_week_the_line_is_cut_and_the_history_says_why(db, document_reviews, clock):
    subscriber = await make_subscriber()
    await rejected_copy(document_reviews, subscriber)

    clock.advance(WEEK)
    cut = await document_reviews.enforce_document_grace()

    assert cut == 1
    assert await status_of(subscriber) == LineStatus.DOCUMENTS_SUSPENDED
    history = await queries.line_status_history(subscriber.id)
    assert [(h.status, h.reason, h.changed_at) for h in history] == [
        (LineStatus.DOCUMENTS_SUSPENDED, "documents: national_id_card", clock.now())
    ]


async def test_enforcing_again_cuts_nothing_more(db, document_reviews, clock):
    subscriber = await make_subscriber()
    await rejected_copy(document_reviews, subscriber)
    clock.advance(WEEK)
    await document_reviews.enforce_document_grace()

    clock.advance(timedelta(days=1))

    assert await document_reviews.enforce_document_grace() == 0
    assert await LineStatusChange.filter(subscriber_id=subscriber.id).count() == 1


async def test_only_lines_past_their_grace_are_cut(db, document_reviews, clock):
    late = await make_subscriber("1132455123")
    in_time = await make_subscriber("1132455124")
    await rejected_copy(document_reviews, late)
    clock.advance(timedelta(days=3))
    await rejected_copy(document_reviews, in_time)

    clock.advance(timedelta(days=4))

    assert await document_reviews.enforce_document_grace() == 1
    assert await status_of(late) == LineStatus.DOCUMENTS_SUSPENDED
    assert await status_of(in_time) == LineStatus.IN_OPERATION


async def test_concurrent_enforcement_cuts_a_line_once(pg, document_reviews, clock):
    subscriber = await make_subscriber(line_status=LineStatus.ISOLATED)
    await rejected_copy(document_reviews, subscriber)
    clock.advance(WEEK)

    cuts = await asyncio.gather(*(document_reviews.enforce_document_grace() for _ in range(5)))

    assert sum(cuts) == 1
    history = await queries.line_status_history(subscriber.id)
    assert [h.status for h in history] == [LineStatus.ISOLATED, LineStatus.DOCUMENTS_SUSPENDED]


async def test_a_newer_pending_copy_saves_the_line(db, document_reviews, clock):
    subscriber = await make_subscriber()
    await rejected_copy(document_reviews, subscriber)
    clock.advance(timedelta(days=6))
    await upload(document_reviews, subscriber)

    clock.advance(timedelta(days=2))

    assert await document_reviews.enforce_document_grace() == 0
    assert await status_of(subscriber) == LineStatus.IN_OPERATION


async def test_a_copy_of_another_kind_does_not_save_the_line(db, document_reviews, clock):
    subscriber = await make_subscriber()
    await rejected_copy(document_reviews, subscriber, DocumentKind.NATIONAL_ID_CARD)
    await upload(document_reviews, subscriber, DocumentKind.PHONE_BILL)

    clock.advance(WEEK)

    assert await document_reviews.enforce_document_grace() == 1


async def test_a_rejected_replacement_starts_a_new_week(db, document_reviews, clock):
    subscriber = await make_subscriber()
    await rejected_copy(document_reviews, subscriber)
    clock.advance(timedelta(days=5))
    await rejected_copy(document_reviews, subscriber)

    clock.advance(timedelta(days=5))
    assert await document_reviews.enforce_document_grace() == 0
    clock.advance(timedelta(days=2))
    assert await document_reviews.enforce_document_grace() == 1


async def test_a_closed_line_is_not_cut(db, document_reviews, clock):
    subscriber = await make_subscriber(line_status=LineStatus.CLOSED)
    await rejected_copy(document_reviews, subscriber)

    clock.advance(WEEK)

    assert await document_reviews.enforce_document_grace() == 0
    assert await status_of(subscriber) == LineStatus.CLOSED


async def test_approving_a_valid_copy_gives_the_line_back(db, document_reviews, clock):
    subscriber = await make_subscriber()
    await rejected_copy(document_reviews, subscriber)
    clock.advance(WEEK)
    await document_reviews.enforce_document_grace()
    clock.advance(timedelta(days=1))
    replacement = await upload(document_reviews, subscriber)
    pending_only = await status_of(subscriber)

    await document_reviews.review_document(replacement.id, approve=True)

    assert pending_only == LineStatus.DOCUMENTS_SUSPENDED  # a pending copy is not enough
    assert await status_of(subscriber) == LineStatus.IN_OPERATION
    history = await queries.line_status_history(subscriber.id)
    assert [(h.status, h.reason) for h in history] == [
        (LineStatus.DOCUMENTS_SUSPENDED, "documents: national_id_card"),
        (LineStatus.IN_OPERATION, "documents approved"),
    ]
    assert history[1].changed_at - history[0].changed_at == timedelta(days=1)


async def test_approval_restores_the_status_the_line_had_before_the_cut(
    db, line_statuses, document_reviews, clock
):
    subscriber = await make_subscriber()
    await line_statuses.set_line_status(subscriber.id, LineStatus.ISOLATED, "deposit not paid")
    await rejected_copy(document_reviews, subscriber)
    clock.advance(WEEK)
    await document_reviews.enforce_document_grace()

    replacement = await upload(document_reviews, subscriber)
    await document_reviews.review_document(replacement.id, approve=True)

    assert await status_of(subscriber) == LineStatus.ISOLATED


async def test_approval_restores_a_status_the_line_was_created_with(db, document_reviews, clock):
    """A line installed as isolated (Indonesian "isolir") has no history row yet when cut."""
    subscriber = await make_subscriber(line_status=LineStatus.ISOLATED)
    await rejected_copy(document_reviews, subscriber)
    clock.advance(WEEK)
    await document_reviews.enforce_document_grace()

    replacement = await upload(document_reviews, subscriber)
    await document_reviews.review_document(replacement.id, approve=True)

    assert await status_of(subscriber) == LineStatus.ISOLATED
    history = await queries.line_status_history(subscriber.id)
    assert [h.status for h in history] == [
        LineStatus.ISOLATED,
        LineStatus.DOCUMENTS_SUSPENDED,
        LineStatus.ISOLATED,
    ]


async def test_the_line_stays_cut_while_another_kind_is_still_missing(db, document_reviews, clock):
    subscriber = await make_subscriber()
    await rejected_copy(document_reviews, subscriber, DocumentKind.NATIONAL_ID_CARD)
    await rejected_copy(document_reviews, subscriber, DocumentKind.LEASE)
    clock.advance(WEEK)
    await document_reviews.enforce_document_grace()

    card = await upload(document_reviews, subscriber, DocumentKind.NATIONAL_ID_CARD)
    await document_reviews.review_document(card.id, approve=True)
    still_cut = await status_of(subscriber)
    lease = await upload(document_reviews, subscriber, DocumentKind.LEASE)
    await document_reviews.review_document(lease.id, approve=True)

    assert still_cut == LineStatus.DOCUMENTS_SUSPENDED
    assert await status_of(subscriber) == LineStatus.IN_OPERATION


async def test_approving_a_copy_does_not_touch_a_line_cut_for_other_reasons(
    db, line_statuses, document_reviews
):
    subscriber = await make_subscriber()
    await line_statuses.set_line_status(subscriber.id, "in_collection_list", "service ran out")

    document = await upload(document_reviews, subscriber)
    await document_reviews.review_document(document.id, approve=True)

    assert await status_of(subscriber) == LineStatus.IN_COLLECTION_LIST


# ---- line status history --------------------------------------------------------------------


async def test_every_status_change_is_recorded_with_its_date(db, line_statuses, clock):
    subscriber = await make_subscriber()
    first = clock.now()
    await line_statuses.set_line_status(subscriber.id, "in_collection_list", "service ran out")
    clock.advance(timedelta(days=3, hours=2))
    renewed = clock.now()
    await line_statuses.set_line_status(subscriber.id, "in_operation", "renewed online")

    history = await queries.line_status_history(subscriber.id)

    assert [(h.status, h.reason, h.changed_at) for h in history] == [
        (LineStatus.IN_COLLECTION_LIST, "service ran out", first),
        (LineStatus.IN_OPERATION, "renewed online", renewed),
    ]
    assert (await queries.profile(subscriber.id)).line_status == LineStatus.IN_OPERATION


async def test_setting_the_status_the_line_already_has_records_nothing(db, line_statuses):
    subscriber = await make_subscriber()

    changed = await line_statuses.set_line_status(subscriber.id, "in_operation")

    assert changed is False
    assert await queries.line_status_history(subscriber.id) == []


async def test_an_unknown_status_or_subscriber_is_refused(db, line_statuses):
    subscriber = await make_subscriber()

    unknown_status = await refused(line_statuses.set_line_status(subscriber.id, "paused"))
    unknown_subscriber = await refused(line_statuses.set_line_status(404, "closed"))

    assert unknown_status.code == "unknown_line_status"
    assert unknown_subscriber.code == "subscriber_not_found"


# ---- the rule as pure functions -------------------------------------------------------------


class Doc:
    def __init__(self, id, kind, status, grace_until=None):
        self.id, self.kind, self.status, self.grace_until = id, kind, status, grace_until


def test_per_kind_the_latest_copy_decides(clock):
    now = clock.now()
    past = now - timedelta(seconds=1)
    card, bill = DocumentKind.NATIONAL_ID_CARD, DocumentKind.PHONE_BILL
    docs = [
        Doc(1, card, DocumentStatus.REJECTED, past),
        Doc(2, card, DocumentStatus.PENDING),
        Doc(3, bill, DocumentStatus.PENDING),
        Doc(4, bill, DocumentStatus.REJECTED, past),
    ]

    assert kinds_to_cut_for(docs, now) == [bill]
    assert kinds_still_unapproved(docs, now) == [card, bill]  # a pending copy is not approval

"""Plain reads of the accounts domain, returning frozen dataclasses. No writes here: those go
through the accounts' services. ``get_subscriber`` hands out the model for the core's own
services only."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.accounts.enums import DocumentKind, DocumentStatus, Language, LineStatus, RejectReason
from core.accounts.models import ChatIdentity, Document, LineStatusChange, Subscriber
from core.accounts.profile import missing_profile_fields
from core.errors import NotFound

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SubscriberView:
    """A subscriber as the rest of the system sees them: no password, internet password or
    counters."""

    id: int
    customer_number: str
    username: str
    full_name: str
    national_id: str | None
    mobile: str | None
    email: str | None
    # The email channel's state of the address (models.Subscriber says what each means).
    email_verified_at: datetime | None
    email_notices: bool
    email_bounced_at: datetime | None
    email_bounce: str | None
    postal_code: str | None
    education: str | None
    birth_date: date | None
    is_company: bool
    address: str | None
    city: str | None
    exchange_centre: str | None
    language: Language
    timezone: str | None
    preferred_channel: str | None
    # The notice kinds not to be sent (core/alerts/preferences.py).
    muted_notices: frozenset[str]
    currency: str
    line_status: LineStatus
    static_ip: str | None
    static_ip_until: datetime | None
    route_ip: str | None
    # Bumped by an operator to let the subscriber take the free charge once more.
    free_charge_generation: int
    # What the new line still owes before it is opened (deposit and installation fee).
    deposit_due: int
    installation_fee_due: int
    # What the unpaid postpaid bills that isolated the line owe.
    unpaid_bills_due: int
    created_at: datetime | None
    # When a paused service resumes (core/billing/pauses.py); None when not paused.
    paused_until: datetime | None = None

    @property
    def email_usable(self) -> bool:
        """Notices may go to the email address: confirmed, never refused for good, and email
        notices on (whether email is configured at all is the sender's business)."""
        return bool(
            self.email
            and self.email_verified_at is not None
            and self.email_bounced_at is None
            and self.email_notices
        )

    @classmethod
    def of(cls, row: Subscriber) -> SubscriberView:
        return cls(
            id=row.id,
            customer_number=row.customer_number,
            username=row.username,
            full_name=row.full_name,
            national_id=row.national_id,
            mobile=row.mobile,
            email=row.email,
            email_verified_at=row.email_verified_at,
            email_notices=row.email_notices,
            email_bounced_at=row.email_bounced_at,
            email_bounce=row.email_bounce,
            postal_code=row.postal_code,
            education=row.education,
            birth_date=row.birth_date,
            is_company=row.is_company,
            address=row.address,
            city=row.city,
            exchange_centre=row.exchange_centre,
            language=Language(row.language),
            timezone=row.timezone,
            preferred_channel=row.preferred_channel,
            muted_notices=frozenset(filter(None, row.muted_notices.split(","))),
            currency=row.currency,
            line_status=LineStatus(row.line_status),
            static_ip=row.static_ip,
            static_ip_until=row.static_ip_until,
            route_ip=row.route_ip,
            free_charge_generation=row.free_charge_generation,
            deposit_due=row.deposit_due,
            installation_fee_due=row.installation_fee_due,
            unpaid_bills_due=row.unpaid_bills_due,
            created_at=row.created_at,
            paused_until=row.paused_until,
        )


@dataclass(frozen=True, slots=True)
class ChatView:
    """A chat on one channel and, while it is logged in, its subscriber."""

    id: int
    channel: str
    external_id: str
    subscriber: SubscriberView | None
    # The chat's own language (None until chosen or hinted).
    language: Language | None
    unreachable: bool
    opted_out: bool
    last_seen_at: datetime | None
    logged_in_at: datetime | None

    @property
    def subscriber_id(self) -> int | None:
        return self.subscriber.id if self.subscriber is not None else None

    @classmethod
    def of(cls, row: ChatIdentity, subscriber: Subscriber | None) -> ChatView:
        return cls(
            id=row.id,
            channel=row.channel,
            external_id=row.external_id,
            subscriber=SubscriberView.of(subscriber) if subscriber is not None else None,
            language=Language(row.language) if row.language else None,
            unreachable=row.unreachable,
            opted_out=row.opted_out,
            last_seen_at=row.last_seen_at,
            logged_in_at=row.logged_in_at,
        )


@dataclass(frozen=True, slots=True)
class Profile(SubscriberView):
    """The subscriber as the profile shows them, with what is still to be filled in."""

    # Names of the empty personal fields: when not empty, the dialog asks to complete them.
    missing_fields: tuple[str, ...] = ()

    @property
    def birth_date_locked(self) -> bool:
        return self.birth_date is not None

    @property
    def complete(self) -> bool:
        return not self.missing_fields


@dataclass(frozen=True, slots=True)
class DocumentView:
    id: int
    kind: DocumentKind
    filename: str
    content_type: str
    size: int
    status: DocumentStatus
    # The reason from the reviewers' list, and their free-text note.
    reject_code: RejectReason | None
    reject_reason: str | None
    uploaded_at: datetime
    reviewed_at: datetime | None
    # Who gave the verdict (None: unknown, or not reviewed yet).
    reviewed_by: str | None
    # Set on a rejection: a valid copy must arrive before this or the line is cut.
    grace_until: datetime | None
    file_key: str

    @classmethod
    def of(cls, row: Document) -> DocumentView:
        return cls(
            id=row.id,
            kind=DocumentKind(row.kind),
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            status=DocumentStatus(row.status),
            reject_code=RejectReason(row.reject_code) if row.reject_code else None,
            reject_reason=row.reject_reason,
            uploaded_at=row.uploaded_at,
            reviewed_at=row.reviewed_at,
            reviewed_by=row.reviewed_by,
            grace_until=row.grace_until,
            file_key=row.file_key,
        )


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: LineStatus
    reason: str
    changed_at: datetime


async def get_subscriber(subscriber_id: int) -> Subscriber:
    """The subscriber; NotFound ``subscriber_not_found`` when there is none."""
    subscriber = await Subscriber.get_or_none(id=subscriber_id)
    if subscriber is None:
        raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
    return subscriber


async def subscriber_view(subscriber_id: int) -> SubscriberView:
    """The subscriber; NotFound ``subscriber_not_found`` when there is none."""
    return SubscriberView.of(await get_subscriber(subscriber_id))


async def subscriber_by_username(username: str) -> SubscriberView:
    """The subscriber; NotFound ``subscriber_not_found`` when there is none."""
    subscriber = await Subscriber.get_or_none(username=username)
    if subscriber is None:
        raise NotFound("subscriber_not_found", username=username)
    return SubscriberView.of(subscriber)


async def subscriber_page(
    limit: int,
    offset: int = 0,
    *,
    username: str | None = None,
    exchange_centre: str | None = None,
    line_status: LineStatus | None = None,
) -> list[SubscriberView]:
    """Subscribers in the order they were added, those filters given all holding."""
    rows = Subscriber.all().order_by("id")
    wanted = {"username": username, "exchange_centre": exchange_centre, "line_status": line_status}
    for name, value in wanted.items():
        if value is not None:
            rows = rows.filter(**{name: value})
    return [SubscriberView.of(s) for s in await rows.offset(offset).limit(limit)]


async def profile(subscriber_id: int) -> Profile:
    s = await get_subscriber(subscriber_id)
    view = SubscriberView.of(s)
    fields = {f.name: getattr(view, f.name) for f in dataclasses.fields(SubscriberView)}
    return Profile(**fields, missing_fields=tuple(missing_profile_fields(s)))


async def documents(subscriber_id: int) -> list[DocumentView]:
    """The subscriber's documents, newest first."""
    rows = await Document.filter(subscriber_id=subscriber_id).order_by("-uploaded_at", "-id")
    return [DocumentView.of(d) for d in rows]


@dataclass(frozen=True, slots=True)
class DocumentForReview:
    """A copy with whose it is, as the reviewers list them."""

    document: DocumentView
    subscriber_id: int
    username: str
    full_name: str

    @classmethod
    def of(cls, row: Document) -> DocumentForReview:
        """``row`` with its subscriber fetched (select_related)."""
        return cls(
            document=DocumentView.of(row),
            subscriber_id=row.subscriber.id,
            username=row.subscriber.username,
            full_name=row.subscriber.full_name,
        )


async def documents_for_review(
    limit: int, offset: int = 0, status: DocumentStatus = DocumentStatus.PENDING
) -> list[DocumentForReview]:
    """Copies in ``status``, oldest upload first: the reviewers' queue."""
    rows = (
        await Document.filter(status=status)
        .select_related("subscriber")
        .order_by("uploaded_at", "id")
        .offset(offset)
        .limit(limit)
    )
    return [DocumentForReview.of(row) for row in rows]


async def document_for_review(document_id: int) -> DocumentForReview:
    """One copy with its subscriber. Code: ``document_not_found``."""
    row = await Document.get_or_none(id=document_id).select_related("subscriber")
    if row is None:
        raise NotFound("document_not_found", document_id=document_id)
    return DocumentForReview.of(row)


async def line_status_history(subscriber_id: int) -> list[StatusChange]:
    """Every change of the line's status, oldest first (the seed's table)."""
    rows = await LineStatusChange.filter(subscriber_id=subscriber_id).order_by("changed_at", "id")
    return [
        StatusChange(status=LineStatus(r.status), reason=r.reason, changed_at=r.changed_at)
        for r in rows
    ]


async def subscriber_for_chat(channel: str, external_id: str) -> SubscriberView | None:
    """The subscriber this chat is logged in as, or None."""
    chat = await ChatIdentity.get_or_none(channel=channel, external_id=external_id)
    if chat is None or chat.subscriber_id is None:  # type: ignore[attr-defined]
        return None
    subscriber = await Subscriber.get_or_none(id=chat.subscriber_id)  # type: ignore[attr-defined]
    return SubscriberView.of(subscriber) if subscriber is not None else None


async def find_chat(channel: str, external_id: str) -> ChatView | None:
    """The chat, if it has ever written to us; a read only (``identify_chat`` creates)."""
    chat = await ChatIdentity.get_or_none(channel=channel, external_id=external_id).select_related(
        "subscriber"
    )
    if chat is None:
        return None
    return ChatView.of(chat, chat.subscriber)


async def is_opted_out(channel: str, external_id: str) -> bool:
    return await ChatIdentity.filter(
        channel=channel, external_id=external_id, opted_out=True
    ).exists()


async def lines_of_mobile(mobile: str) -> list[SubscriberView]:
    """The lines whose registered mobile this is (a mobile can serve several), oldest first."""
    return [SubscriberView.of(s) for s in await Subscriber.filter(mobile=mobile).order_by("id")]


async def reach_of(subscriber_id: int) -> tuple[SubscriberView, list[ChatView]] | None:
    """The subscriber and their chats, the one used last first (where a notice may go)."""
    subscriber = await Subscriber.get_or_none(id=subscriber_id)
    if subscriber is None:
        return None
    chats = await ChatIdentity.filter(subscriber_id=subscriber_id).order_by("-id")
    # A chat never seen (linked by an operator, not yet written from) goes last on both
    # databases; PostgreSQL would put it first in a descending ORDER BY.
    chats.sort(key=lambda c: c.last_seen_at or _NEVER, reverse=True)
    return SubscriberView.of(subscriber), [ChatView.of(c, subscriber) for c in chats]


async def chats_of(subscriber_id: int) -> list[ChatView]:
    """The chats logged in as the subscriber (where alerts can go)."""
    chats = await ChatIdentity.filter(subscriber_id=subscriber_id).order_by("id")
    if not chats:
        return []
    subscriber = await get_subscriber(subscriber_id)
    return [ChatView.of(chat, subscriber) for chat in chats]

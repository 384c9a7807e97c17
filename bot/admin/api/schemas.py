"""Request and response bodies of the admin API. The OpenAPI document is generated from these
models, so what is validated and what is documented cannot drift apart."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from core.accounts.document_reviews import REVIEW_NOTE_MAX_LENGTH
from core.accounts.enums import DocumentKind, DocumentStatus, Language, LineStatus, RejectReason
from core.alerts.texts import TEXT_MAX_LENGTH
from core.billing.enums import Billing, BillState, OrderKind, OrderStatus, PlanKind
from core.inbox.queries import OutboxState
from core.tickets.enums import TicketStatus
from core.tickets.limits import BODY_MAX_LENGTH

# PostgreSQL's bigint, and below it: no number we accept can overflow a column.
BIG = 10**15
Text = Annotated[str, StringConstraints(max_length=500)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
Texts = Annotated[
    dict[
        Literal["fa", "id", "en"],
        Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX_LENGTH)],
    ],
    Field(min_length=1),
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class SubscriberFields(Body):
    customer_number: Annotated[str, StringConstraints(max_length=20)] | None = None
    full_name: Annotated[str, StringConstraints(max_length=120)] | None = None
    mobile: Annotated[str, StringConstraints(max_length=32)] | None = None
    national_id: Annotated[str, StringConstraints(max_length=32)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    language: Language | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    is_company: bool | None = None
    birth_date: date | None = None
    postal_code: Annotated[str, StringConstraints(max_length=16)] | None = None
    city: Annotated[str, StringConstraints(max_length=60)] | None = None
    address: Text | None = None
    exchange_centre: Annotated[str, StringConstraints(max_length=60)] | None = None
    static_ip: Annotated[str, StringConstraints(max_length=45)] | None = None
    plan: Code | None = None
    panel_password: Annotated[str, StringConstraints(max_length=128)] | None = None
    internet_password: Annotated[str, StringConstraints(max_length=128)] | None = None

    def as_cells(self) -> dict[str, str]:
        """The given fields as the strings a CSV row would hold (subscriber_rows.py)."""
        cells = {}
        for name, value in self.model_dump(exclude_none=True).items():
            if isinstance(value, bool):
                cells[name] = "yes" if value else "no"
            elif isinstance(value, date):
                cells[name] = value.isoformat()
            else:
                cells[name] = str(getattr(value, "value", value))
        return cells


class SubscriberCreate(SubscriberFields):
    username: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^\S+$")]


class SubscriberUpdate(SubscriberFields):
    """Only the fields given change; the birth date can be set once."""


class SubscriberOut(BaseModel):
    id: int
    username: str
    customer_number: str
    full_name: str
    mobile: str | None
    national_id: str | None
    email: str | None
    # The email channel: when the address was confirmed (given by an operator, or a code sent
    # to it came back), whether the subscriber keeps notices by email on, and a bounce (when a
    # mail server refused the address for good, and its words): no email goes there then.
    email_verified_at: datetime | None
    email_notices: bool
    email_bounced_at: datetime | None
    email_bounce: str | None
    language: Language
    currency: str
    is_company: bool
    birth_date: date | None
    exchange_centre: str | None
    line_status: LineStatus
    static_ip: str | None
    free_charge_generation: int
    deposit_due: int
    installation_fee_due: int


class SubscriberList(BaseModel):
    items: list[SubscriberOut]


class LineStatusChange(Body):
    status: LineStatus
    reason: Annotated[str, StringConstraints(max_length=200)] = ""


class LineStatusResult(BaseModel):
    username: str
    line_status: LineStatus
    changed: bool


class DepositChange(Body):
    """What a new line owes at installation, in minor units of its currency (0: nothing)."""

    # Strict: an amount of money is a JSON integer, never a string or a float made one.
    deposit: Annotated[int, Field(ge=0, le=BIG, strict=True)]
    installation_fee: Annotated[int, Field(ge=0, le=BIG, strict=True)] = 0


class DepositOwed(BaseModel):
    username: str
    deposit_due: int
    installation_fee_due: int
    currency: str
    line_status: LineStatus


class PostpaidChange(Body):
    """Bill the line after each month on a postpaid plan, from its activation (BAAB) date."""

    plan: Code
    activated_on: date


class BillOut(BaseModel):
    """A postpaid bill: the local days billed (``ends_on`` the last), amounts in minor units."""

    starts_on: date
    ends_on: date
    days: int
    carried_days: int
    plan: str
    amount: int
    vat: int
    total: int
    currency: str
    due_on: date
    state: BillState
    issued_at: datetime
    paid_at: datetime | None
    tracking_number: int | None


class BillList(BaseModel):
    items: list[BillOut]


class FreeChargeReset(BaseModel):
    username: str
    free_charge_generation: int


class PauseOut(BaseModel):
    """One pause of the service: ``resumed_at`` None while it lasts; ``resumed_by`` "schedule"
    (its day came) or "subscriber" (asked early)."""

    days: int
    started_at: datetime
    resume_at: datetime
    resumed_at: datetime | None
    resumed_by: str | None
    fee: int
    currency: str


class PauseStateOut(BaseModel):
    """Whether the service is paused, the limits it is paused within (settings), and the last
    pauses: ``used_this_year`` counts those started in the last 365 days; when none is left,
    ``next_allowed_at`` says when the next may start."""

    username: str
    paused: bool
    current: PauseOut | None
    min_days: int
    max_days: int
    times_a_year: int
    fee: int
    currency: str
    used_this_year: int
    next_allowed_at: datetime | None
    recent: list[PauseOut]


class LoginLinkCreate(Body):
    """A one-time link that logs a chat in without the password; ``send_sms`` also sends it to
    the line's registered mobile."""

    send_sms: bool = False


class LoginLinkOut(BaseModel):
    username: str
    # What a person sends on WhatsApp or SMS where a link cannot open the chat.
    code: str
    expires_at: datetime
    # By channel: webchat always; telegram with ISPBOT_TELEGRAM_BOT_USERNAME; whatsapp when on.
    links: dict[str, str]
    sent_sms: bool


class NoticePreferencesIn(Body):
    """Replaces both: the channel notices try first and the kinds muted."""

    preferred_channel: Annotated[str, StringConstraints(max_length=16)] | None = Field(
        description="a channel notices try first (telegram, whatsapp, web, email, sms); null "
        "for the usual order (the chat used last first). One the subscriber has not linked yet "
        "counts once they do."
    )
    muted: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]], Field(max_length=20)
    ] = Field(
        description="kinds not to send; only service_expiring, traffic_low, "
        "free_charge_ending, announcement and outage may be muted"
    )


class NoticePreferencesOut(BaseModel):
    username: str
    preferred_channel: str | None
    muted: list[str]
    # The kinds that may be muted, and the channels the subscriber can be reached on now (in
    # the order notices try them).
    mutable: list[str]
    reachable_channels: list[str]


class ChatLink(Body):
    channel: Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[a-z]+$")]
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class ChatOut(BaseModel):
    channel: str
    external_id: str
    username: str | None


class PlanFields(Body):
    kind: PlanKind | None = None
    names: (
        dict[Literal["fa", "id", "en"], Annotated[str, StringConstraints(max_length=120)]] | None
    ) = None
    speed_kbps: Annotated[int, Field(ge=1, le=BIG)] | None = None
    traffic_mb: Annotated[int, Field(ge=0, le=BIG)] | None = None
    gift_mb: Annotated[int, Field(ge=0, le=BIG)] | None = None
    bonus_percent: Annotated[int, Field(ge=0, le=1000)] | None = None
    duration_days: Annotated[int, Field(ge=1, le=36600)] | None = None
    price: Annotated[int, Field(ge=0, le=BIG)] | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    billing: Billing | None = None
    monthly_campaign_mb: Annotated[int, Field(ge=0, le=BIG)] | None = None
    active: bool | None = None


class PlanCreate(PlanFields):
    code: Code
    price: Annotated[int, Field(ge=0, le=BIG)]


class PlanUpdate(PlanFields):
    """Only the fields given change."""


class PlanOut(BaseModel):
    code: str
    kind: PlanKind
    names: dict[str, str]
    speed_kbps: int | None
    traffic_mb: int | None
    gift_mb: int
    bonus_percent: int
    duration_days: int
    price: int
    currency: str
    billing: Billing
    monthly_campaign_mb: int
    active: bool


class PlanList(BaseModel):
    items: list[PlanOut]


class OrderOut(BaseModel):
    tracking_number: int
    username: str
    kind: OrderKind
    plan: str
    currency: str
    payable: int
    status: OrderStatus
    created_at: datetime
    paid_at: datetime | None
    refunded: int


class OrderList(BaseModel):
    items: list[OrderOut]


class RefundNote(Body):
    """A refund of a paid order to the subscriber's panel credit, with the operator's note."""

    note: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    amount: Annotated[int, Field(ge=1, le=BIG)] | None = Field(
        default=None, description="default: the whole amount paid"
    )


class TicketOut(BaseModel):
    number: int
    username: str | None
    department: str
    priority: str
    status: TicketStatus
    subject: str
    related_service: str | None = Field(
        description="the code of the plan whose service the ticket is about, or null"
    )
    created_at: datetime
    updated_at: datetime


class TicketList(BaseModel):
    items: list[TicketOut]


class TicketAnswer(Body):
    agent_name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    # The core's limit, said in the 422: a longer answer is refused, never cut.
    body: Annotated[str, StringConstraints(min_length=1, max_length=BODY_MAX_LENGTH)]


class TicketClose(Body):
    agent_name: Annotated[str, StringConstraints(min_length=1, max_length=120)]


class OutageOpen(Body):
    """Name an exchange centre or a plan (one of the two)."""

    texts: Texts
    exchange_centre: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = None
    plan_code: Code | None = None
    estimated_repair_at: AwareDatetime | None = None
    force: bool = Field(
        default=False, description="send even when no subscriber has the centre or the plan"
    )


class OutageUpdate(Body):
    texts: Texts
    estimated_repair_at: AwareDatetime | None = None


class OutageResolve(Body):
    texts: dict[
        Literal["fa", "id", "en"], Annotated[str, StringConstraints(max_length=TEXT_MAX_LENGTH)]
    ] = {}


class OutageOut(BaseModel):
    id: int
    exchange_centre: str | None
    plan_code: str | None
    texts: dict[str, str]
    started_at: datetime
    estimated_repair_at: datetime | None
    repaired_at: datetime | None
    reports: int


class OutageList(BaseModel):
    items: list[OutageOut]


class OutageReport(BaseModel):
    outage: OutageOut
    messages: int = Field(description="alerts written to the outbox for this report")


class BroadcastIn(Body):
    """To everyone, or the subscribers of an exchange centre, or those on a plan."""

    texts: Texts
    exchange_centre: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = None
    plan_code: Code | None = None
    force: bool = Field(
        default=False, description="send even when no subscriber has the centre or the plan"
    )


class BroadcastOut(BaseModel):
    announcement_id: int
    messages: int


class DocumentOut(BaseModel):
    id: int
    username: str
    full_name: str
    kind: DocumentKind
    filename: str
    content_type: str
    size: int
    status: DocumentStatus
    reject_code: RejectReason | None
    reject_reason: str | None = Field(description="the reviewer's free-text note")
    uploaded_at: datetime
    reviewed_at: datetime | None
    grace_until: datetime | None = Field(
        description="after a rejection: the line is cut if no valid copy arrives by then"
    )


class DocumentList(BaseModel):
    items: list[DocumentOut]


class DocumentReview(Body):
    """Approve, or reject with a reason from the list (and an optional note the subscriber
    reads too)."""

    decision: Literal["approve", "reject"]
    reason: RejectReason | None = Field(default=None, description="required to reject")
    note: Annotated[str, StringConstraints(max_length=REVIEW_NOTE_MAX_LENGTH)] | None = None


class FieldProblem(BaseModel):
    field: str
    message: str


class ValidationProblem(BaseModel):
    error: Literal["validation_failed"]
    fields: list[FieldProblem]


class Problem(BaseModel):
    error: str
    details: dict[str, Any] = {}


class Page(Body):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=10**6)] = 0


class SubscriberQuery(Page):
    username: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    exchange_centre: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = None
    line_status: LineStatus | None = None


class OrderQuery(Page):
    status: OrderStatus | None = None
    username: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None


class DocumentQuery(Page):
    state: DocumentStatus = DocumentStatus.PENDING


class TicketQuery(Page):
    status: TicketStatus | None = None


class OutboxQuery(Page):
    state: OutboxState | None = Field(
        default=None,
        description="waiting (not sent yet), sent, or expired (too old to send: never sent)",
    )
    kind: Code | None = None
    subscriber_id: Annotated[int, Field(ge=1, le=2147483647)] | None = None


class OutboxOut(BaseModel):
    id: int
    subscriber_id: int
    kind: str
    state: OutboxState
    created_at: datetime
    sent_at: datetime | None
    expired_at: datetime | None
    attempts: int
    last_error: str | None


class OutboxList(BaseModel):
    items: list[OutboxOut]


class CardChargeQuery(Body):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    before: Annotated[int, Field(ge=1, le=2147483647)] | None = Field(
        default=None, description="the next_before of the page seen: the page after it"
    )


class CardChargeOut(BaseModel):
    """A renewal's saved card charge, sent, that the provider holds no payment of and that is
    too old to send again: pending until staff settle it in the console. Amounts in minor
    units; the provider's customer, card and idempotency key to look it up by."""

    tracking_number: int
    username: str
    kind: OrderKind
    plan: str | None
    payable: int
    currency: str
    gateway: str | None
    card_sent_at: datetime
    unresolved_at: datetime | None = Field(
        description="when a run found the provider holding no payment of it (null: not asked "
        "since it became too old to send again)"
    )
    customer_ref: str | None
    method_ref: str | None
    idempotency_key: str


class CardChargeList(BaseModel):
    items: list[CardChargeOut]
    # How many wait, all pages together.
    count: int
    next_before: int | None

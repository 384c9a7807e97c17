"""Subscribers, their chat identities, documents, line status history and login throttles."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.accounts.enums import DocumentKind, DocumentStatus, Language, LineStatus, RejectReason


class Subscriber(Model):
    id = fields.IntField(primary_key=True)
    customer_number = fields.CharField(max_length=20, unique=True)
    # The line's phone number or a code without the leading zero.
    username = fields.CharField(max_length=32, unique=True)
    password_hash = fields.CharField(max_length=255)
    # Kept in clear because RADIUS CHAP/MS-CHAP needs it (FreeRADIUS Cleartext-Password).
    internet_password = fields.CharField(max_length=128, default="")
    # Indexed: the staff console finds a subscriber by it.
    national_id = fields.CharField(max_length=20, null=True, db_index=True)
    # E.164, e.g. +989121234567
    mobile = fields.CharField(max_length=20, null=True, db_index=True)
    email = fields.CharField(max_length=254, null=True)
    # The email channel (bot/handlers/email): the address counts once confirmed (a code sent
    # to it came back, or an operator gave it), while the subscriber keeps email notices on
    # and until a mail server refuses it for good (a bounce: when, and the server's words).
    email_verified_at = fields.DatetimeField(null=True)
    email_notices = fields.BooleanField(default=True, db_default=True)
    email_bounced_at = fields.DatetimeField(null=True)
    email_bounce = fields.CharField(max_length=200, null=True)
    full_name = fields.CharField(max_length=120, default="")
    postal_code = fields.CharField(max_length=16, null=True)
    education = fields.CharField(max_length=60, null=True)
    # Birth date, or registration date for a company. Write-once.
    birth_date = fields.DateField(null=True)
    is_company = fields.BooleanField(default=False)
    address = fields.TextField(null=True)
    city = fields.CharField(max_length=60, null=True)
    exchange_centre = fields.CharField(max_length=60, null=True, db_index=True)
    language = fields.CharEnumField(Language, max_length=2, default=Language.FA)
    # Indexed: alerts go out at local times, so due subscribers are selected zone by zone.
    timezone = fields.CharField(max_length=40, null=True, db_index=True)
    # The channel alerts try first ("telegram", "whatsapp", "sms"); None: the usual order.
    preferred_channel = fields.CharField(max_length=16, null=True)
    # The notice kinds the subscriber muted, sorted and comma-separated ("outage,traffic_low"),
    # only those core/alerts/preferences.py lets be muted; "" for none. Kept on the row (not a
    # table) so a sweep's page of alerts is settled with the one query it already makes.
    muted_notices = fields.CharField(max_length=200, default="", db_default="")
    currency = fields.CharField(max_length=3, default="IRR")
    line_status = fields.CharEnumField(
        LineStatus, max_length=24, default=LineStatus.IN_OPERATION, db_index=True
    )
    # Unique: two lines never hold one address (an order claims it; see billing.static_ips).
    static_ip = fields.CharField(max_length=45, null=True, unique=True)
    static_ip_until = fields.DatetimeField(null=True)
    route_ip = fields.CharField(max_length=64, null=True)
    # Bumped by an operator to let the subscriber take the free charge once more.
    free_charge_generation = fields.IntField(default=0)
    # What a new line still owes at installation (minor units, set by staff): the line stays
    # isolated until both are paid, together, by one "deposit" order.
    deposit_due = fields.BigIntField(default=0, db_default=0)
    installation_fee_due = fields.BigIntField(default=0, db_default=0)
    # What the postpaid bills that isolated the line (unpaid past their last day and the grace)
    # owe, in minor units: kept by the billing core, it says why the line is isolated.
    unpaid_bills_due = fields.BigIntField(default=0, db_default=0)
    # Renew the service from the wallet when it ends (core/billing/auto_renew.py): with the
    # plan of this code, or the plan in force when None.
    auto_renew = fields.BooleanField(default=False, db_default=False)
    auto_renew_plan_code = fields.CharField(max_length=32, null=True)
    # While the service is paused (core/billing/pauses.py): when it resumes. Kept on the line
    # so that RADIUS, the alerts and auto-renewal tell a paused line by a column they already
    # read; None when not paused.
    paused_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "subscriber"

    def __str__(self) -> str:
        return f"{self.username} ({self.customer_number})"


class OwnerCheck(Model):
    """A change of a detail a password reset trusts (the mobile, the national ID), under way:
    the panel password was given, and for a new mobile a code went to it by SMS. One per
    subscriber; it lapses at ``expires_at``."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.OneToOneRelation[Subscriber] = fields.OneToOneField(
        "core.Subscriber", related_name="owner_check", on_delete=fields.CASCADE
    )
    field = fields.CharField(max_length=16)
    # For a mobile: the number the code went to, and the code's hash.
    new_value = fields.CharField(max_length=20, null=True)
    code_hash = fields.CharField(max_length=64, null=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "owner_check"


class LoginLink(Model):
    """A one-time link that logs a chat in without the password (from an SMS or the ISP's
    site). Only the token's SHA-256 is kept: the token itself is in the link alone."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="login_links", on_delete=fields.CASCADE
    )
    subscriber_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(index=True)
    used_at = fields.DatetimeField(null=True)
    # The chat it logged in (channel:external id), for the subscriber's and staff's questions.
    used_by = fields.CharField(max_length=150, null=True)

    class Meta:
        table = "login_link"


class EmailCheck(Model):
    """A new email address waiting for the code sent to it, one per subscriber, until it
    lapses at ``expires_at``."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.OneToOneRelation[Subscriber] = fields.OneToOneField(
        "core.Subscriber", related_name="email_check", on_delete=fields.CASCADE
    )
    address = fields.CharField(max_length=254)
    code_hash = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "email_check"


class ChatIdentity(Model):
    """A chat on one channel, linked to a subscriber while logged in."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16)
    external_id = fields.CharField(max_length=128)
    subscriber: fields.ForeignKeyNullableRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="chats", null=True, on_delete=fields.SET_NULL
    )
    language = fields.CharEnumField(Language, max_length=2, null=True)
    # The platform refused us (user blocked the bot): alerts go elsewhere.
    unreachable = fields.BooleanField(default=False)
    # The person asked for no more messages here (SMS STOP); START clears it. Kept apart from
    # ``unreachable``: only the person, never a delivery failure, may undo it.
    opted_out = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(null=True)
    logged_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "chat_identity"
        unique_together = (("channel", "external_id"),)
        # Alerts read the chats of a page of subscribers; the console's dashboard counts the
        # chats seen in a period.
        indexes = (("subscriber_id",), ("last_seen_at",))


class Throttle(Model):
    """A counter of failures under one key (``login:account:42``, ``login:chat:web:abc``...)."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=160, unique=True)
    failures = fields.IntField(default=0)
    window_started_at = fields.DatetimeField(null=True)
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "throttle"


class Document(Model):
    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="documents", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(DocumentKind, max_length=20)
    file_key = fields.CharField(max_length=255)
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=100)
    size = fields.IntField()
    status = fields.CharEnumField(DocumentStatus, max_length=10, default=DocumentStatus.PENDING)
    reject_code = fields.CharEnumField(RejectReason, max_length=20, null=True)
    # The reviewer's free-text note beside the reason from the list.
    reject_reason = fields.TextField(null=True)
    uploaded_at = fields.DatetimeField()
    reviewed_at = fields.DatetimeField(null=True)
    # Who gave the verdict, as they were called then (None: not reviewed, or by the admin API
    # or the agents' group before they named the reviewer).
    reviewed_by = fields.CharField(max_length=120, null=True)
    # After a rejection: a valid copy must arrive before this, or the line is cut.
    grace_until = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "document"
        # The review queue (oldest upload first), its history (latest verdict first), and a
        # subscriber's documents (their page in the console, the chat's My documents).
        indexes = (
            ("status", "uploaded_at", "id"),
            ("status", "reviewed_at", "id"),
            ("subscriber_id",),
        )


class LineStatusChange(Model):
    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="status_changes", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(LineStatus, max_length=24)
    reason = fields.CharField(max_length=200, default="")
    changed_at = fields.DatetimeField()

    class Meta:
        table = "line_status_change"
        ordering = ["changed_at", "id"]
        indexes = (("subscriber_id",),)  # a subscriber's history, without reading everyone's

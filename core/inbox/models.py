"""The subscriber's message box, announcements, and the outbox of messages still to send."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from core.accounts.models import Subscriber
    from core.billing.models import Plan


class InboxMessage(Model):
    """A notification that was sent: when, on which channel, to which address, and why."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="inbox", on_delete=fields.CASCADE
    )
    subscriber_id: int
    kind = fields.CharField(max_length=40)
    params: dict = fields.JSONField(default=dict)
    channel = fields.CharField(max_length=16)
    address = fields.CharField(max_length=128)
    sent_at = fields.DatetimeField()

    class Meta:
        table = "inbox_message"
        ordering = ["-sent_at", "-id"]
        # A subscriber's message box; the console's dashboard counts a period's messages.
        indexes = (("subscriber_id", "sent_at"), ("sent_at",))


class OutboxMessage(Model):
    """A message to a subscriber written in the same transaction as the change it reports,
    and sent after commit: a crash after commit still sends it, one before commit sends nothing."""

    id = fields.IntField(primary_key=True)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="outbox", on_delete=fields.CASCADE
    )
    subscriber_id: int
    kind = fields.CharField(max_length=40)
    params: dict = fields.JSONField(default=dict)
    # Makes an event produce at most one message (e.g. "order_applied:469627").
    dedup_key = fields.CharField(max_length=120, unique=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True, db_index=True)
    # Too old to make sense when the relay got to it (core/inbox/freshness.py): never sent.
    # A message is waiting while both this and ``sent_at`` are empty.
    expired_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=200, null=True)
    # Not before this time: a relay's claim (a lease, so a crashed relay's message is retried)
    # and, after a failed attempt, the backoff.
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    # The report or broadcast the message is one of ("outage:7:2", "announcement:12"), so the
    # console counts how far one went without reading every other message; None for the rest.
    batch = fields.CharField(max_length=40, null=True, db_index=True)
    # Where it went once sent; while it waits after a failed attempt, the channel that failed.
    channel = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "outbox_message"


class Announcement(Model):
    """Shown at each login to the subscribers it is chosen for (all, a plan, or an exchange)."""

    id = fields.IntField(primary_key=True)
    # Text per language: {"fa": "...", "id": "...", "en": "..."}
    texts: dict = fields.JSONField(default=dict)
    plan: fields.ForeignKeyNullableRelation[Plan] = fields.ForeignKeyField(
        "core.Plan", related_name="announcements", null=True
    )
    plan_id: int | None
    exchange_centre = fields.CharField(max_length=60, null=True)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField(null=True)

    class Meta:
        table = "announcement"

"""Support tickets: a thread of messages between a subscriber (or a lead) and the support team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from core.tickets.enums import (
    AuthorKind,
    Department,
    Priority,
    TicketKind,
    TicketStatus,
)

if TYPE_CHECKING:
    from core.accounts.models import Subscriber
    from core.alerts.models import Outage
    from core.staff.models import StaffMember


class Ticket(Model):
    id = fields.IntField(primary_key=True)
    number = fields.IntField(unique=True)
    subscriber: fields.ForeignKeyNullableRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name="tickets", null=True, on_delete=fields.CASCADE
    )
    subscriber_id: int | None
    kind = fields.CharEnumField(TicketKind, max_length=16, default=TicketKind.SUPPORT)
    department = fields.CharEnumField(Department, max_length=10)
    priority = fields.CharEnumField(Priority, max_length=10, default=Priority.MEDIUM)
    status = fields.CharEnumField(
        TicketStatus, max_length=16, default=TicketStatus.OPEN, db_index=True
    )
    subject = fields.CharField(max_length=200)
    # The subscriber's service the ticket is about (the plan's code when it was opened), or
    # None for none in particular.
    related_service = fields.CharField(max_length=40, null=True)
    # Leads have no subscriber: how to reach them, and what they asked for.
    contact_name = fields.CharField(max_length=120, null=True)
    contact_phone = fields.CharField(max_length=20, null=True)
    # Where the subscriber talked to us from, to answer on the same channel.
    channel = fields.CharField(max_length=16, null=True)
    chat_external_id = fields.CharField(max_length=128, null=True)
    language = fields.CharField(max_length=2, default="fa")
    assigned_to = fields.CharField(max_length=120, null=True)
    satisfaction = fields.SmallIntField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)
    # The agents' group takes the ticket up only when the subscriber writes after this: the
    # demo's tickets are history, played as of days ago, not questions for today's agents.
    desk_after = fields.DatetimeField(null=True)
    # Opened from the connection check: what it found (core/support/connection.py's record),
    # shown to the agents on the ticket's card; and the outage open then, whose repair the
    # subscriber is told of.
    diagnosis: dict | None = fields.JSONField(null=True)
    outage: fields.ForeignKeyNullableRelation[Outage] = fields.ForeignKeyField(
        "core.Outage", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    outage_id: int | None

    class Meta:
        table = "ticket"
        ordering = ["-updated_at", "-id"]
        # The console's inbox: a state's tickets, most recently changed first, paged by key;
        # and a subscriber's tickets.
        indexes = (("status", "updated_at", "id"), ("subscriber_id",))


class TicketMessage(Model):
    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "core.Ticket", related_name="messages", on_delete=fields.CASCADE
    )
    ticket_id: int
    author_kind = fields.CharEnumField(AuthorKind, max_length=10)
    author_name = fields.CharField(max_length=120, default="")
    body = fields.TextField()
    # An agents' note: never shown to the subscriber.
    internal = fields.BooleanField(default=False)
    # Written in the staff console by this member (None: the subscriber, the agents' group or
    # the system). The agents' group is shown what the console wrote (bot/handlers/agents/).
    staff_member: fields.ForeignKeyNullableRelation[StaffMember] = fields.ForeignKeyField(
        "core.StaffMember", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    staff_member_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "ticket_message"
        ordering = ["created_at", "id"]


class TicketAttachment(Model):
    id = fields.IntField(primary_key=True)
    message: fields.ForeignKeyRelation[TicketMessage] = fields.ForeignKeyField(
        "core.TicketMessage", related_name="attachments", on_delete=fields.CASCADE
    )
    message_id: int
    file_key = fields.CharField(max_length=255)
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=100)
    size = fields.IntField()

    class Meta:
        table = "ticket_attachment"

"""A ticket's topic in the agents' group, and the live conversations agents hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from core.tickets.models import Ticket


class TicketTopic(Model):
    """The agents' group topic of one ticket. The row is written before the topic exists (a
    claim, retried with backoff until the group takes it), so a ticket never loses its topic
    when the group is briefly unreachable."""

    id = fields.IntField(primary_key=True)
    ticket: fields.OneToOneRelation[Ticket] = fields.OneToOneField(
        "core.Ticket", related_name="topic", on_delete=fields.CASCADE
    )
    ticket_id: int
    group_chat_id = fields.BigIntField()
    # The forum topic's id; None until the group created it.
    thread_id = fields.BigIntField(null=True)
    # The last ticket message already shown in the topic (the subscriber's messages after it
    # are posted there next).
    mirrored_message_id = fields.IntField(default=0)
    # Closed in the group: a subscriber's new message opens it again.
    topic_closed = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    # Not before this time: a relay's claim (a lease) or, after a failure, the backoff.
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    last_error = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "handoff_ticket_topic"


class LiveSession(Model):
    """An agent holds the conversation: the subscriber's messages in that chat go to the ticket
    (and its topic) instead of the dialogs, until ``/done`` or the idle timeout."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "core.Ticket", related_name="live_sessions", on_delete=fields.CASCADE
    )
    ticket_id: int
    channel = fields.CharField(max_length=16)
    chat_external_id = fields.CharField(max_length=128)
    agent_name = fields.CharField(max_length=120)
    started_at = fields.DatetimeField()
    last_activity_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True, db_index=True)
    # "done", "idle", "closed" or "replaced" (the agent took the chat for another ticket).
    end_reason = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "handoff_live_session"
        indexes = (("channel", "chat_external_id"),)

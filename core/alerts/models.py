"""Outages: a disruption at an exchange centre or on a plan, reported from start to repair."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from core.accounts.models import Subscriber
    from core.billing.models import Plan


class Outage(Model):
    """Who is affected is named by an exchange centre or a plan (one of the two)."""

    id = fields.IntField(primary_key=True)
    exchange_centre = fields.CharField(max_length=60, null=True)
    plan: fields.ForeignKeyNullableRelation[Plan] = fields.ForeignKeyField(
        "core.Plan", related_name="outages", null=True
    )
    plan_id: int | None
    # What the subscribers are told, per language: {"fa": "...", "id": "...", "en": "..."}
    texts: dict = fields.JSONField(default=dict)
    started_at = fields.DatetimeField()
    estimated_repair_at = fields.DatetimeField(null=True)
    repaired_at = fields.DatetimeField(null=True)
    # How many reports went out: each one's messages carry its number in their dedup key.
    reports = fields.IntField(default=0)

    class Meta:
        table = "outage"


class OutageWatch(Model):
    """A subscriber to tell when an outage is repaired.

    "Tell me when it is fixed", from the connection check: told even if they muted outage
    reports (core/alerts/broadcast.py)."""

    id = fields.IntField(primary_key=True)
    outage: fields.ForeignKeyRelation[Outage] = fields.ForeignKeyField(
        "core.Outage", related_name="watches", on_delete=fields.CASCADE
    )
    outage_id: int
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "core.Subscriber", related_name=False, on_delete=fields.CASCADE
    )
    subscriber_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "outage_watch"
        unique_together = (("outage_id", "subscriber_id"),)

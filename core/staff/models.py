"""Staff accounts of the console and the audit log of what they change."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.accounts.enums import Language
from core.staff.roles import StaffRole


class StaffMember(Model):
    id = fields.IntField(primary_key=True)
    # Stored folded to lower case: "Sara" and "sara" are one account.
    username = fields.CharField(max_length=40, unique=True)
    full_name = fields.CharField(max_length=120, default="")
    role = fields.CharEnumField(StaffRole, max_length=10)
    password_hash = fields.CharField(max_length=255)
    language = fields.CharEnumField(Language, max_length=2, default=Language.EN)
    # Base32 secret of the TOTP second factor; None: password only.
    totp_secret = fields.CharField(max_length=64, null=True)
    # The last 30-second step a code was accepted for: a code seen once is not accepted again.
    totp_last_step = fields.BigIntField(null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_member"


class AuditEntry(Model):
    """One change a staff member (or the command line) made, written in the change's own
    transaction: who, what, to what, the values before and after, and when."""

    id = fields.IntField(primary_key=True)
    actor: fields.ForeignKeyNullableRelation[StaffMember] = fields.ForeignKeyField(
        "core.StaffMember", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    # Who, as they were called then ("sara", or "cli" for a command on the server).
    actor_name = fields.CharField(max_length=40)
    action = fields.CharField(max_length=40)
    target_type = fields.CharField(max_length=20)
    target_id = fields.CharField(max_length=64)
    before: dict | None = fields.JSONField(null=True)
    after: dict | None = fields.JSONField(null=True)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "audit_entry"
        # A subscriber's page lists what was done to them, newest first.
        indexes = (("target_type", "target_id", "at"),)


class CannedReply(Model):
    """A reply the support team keeps ready, in one language: the console offers those of a
    ticket's language beside its answer form. Retired ones are kept (never offered again)."""

    id = fields.IntField(primary_key=True)
    language = fields.CharEnumField(Language, max_length=2)
    title = fields.CharField(max_length=80)
    body = fields.TextField()
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "canned_reply"
        indexes = (("language", "active", "title"),)


class DashboardSnapshot(Model):
    """The dashboard's figures for one period as last counted (core/staff/dashboard_snapshots.py):
    counting them at a million subscribers takes seconds, reading this row milliseconds."""

    id = fields.IntField(primary_key=True)
    period = fields.CharField(max_length=8)
    # The zone whose local days the figures count (the ISP's).
    zone = fields.CharField(max_length=64)
    # The figures as JSON (the dataclasses of core/staff/dashboard.py).
    figures = fields.TextField()
    computed_at = fields.DatetimeField()

    class Meta:
        table = "dashboard_snapshot"
        unique_together = (("period", "zone"),)

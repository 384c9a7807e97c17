"""Admin API tokens. Only a hash of each token is stored: a leaked database gives no access."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AdminToken(Model):
    id = fields.IntField(primary_key=True)
    # Who or what holds it ("billing-sync", "ops-dashboard"): revoked by this name.
    name = fields.CharField(max_length=60, unique=True)
    # SHA-256 of the token, hex. The token is 32 random bytes, so a fast hash is enough.
    token_hash = fields.CharField(max_length=64, unique=True)
    # The token's first characters, to recognise it in a list without storing it.
    prefix = fields.CharField(max_length=12)
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "admin_token"

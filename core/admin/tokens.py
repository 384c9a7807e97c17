"""Create, check and revoke admin API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from core.admin.models import AdminToken
from core.errors import Conflict, InvalidInput, NotFound
from core.ports import Clock

PREFIX = "isp_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewToken:
    name: str
    token: str  # shown once, never stored


class AdminTokens:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def create(self, name: str) -> NewToken:
        """Errors: invalid_token_name, token_name_taken."""
        if not _NAME.match(name or ""):
            raise InvalidInput("invalid_token_name", field="name")
        if await AdminToken.filter(name=name).exists():
            raise Conflict("token_name_taken", name=name)
        token = PREFIX + secrets.token_urlsafe(32)
        await AdminToken.create(
            name=name,
            token_hash=token_hash(token),
            prefix=token[: len(PREFIX) + 4],
            created_at=self.clock.now(),
        )
        return NewToken(name, token)

    async def authenticate(self, token: str) -> AdminToken | None:
        """The live token the bearer holds, or None (unknown or revoked)."""
        if not token.startswith(PREFIX) or len(token) > 100:
            return None
        found = await AdminToken.get_or_none(token_hash=token_hash(token), revoked_at=None)
        if found is not None:
            await AdminToken.filter(id=found.id).update(last_used_at=self.clock.now())
        return found

    async def revoke(self, name: str) -> None:
        """Errors: token_not_found."""
        moved = await AdminToken.filter(name=name, revoked_at=None).update(
            revoked_at=self.clock.now()
        )
        if not moved:
            raise NotFound("token_not_found", name=name)

    async def list(self) -> list[AdminToken]:
        return await AdminToken.all().order_by("id")

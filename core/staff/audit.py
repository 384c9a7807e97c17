"""The audit log: every change made from the console or the staff commands, with who made it,
what it changed and the values before and after. ``record`` is called inside the transaction of
the change it describes, so a change is never without its entry nor an entry without its change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.staff.models import AuditEntry

# What a command run on the server is recorded as (no staff member is logged in there).
COMMAND_LINE = "cli"
# The target of a change to a subscriber or what is theirs (the console's subscriber page lists
# the entries of this target).
SUBSCRIBER = "subscriber"
# actor_name's column length.
ACTOR_NAME_MAX_LENGTH = 40


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: a staff member (``id``) or the command line (``id`` None)."""

    id: int | None
    name: str

    @classmethod
    def outside(cls, kind: str, name: str) -> Actor:
        """Someone who is no staff member of the console: an admin API token (``kind`` "api",
        its name) or a support agent in the Telegram group ("telegram", their user id and
        name), named so within the column's length."""
        return cls(None, f"{kind}:{name}"[:ACTOR_NAME_MAX_LENGTH])


CLI_ACTOR = Actor(None, COMMAND_LINE)


@dataclass(frozen=True, slots=True)
class AuditView:
    id: int
    actor_name: str
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


async def record(
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | int,
    now: datetime,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Write the entry; call it inside the transaction that makes the change."""
    await AuditEntry.create(
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
        at=now,
    )


async def entries_for(target_type: str, target_id: str | int, limit: int = 50) -> list[AuditView]:
    """What was done to one target, newest first."""
    rows = (
        await AuditEntry.filter(target_type=target_type, target_id=str(target_id))
        .order_by("-at", "-id")
        .limit(limit)
    )
    return [_view(row) for row in rows]


async def latest(limit: int = 50) -> list[AuditView]:
    rows = await AuditEntry.all().order_by("-at", "-id").limit(limit)
    return [_view(row) for row in rows]


def _view(row: AuditEntry) -> AuditView:
    return AuditView(
        id=row.id,
        actor_name=row.actor_name,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        before=row.before,
        after=row.after,
        at=row.at,
    )

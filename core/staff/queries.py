"""Plain reads of the staff accounts, as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.accounts.enums import Language
from core.staff.models import StaffMember
from core.staff.roles import Permission, StaffRole, may


@dataclass(frozen=True, slots=True)
class StaffView:
    """A staff member as the console sees them: no password hash, no TOTP secret."""

    id: int
    username: str
    full_name: str
    role: StaffRole
    language: Language
    has_totp: bool
    active: bool
    last_login_at: datetime | None

    def may(self, permission: Permission) -> bool:
        return may(self.role, permission)

    @classmethod
    def of(cls, row: StaffMember) -> StaffView:
        return cls(
            id=row.id,
            username=row.username,
            full_name=row.full_name,
            role=StaffRole(row.role),
            language=Language(row.language),
            has_totp=row.totp_secret is not None,
            active=row.active,
            last_login_at=row.last_login_at,
        )


async def active_member(staff_id: int) -> StaffView | None:
    """The member if the account still exists and is active (a session's every request)."""
    row = await StaffMember.get_or_none(id=staff_id, active=True)
    return StaffView.of(row) if row is not None else None


async def staff_list() -> list[StaffView]:
    return [StaffView.of(row) for row in await StaffMember.all().order_by("username")]

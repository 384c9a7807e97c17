"""Staff accounts: creating them, logging in under the subscribers' lockout (the same limits,
the same reserve-then-check counters of core/accounts/lockout.py), the TOTP second factor, and
the language they work in. Every change is audited in its own transaction."""

from __future__ import annotations

import hmac
import re

import pyotp
from tortoise.transactions import in_transaction

from core.accounts import passwords, throttle
from core.accounts.enums import Language
from core.accounts.keys import staff_login_key
from core.accounts.lockout import Lockout
from core.config import Settings
from core.errors import Conflict, FieldErrors, InvalidInput, NotFound
from core.ports import Clock
from core.staff import audit
from core.staff.audit import Actor
from core.staff.models import StaffMember
from core.staff.queries import StaffView
from core.staff.roles import StaffRole

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MAX_FULL_NAME = 120
TOTP_ISSUER = "ispbot"
# A code is accepted for its own 30-second step and the one on either side (clocks drift).
TOTP_DRIFT_STEPS = 1


def clean_username(username: str) -> str:
    return username.strip().casefold()


class StaffAccounts:
    def __init__(self, settings: Settings, clock: Clock, lockout: Lockout) -> None:
        self.settings = settings
        self.clock = clock
        self.lockout = lockout

    async def create(
        self,
        actor: Actor,
        username: str,
        password: str,
        role: str,
        *,
        full_name: str = "",
        language: str = Language.EN,
    ) -> StaffView:
        """Errors: FieldErrors (``invalid_staff_username``, ``unknown_staff_role``,
        ``invalid_full_name``, ``unknown_language``, ``password_too_weak``/``_too_long``),
        ``staff_username_taken``."""
        name = clean_username(username)
        problems: list[tuple[str, str]] = []
        if not _USERNAME.match(name):
            problems.append(("username", "invalid_staff_username"))
        if role not in {r.value for r in StaffRole}:
            problems.append(("role", "unknown_staff_role"))
        if len(full_name.strip()) > MAX_FULL_NAME:
            problems.append(("full_name", "invalid_full_name"))
        if language not in {lang.value for lang in Language}:
            problems.append(("language", "unknown_language"))
        try:
            passwords.check_strength(password, name)
        except InvalidInput as weak:
            problems.append(("password", weak.code))
        if problems:
            raise FieldErrors(problems)
        hashed = await passwords.hash_password(self.settings, password)
        now = self.clock.now()
        async with in_transaction():
            if await StaffMember.filter(username=name).exists():
                raise Conflict("staff_username_taken", username=name)
            row = await StaffMember.create(
                username=name,
                full_name=full_name.strip(),
                role=StaffRole(role),
                password_hash=hashed,
                language=Language(language),
                created_at=now,
            )
            await audit.record(
                actor,
                "staff.create",
                "staff",
                row.id,
                now,
                after={"username": name, "role": role, "language": language},
            )
        return StaffView.of(row)

    async def authenticate(self, username: str, password: str, code: str = "") -> StaffView:
        """The member whose password (and TOTP code, when they have one) this is.

        Errors: ``login_failed`` (``attempts_left``) for any wrong part, without saying which,
        and ``login_locked`` (``minutes_left``): the subscribers' lockout, on a key per staff
        username. An unknown or inactive name costs the same hash check and gets the same
        answers.
        """
        name = clean_username(username)[:40]
        keys = [staff_login_key(name)]
        now = self.clock.now()
        await self.lockout.reserve(keys, now)
        row = await StaffMember.get_or_none(username=name, active=True) if name else None
        match = passwords.Match.WRONG
        step: int | None = None
        if row is None:
            await passwords.dummy_verify(self.settings, password)
        else:
            match = await passwords.check_password(self.settings, row.password_hash, password)
            if match is not passwords.Match.WRONG and row.totp_secret is not None:
                step = self._totp_step(row, code)
                if step is None:
                    match = passwords.Match.WRONG
        if row is None or match is passwords.Match.WRONG:
            raise await self.lockout.failure(keys, now, "login_failed")
        if step is not None and not await self._spend_totp_step(row.id, step):
            # The same code raced in twice: the second is a failure like any wrong code.
            raise await self.lockout.failure(keys, now, "login_failed")
        await throttle.clear(keys)
        await StaffMember.filter(id=row.id).update(last_login_at=now)
        row.last_login_at = now
        if match is passwords.Match.RIGHT_OLD_SPELLING or passwords.needs_rehash(
            self.settings, row.password_hash
        ):
            new = await passwords.hash_password(self.settings, password)
            await StaffMember.filter(id=row.id, password_hash=row.password_hash).update(
                password_hash=new
            )
        return StaffView.of(row)

    async def set_up_totp(self, actor: Actor, username: str) -> str:
        """Give the member a new TOTP secret (an old one stops working); returns the otpauth://
        URI an authenticator app reads. Errors: ``staff_not_found``."""
        name = clean_username(username)
        secret = pyotp.random_base32()
        now = self.clock.now()
        async with in_transaction():
            row = await StaffMember.get_or_none(username=name)
            if row is None:
                raise NotFound("staff_not_found", username=name)
            await StaffMember.filter(id=row.id).update(totp_secret=secret, totp_last_step=None)
            await audit.record(
                actor,
                "staff.totp",
                "staff",
                row.id,
                now,
                before={"totp": row.totp_secret is not None},
                after={"totp": True},
            )
        return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)

    async def set_language(self, actor: Actor, staff_id: int, language: str) -> None:
        """The language the member works in. Errors: ``unknown_language``."""
        if language not in {lang.value for lang in Language}:
            raise InvalidInput("unknown_language", field="language")
        now = self.clock.now()
        async with in_transaction():
            row = await StaffMember.get_or_none(id=staff_id)
            if row is None:
                raise NotFound("staff_not_found", staff_id=staff_id)
            if row.language == language:
                return
            await StaffMember.filter(id=staff_id).update(language=Language(language))
            await audit.record(
                actor,
                "staff.language",
                "staff",
                staff_id,
                now,
                before={"language": str(row.language)},
                after={"language": language},
            )

    def _totp_step(self, row: StaffMember, code: str) -> int | None:
        """The time step ``code`` is the member's code for, near now; None if it is none."""
        typed = passwords.fold(code).replace(" ", "")
        if not typed.isdigit() or row.totp_secret is None:
            return None
        totp = pyotp.TOTP(row.totp_secret)
        now_step = totp.timecode(self.clock.now())
        for step in range(now_step - TOTP_DRIFT_STEPS, now_step + TOTP_DRIFT_STEPS + 1):
            if hmac.compare_digest(totp.generate_otp(step), typed):
                return step
        return None

    async def _spend_totp_step(self, staff_id: int, step: int) -> bool:
        """Mark the step used; False when it (or a later one) was used already (a replay)."""
        fresh = StaffMember.filter(id=staff_id).filter(totp_last_step__lt=step)
        if await fresh.update(totp_last_step=step):
            return True
        return bool(
            await StaffMember.filter(id=staff_id, totp_last_step__isnull=True).update(
                totp_last_step=step
            )
        )

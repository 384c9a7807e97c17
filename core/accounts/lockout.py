"""The lockout of an account: wrong logins and wrong old passwords (a borrowed phone must not
become a way to guess the password) count toward the same limit on the same keys, and the last
allowed failure locks them for ``lockout_minutes``. Also the password reset's allowance, whose
counters are purged with the lockout's.

An attempt is reserved *before* the secret is checked (throttle.py says why).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from core.accounts import throttle
from core.accounts.keys import login_account_key
from core.config import Settings
from core.errors import DomainError
from core.ports import Clock


def login_limit(settings: Settings) -> throttle.Limit:
    lockout = timedelta(minutes=settings.lockout_minutes)
    return throttle.Limit(settings.lockout_attempts, lockout, lock_for=lockout)


def reset_limit(settings: Settings) -> throttle.Limit:
    """How many password resets a chat or a username may ask for in an hour (no lock)."""
    return throttle.Limit(settings.password_reset_per_hour, timedelta(hours=1))


class Lockout:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.limit = login_limit(settings)

    async def reserve(self, keys: Sequence[str], now: datetime) -> None:
        """Take an attempt from every key; ``login_locked`` (``minutes_left``) if one has none."""
        try:
            await throttle.reserve(keys, self.limit, now)
        except throttle.Blocked as blocked:
            raise DomainError("login_locked", minutes_left=blocked.minutes_left(now)) from None

    async def failure(self, keys: Sequence[str], now: datetime, code: str) -> DomainError:
        """A reserved attempt failed: lock the keys that reached the limit. The error to raise
        says how many attempts are left (``code``, ``attempts_left``) or that the lock is on."""
        await throttle.lock_exhausted(keys, self.limit, now)
        left = await throttle.attempts_left(keys, self.limit)
        if left == 0:
            return DomainError("login_locked", minutes_left=self.settings.lockout_minutes)
        return DomainError(code, attempts_left=left)

    async def check_on_account(
        self, subscriber_id: int, is_right: Callable[[], Awaitable[bool]], code: str
    ) -> None:
        """One attempt of a secret counted on the account, as a login's is: raise ``code``
        (``attempts_left``) or ``login_locked`` when ``is_right`` says no; a right one starts
        the count afresh."""
        keys = [login_account_key(subscriber_id)]
        now = self.clock.now()
        await self.reserve(keys, now)
        if not await is_right():
            raise await self.failure(keys, now, code)
        await throttle.clear(keys)

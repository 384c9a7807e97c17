"""Panel passwords: argon2id hashes, strength rules, generated passwords.

Hashing and verifying are CPU-heavy (that is their point), so the async functions run them in a
worker thread and the event loop keeps serving other chats meanwhile.
"""

from __future__ import annotations

import asyncio
import secrets
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from core.config import Settings
from core.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 128
# No 0/O, 1/l/I: the password is read off an SMS and typed by hand.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


@lru_cache(maxsize=8)
def _hasher(memory_kib: int, time_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID)


def hasher(settings: Settings) -> PasswordHasher:
    return _hasher(settings.argon2_memory_kib, settings.argon2_time_cost)


@lru_cache(maxsize=8)
def _dummy_hash(memory_kib: int, time_cost: int) -> str:
    return _hasher(memory_kib, time_cost).hash(secrets.token_urlsafe(16))


def _verify_sync(settings: Settings, hashed: str, plain: str) -> bool:
    try:
        return hasher(settings).verify(hashed, plain)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(settings: Settings, plain: str) -> str:
    return await asyncio.to_thread(hasher(settings).hash, plain)


async def verify_password(settings: Settings, hashed: str, plain: str) -> bool:
    """True if ``plain`` is the password; False for a wrong one or an unusable hash."""
    return await asyncio.to_thread(_verify_sync, settings, hashed, plain)


async def dummy_verify(settings: Settings, plain: str) -> bool:
    """Spend the time a real check would, for a user who does not exist. Always False."""
    dummy = await asyncio.to_thread(
        _dummy_hash, settings.argon2_memory_kib, settings.argon2_time_cost
    )
    await verify_password(settings, dummy, plain)
    return False


def needs_rehash(settings: Settings, hashed: str) -> bool:
    """The hash was made with other costs than the settings' (they were raised since)."""
    try:
        return hasher(settings).check_needs_rehash(hashed)
    except (InvalidHashError, ValueError):
        return True


def check_strength(password: str, username: str = "") -> None:
    """Raise ``password_too_weak`` (``reason``, ``min_length``) or ``password_too_long``."""
    if len(password) > MAX_LENGTH:
        raise InvalidInput("password_too_long", max_length=MAX_LENGTH)
    reason = None
    if len(password) < MIN_LENGTH:
        reason = "too_short"
    elif len(set(password)) == 1:
        reason = "one_character"
    elif username and password.casefold() == username.casefold():
        reason = "same_as_username"
    if reason:
        raise InvalidInput("password_too_weak", reason=reason, min_length=MIN_LENGTH)


def generate_password(length: int = 10) -> str:
    """A random password of letters and digits (at least one of each) without look-alikes."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate

"""Panel passwords: argon2id hashes, strength rules, generated passwords.

Hashing and verifying are CPU-heavy (that is their point), so the async functions run them in a
worker thread and the event loop keeps serving other chats meanwhile.

A password's digits are the same digits in any script: ``demo۱۲۳۴`` is ``demo1234``. The hash is of
the password with ASCII digits (``fold``); hashes made before that rule, of Persian or
Arabic-Indic digits as typed, still verify (``check_password``) and are made anew on the next
login.
"""

from __future__ import annotations

import asyncio
import enum
import secrets
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from core.accounts.phones import ascii_digits
from core.config import Settings
from core.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 128
# No 0/O, 1/l/I: the password is read off an SMS and typed by hand.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
# How a hash made before digits were folded may spell them: Persian, then Arabic-Indic.
_OLD_DIGITS = [str.maketrans("0123456789", digits) for digits in ("۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩")]


class Match(enum.Enum):
    """What a typed password is to a stored hash."""

    WRONG = "wrong"  # or the hash is unusable
    RIGHT = "right"
    # Right, but the hash is of another spelling of its digits (made before they were folded):
    # store the hash of the folded password.
    RIGHT_OLD_SPELLING = "right_old_spelling"


def fold(password: str) -> str:
    """The password as it is hashed: Persian and Arabic-Indic digits as 0-9."""
    return ascii_digits(password)


def _old_spellings(typed: str) -> list[str]:
    """What a hash made before folding may be of, for a password typed as ``typed``: its digits
    all Persian, all Arabic-Indic (whichever script they were typed in), or as typed (a hash of
    a password mixing scripts)."""
    folded = fold(typed)
    if not any(c.isdigit() for c in folded):
        return []
    spellings = [folded.translate(table) for table in _OLD_DIGITS] + [typed]
    return [s for i, s in enumerate(spellings) if s != folded and s not in spellings[:i]]


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


def _match_sync(settings: Settings, hashed: str, typed: str) -> Match:
    if _verify_sync(settings, hashed, fold(typed)):
        return Match.RIGHT
    for spelling in _old_spellings(typed):
        if _verify_sync(settings, hashed, spelling):
            return Match.RIGHT_OLD_SPELLING
    return Match.WRONG


async def hash_password(settings: Settings, plain: str) -> str:
    """The hash of the password with its digits folded to 0-9."""
    return await asyncio.to_thread(hasher(settings).hash, fold(plain))


async def check_password(settings: Settings, hashed: str, typed: str) -> Match:
    """Whether ``typed`` is the password, its digits in any script. A wrong password with digits
    costs a check per old spelling too (up to three more): still one attempt for the lockout."""
    return await asyncio.to_thread(_match_sync, settings, hashed, typed)


async def verify_password(settings: Settings, hashed: str, plain: str) -> bool:
    """True if ``plain`` is the password; False for a wrong one or an unusable hash."""
    return await check_password(settings, hashed, plain) is not Match.WRONG


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
    password, username = fold(password), fold(username)
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

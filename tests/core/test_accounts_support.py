"""Shared helpers of the accounts tests: the seed's subscriber and a cheap password hash.

No tests live here; the other ``test_accounts_*`` modules import from it.
"""

from __future__ import annotations

from functools import lru_cache

from core.accounts import passwords
from core.accounts.models import Subscriber
from core.config import Settings

# The seed's subscriber (partak-crm-customer-panel.fa.txt): کمال نصیری, line 1132455123.
SEED_USERNAME = "1132455123"
SEED_NAME = "کمال نصیری"
PASSWORD = "Partak-1394"
MOBILE = "+989121234567"
NATIONAL_ID = "0076229645"  # a valid کد ملی (mod-11 check digit)

# An Indonesian subscriber: billed in IDR, so Indonesian forms apply to him.
ID_USERNAME = "PADI0042"
ID_MOBILE = "+6281234567890"
NIK = "3174095012900001"


@lru_cache(maxsize=16)
def password_hash(plain: str, memory_kib: int = 1024, time_cost: int = 1) -> str:
    """A hash made with the tests' cheap argon2 costs (cached: hashing is slow on purpose)."""
    settings = Settings(_env_file=None, argon2_memory_kib=memory_kib, argon2_time_cost=time_cost)
    return passwords.hasher(settings).hash(plain)


async def make_subscriber(
    username: str = SEED_USERNAME, password: str = PASSWORD, **extra: object
) -> Subscriber:
    values: dict[str, object] = {
        "customer_number": f"C{username}",
        "username": username,
        "password_hash": password_hash(password),
        "full_name": SEED_NAME,
        "mobile": MOBILE,
        "national_id": NATIONAL_ID,
        "internet_password": "modem-1394",
        **extra,
    }
    return await Subscriber.create(**values)


async def make_indonesian(username: str = ID_USERNAME, **extra: object) -> Subscriber:
    values: dict[str, object] = {
        "mobile": ID_MOBILE,
        "national_id": NIK,
        "currency": "IDR",
        "language": "id",
        "full_name": "Budi Santoso",
        **extra,
    }
    return await make_subscriber(username, **values)

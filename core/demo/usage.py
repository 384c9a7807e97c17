"""The demo's accounting sessions: the seed's usage page to the byte, and a plain daily pattern
for everyone else. Times are local ("HH:MM", so many days ago); the scene turns them into UTC
in the subscriber's own zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.billing.units import BYTES_PER_MB, mb_to_bytes

# The seed's usage page (partak-crm-customer-panel.fa.txt, "ریز مصرف"): yesterday's sessions of
# the first subscriber total 243.63 MB down, 53.39 MB up, 297.02 MB used, 243.62 MB deducted.
SEED_USAGE_USERNAME = "2188001234"
SEED_DOWNLOAD_BYTES = 255_459_328  # 243.625 MB: shown 243.63, deducted (rounded down) 243.62
SEED_UPLOAD_BYTES = 55_984_128  # 53.390625 MB: shown 53.39; with the download 297.02
# Deducted from the seed subscriber's 5 GB so far, so that 4.24 GB are left, as on the seed's panel.
SEED_DEDUCTED_MB = 778


@dataclass(frozen=True, slots=True)
class Session:
    days_ago: int
    start: str  # local "HH:MM"
    end: str
    download: int  # bytes
    upload: int


def _spread(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights``, in whole units that sum to it exactly."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _mb(value: str) -> int:
    """A figure of the seed's table ("23.27" MB) in bytes."""
    whole, _, frac = value.partition(".")
    hundredths = int(whole) * 100 + int((frac + "00")[:2])
    return hundredths * BYTES_PER_MB // 100


# The seed's first page of sessions, as printed (login, logout, download MB, upload MB).
_SEED_PAGE = (
    ("00:43", "02:26", "23.27", "11.08"),
    ("02:27", "04:14", "0.1", "0.1"),
    ("04:14", "05:00", "0.15", "0.07"),
    ("05:02", "05:10", "0", "0"),
    ("05:10", "06:01", "0.04", "0.04"),
    ("06:02", "07:47", "0.16", "0.15"),
    ("07:47", "07:49", "0", "0"),
    ("07:50", "07:55", "0", "0"),
    ("07:56", "07:56", "0", "0"),
    ("07:58", "08:16", "0.14", "0.02"),
)
# The rest of that day (pages 2 and 3 are not in the seed): times and shares of what remains.
_SEED_REST = (
    ("08:20", "10:05", 12, 9),
    ("10:06", "11:40", 25, 14),
    ("11:41", "12:02", 1, 1),
    ("12:03", "13:30", 18, 11),
    ("13:31", "14:55", 9, 6),
    ("14:56", "16:10", 14, 8),
    ("16:11", "17:45", 22, 17),
    ("17:46", "18:20", 3, 2),
    ("18:21", "19:55", 30, 21),
    ("19:56", "21:05", 27, 12),
    ("21:06", "22:15", 19, 10),
    ("22:16", "23:05", 8, 5),
    ("23:06", "23:40", 4, 3),
    ("23:41", "23:59", 2, 1),
)


def seed_usage_day() -> list[Session]:
    """Yesterday's sessions of the seed subscriber: the seed's page, then the rest of the day
    so that the totals are the seed's to the byte."""
    first = [Session(1, start, end, _mb(down), _mb(up)) for start, end, down, up in _SEED_PAGE]
    downs = _spread(
        SEED_DOWNLOAD_BYTES - sum(s.download for s in first), [r[2] for r in _SEED_REST]
    )
    ups = _spread(SEED_UPLOAD_BYTES - sum(s.upload for s in first), [r[3] for r in _SEED_REST])
    rest = [
        Session(1, start, end, down, up)
        for (start, end, _, _), down, up in zip(_SEED_REST, downs, ups, strict=True)
    ]
    return first + rest


def seed_earlier_days() -> list[Session]:
    """The seed subscriber's other days since the service started (4 days ago at 14:09), so
    that SEED_DEDUCTED_MB are deducted in all and 4.24 GB are left."""
    slots = (
        (4, "15:12", "17:40", 9),
        (4, "20:05", "23:58", 17),
        (3, "08:30", "12:10", 11),
        (3, "19:00", "23:30", 23),
        (2, "07:45", "09:00", 4),
        (2, "13:00", "18:20", 15),
        (2, "21:10", "23:55", 21),
    )
    downs = _spread(mb_to_bytes(SEED_DEDUCTED_MB) - SEED_DOWNLOAD_BYTES, [s[3] for s in slots])
    return [
        Session(day, start, end, down, down * 22 // 100)
        for (day, start, end, _), down in zip(slots, downs, strict=True)
    ]


_DAILY_PATTERN = (100, 80, 125, 90, 110, 70, 130)  # percent of a day's usual use
_DAILY_SLOTS = (("12:10", "14:35", 2), ("19:40", "23:25", 5))


def daily_use(days_ago: Sequence[int], daily_mb: int, upload_percent: int = 20) -> list[Session]:
    """Two sessions a day, the day's total varying around ``daily_mb``."""
    sessions = []
    for i, day in enumerate(days_ago):
        total = mb_to_bytes(daily_mb) * _DAILY_PATTERN[i % len(_DAILY_PATTERN)] // 100
        for (start, end, _), down in zip(
            _DAILY_SLOTS, _spread(total, [w for *_, w in _DAILY_SLOTS]), strict=True
        ):
            sessions.append(Session(day, start, end, down, down * upload_percent // 100))
    return sessions


def days(first_ago: int, last_ago: int) -> list[int]:
    """Days ago, oldest first: ``days(5, 1)`` is [5, 4, 3, 2, 1]."""
    return list(range(first_ago, last_ago - 1, -1))

"""Traffic units: bytes are stored, MB and GB are shown. 1024 MB = 1 GB (the seed's rule).

Shown figures are ``Decimal`` with two places, never floats. Usage is rounded half up; the credit
deducted is rounded down, so it is never shown larger than it was (the seed's usage page shows a
total download of 243.63 MB next to a total deducted of 243.62 MB for the same bytes).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

BYTES_PER_KB = 1024
BYTES_PER_MB = 1024 * 1024
MB_PER_GB = 1024
BYTES_PER_GB = BYTES_PER_MB * MB_PER_GB

_TWO_PLACES = Decimal("0.01")


def mb_to_bytes(megabytes: int) -> int:
    if megabytes < 0:
        raise ValueError("traffic cannot be negative")
    return int(megabytes) * BYTES_PER_MB


def gb_to_bytes(gigabytes: int) -> int:
    if gigabytes < 0:
        raise ValueError("traffic cannot be negative")
    return int(gigabytes) * BYTES_PER_GB


def bytes_to_mb(nbytes: int, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Megabytes with two decimals: 255,459,328 bytes -> Decimal('243.63')."""
    return (Decimal(nbytes) / BYTES_PER_MB).quantize(_TWO_PLACES, rounding=rounding)


def bytes_to_gb(nbytes: int, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Gigabytes with two decimals: 4,552,665,088 bytes -> Decimal('4.24')."""
    return (Decimal(nbytes) / BYTES_PER_GB).quantize(_TWO_PLACES, rounding=rounding)


def mb_to_gb(megabytes: int) -> Decimal:
    """A plan's volume for display: 5120 MB -> Decimal('5.00')."""
    return (Decimal(megabytes) / MB_PER_GB).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def deducted_mb(nbytes: int) -> Decimal:
    """The credit deducted, in MB, rounded down (never shown larger than it was)."""
    return bytes_to_mb(nbytes, rounding=ROUND_DOWN)


def format_gb(nbytes: int) -> str:
    """``'4.24'``: the digits only; the unit and the locale's digits are the caller's."""
    return f"{bytes_to_gb(nbytes):.2f}"


def format_mb(nbytes: int) -> str:
    return f"{bytes_to_mb(nbytes):.2f}"

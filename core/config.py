"""Settings read from the environment (prefix ``ISPBOT_``), validated once at start-up."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class QuotaDirections(StrEnum):
    """Which traffic directions count against the subscriber's quota."""

    DOWNLOAD = "download"
    UPLOAD = "upload"
    BOTH = "both"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ISPBOT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite://var/ispbot.sqlite3"
    redis_url: str | None = None

    timezone: str = "Asia/Tehran"
    currency: str = Field(default="IRR", pattern=r"^[A-Z]{3}$")
    vat_percent: Decimal = Field(default=Decimal("9"), ge=0, le=100)

    lockout_attempts: int = Field(default=3, ge=1)
    lockout_minutes: int = Field(default=30, ge=1)
    password_reset_per_hour: int = Field(default=3, ge=1)
    # argon2id cost (OWASP's minimum: 19 MiB, 2 passes); tests lower it for speed.
    argon2_memory_kib: int = Field(default=19456, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)

    free_charge_days: int = Field(default=2, ge=0)
    free_charge_mb: int = Field(default=100, ge=0)
    quota_directions: QuotaDirections = QuotaDirections.DOWNLOAD
    document_grace_days: int = Field(default=7, ge=0)

    attachment_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    attachment_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp", "application/pdf")
    files_dir: str = "var/files"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
            raise ValueError("must start with sqlite:// or postgres://")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def describe_error(error: ValidationError, prefix: str = "ISPBOT_") -> str:
    """One line that names each wrong setting, for a start-up failure without a traceback."""
    parts = []
    for item in error.errors():
        name = prefix + "_".join(str(p) for p in item["loc"]).upper()
        parts.append(f"{name}: {item['msg']}")
    return "invalid setting " + "; ".join(parts)

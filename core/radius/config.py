"""Settings of the FreeRADIUS link (prefix ``ISPBOT_RADIUS_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RadiusSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ISPBOT_RADIUS_", env_file=".env", extra="ignore")

    # FreeRADIUS's PostgreSQL database (the one its sql module writes radacct to), e.g.
    # postgres://radius@127.0.0.1:5432/radius. Unset: the RADIUS commands refuse to run.
    database_url: str | None = None
    # Sessions stopped or updated this long before the last one synced are read again, for
    # accounting records that reach the database late (a NAS resending after an outage).
    # Reading a session again never counts it twice.
    overlap_minutes: int = Field(default=60, ge=0)
    # The longest a chat turn waits for FreeRADIUS's database to say whether a line is online
    # (My service); past it the panel says it cannot tell now, and the turn goes on.
    read_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # An open session (no Stop) that its NAS has not updated for this long is taken as ended at
    # its last update: a NAS that reboots or loses power never sends the Stop, and the line
    # would show online forever. NASes send an Interim-Update every few minutes (5 is usual);
    # 15 is three missed in a row, which a lost packet or a busy RADIUS server does not make.
    # Keep it above twice the NAS's interim interval.
    stale_after_minutes: int = Field(default=15, ge=1)

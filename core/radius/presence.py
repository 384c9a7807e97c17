"""Whether a line is online now, read live from FreeRADIUS's ``radacct``, and the route the
network gives it (``radreply``'s ``Framed-Route``): what the panel's main page shows.

Live, not from our synced usage sessions: ``usage sync`` may run once a minute or less, and a
subscriber asking "am I connected?" right after the modem came up must see the session. One
subscriber's rows are read per question, through a small pool opened on first use.

FreeRADIUS's database is another system: when it cannot be read in ``timeout`` seconds the
answer is "unknown" (None), said as such by the panel, never an error of the turn; and for a
short while after a failure it is not tried again, so that a RADIUS database that is down does
not make every *My service* wait for the timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import asyncpg

from core.radius.config import RadiusSettings

log = logging.getLogger(__name__)

Read = TypeVar("Read")

# After a failed read, the seconds during which FreeRADIUS's database is not asked again.
QUIET_AFTER_FAILURE_SECONDS = 30.0

# An open session not updated this long is over (RadiusSettings.stale_after_minutes).
STALE_AFTER = timedelta(minutes=RadiusSettings.model_fields["stale_after_minutes"].default)
# A session is live while open and updated since $2 (now - stale_after); a stale one ended at
# its last update, or at its start when it was never updated (SESSION_END).
LIVE_SESSION = "acctstoptime IS NULL AND coalesce(acctupdatetime, acctstarttime) >= $2"
SESSION_END = "coalesce(acctstoptime, acctupdatetime, acctstarttime)"
# The latest live session (a line with simultaneous-use above 1 shows the newest), the end of
# the latest other one, and the first per-user route. Production radacct tables are large: an
# index on radacct (username, acctstarttime) keeps these reads to a few rows (README).
_OPEN_SESSION = f"""
SELECT acctstarttime, acctupdatetime, host(framedipaddress) AS ip FROM radacct
WHERE username = $1 AND {LIVE_SESSION}
ORDER BY acctstarttime DESC NULLS LAST LIMIT 1
"""
_LAST_STOP = f"SELECT max({SESSION_END}) FROM radacct WHERE username = $1"
_ROUTE = """
SELECT value FROM radreply WHERE username = $1 AND attribute = 'Framed-Route'
ORDER BY id LIMIT 1
"""


@dataclass(frozen=True, slots=True)
class LinePresence:
    """A line as RADIUS sees it now."""

    online: bool
    # Online: when the open session started. Offline: when the last session ended (None when
    # the line never had a session).
    since: datetime | None
    # The open session's address (online only; None when the NAS did not report one).
    ip: str | None
    # The network routed to the line (Framed-Route's first part, e.g. 203.0.113.16/29).
    route: str | None


def route_of(framed_route: str | None) -> str | None:
    """The network of a ``Framed-Route`` value ("203.0.113.16/29 0.0.0.0 1"): its first word."""
    if not framed_route:
        return None
    words = framed_route.split()
    return words[0] if words else None


class RadiusPresence:
    """Reads one line's presence from FreeRADIUS's PostgreSQL database."""

    def __init__(
        self, database_url: str, timeout: float, stale_after: timedelta = STALE_AFTER
    ) -> None:
        self.database_url = database_url
        self.timeout = timeout
        self.stale_after = stale_after
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._quiet_until = 0.0

    async def presence(self, username: str, *, now: datetime) -> LinePresence | None:
        """The line's presence at ``now``; None when FreeRADIUS's database could not be read
        (logged)."""
        return await self.read(partial(_read, live_after=self.live_after(now)), username)

    def live_after(self, now: datetime) -> datetime:
        """An open session last updated before this is over (its NAS never sent the Stop)."""
        return now - self.stale_after

    async def read(
        self, reader: Callable[[Any, str], Awaitable[Read]], username: str
    ) -> Read | None:
        """``reader``'s answer for one line, on a connection of the pool, within the read
        timeout; None when FreeRADIUS's database could not be read (logged)."""
        if time.monotonic() < self._quiet_until:
            return None
        try:
            async with asyncio.timeout(self.timeout):
                pool = await self._opened()
                async with pool.acquire() as connection:
                    return await reader(connection, username)
        except (
            OSError,
            TimeoutError,
            ValueError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
        ) as error:
            self._quiet_until = time.monotonic() + QUIET_AFTER_FAILURE_SECONDS
            # The error's class only: a connection error may carry the URL's user and host.
            log.warning("FreeRADIUS's database not readable: %s", type(error).__name__)
            return None

    async def _opened(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                # No connection is made until the first read (min_size 0): a process starts
                # whether or not FreeRADIUS's database is up.
                self._pool = await asyncpg.create_pool(
                    self.database_url,
                    min_size=0,
                    max_size=4,
                    timeout=self.timeout,
                    command_timeout=self.timeout,
                )
            return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _read(connection: Any, username: str, *, live_after: datetime) -> LinePresence:
    route = route_of(await connection.fetchval(_ROUTE, username))
    open_session = await connection.fetchrow(_OPEN_SESSION, username, live_after)
    if open_session is not None:
        since = open_session["acctstarttime"] or open_session["acctupdatetime"]
        return LinePresence(online=True, since=since, ip=open_session["ip"], route=route)
    last_stop = await connection.fetchval(_LAST_STOP, username)
    return LinePresence(online=False, since=last_stop, ip=None, route=route)


def radius_presence(settings: RadiusSettings) -> RadiusPresence | None:
    """The reader of the configured FreeRADIUS database; None when none is configured (the
    panel then says nothing about online or offline)."""
    if not settings.database_url:
        return None
    return RadiusPresence(
        settings.database_url,
        settings.read_timeout_seconds,
        timedelta(minutes=settings.stale_after_minutes),
    )

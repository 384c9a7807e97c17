"""Usage sessions from FreeRADIUS's ``radacct`` table, incrementally, safe to run every minute.

FreeRADIUS keeps one row per session (``AcctUniqueId``): written at Start, updated in place by
each Interim-Update, closed by Stop. Its queries store the octets with the Gigawords counters
already folded in (``Gigawords << 32 + Octets``), so the columns are the session's totals so
far. Each run reads:

- the sessions still open in radacct (the lines online now),
- the sessions still open in our records (their Stop may have come since),
- the sessions updated or stopped since the last one we recorded, minus an overlap,

and hands their totals to ``UsageMeter.record_session``, which takes from the quota only
the growth since the last sync: a session is counted once however often it is read. Sessions
whose totals have not moved since the last run are skipped without a write.

Directions: the NAS's input is what the subscriber sent (upload), its output what the
subscriber received (download).

A session still open in radacct but not updated for ``stale_after`` is recorded as ended at its
last update, the end presumed: its NAS went away without a Stop (a reboot), and the usage
history would say "still connected" forever. It is read again at each run like an open one: a
Stop that comes after all gives its real end and last traffic, an update reopens it (RADIUS was
unreachable, not the NAS).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from core.accounts.models import Subscriber
from core.billing.models import UsageSession
from core.errors import DomainError
from core.radius.presence import STALE_AFTER

# How long a session left open without a word is still read, and a Stop still looked for after
# it was presumed ended: a NAS resends its unacknowledged records within hours of coming back,
# not weeks, and radacct keeps the open rows of a NAS that never does for ever.
STOP_AWAITED_FOR = timedelta(days=7)

log = logging.getLogger(__name__)

_COLUMNS = """
    acctuniqueid, username, acctstarttime, acctupdatetime, acctstoptime,
    coalesce(acctinputoctets, 0) AS upload, coalesce(acctoutputoctets, 0) AS download,
    host(framedipaddress) AS ip
"""
_QUERY = f"""
SELECT {_COLUMNS} FROM radacct
WHERE (acctstoptime IS NULL AND COALESCE(acctupdatetime, acctstarttime) >= $3)
   OR acctuniqueid = ANY($1::text[])
   OR acctstoptime >= $2
   OR acctupdatetime >= $2
"""


@dataclass(slots=True)
class SyncResult:
    read: int = 0
    recorded: int = 0
    unchanged: int = 0
    unknown_users: int = 0
    refused: int = 0


class AccountingSync:
    def __init__(
        self, usage: Any, clock: Any, overlap: timedelta, stale_after: timedelta = STALE_AFTER
    ) -> None:
        self.usage = usage  # core.billing.usage.UsageMeter
        self.clock = clock
        self.overlap = overlap
        self.stale_after = stale_after

    async def run(self, radius: Any) -> SyncResult:
        """``radius``: an asyncpg connection to FreeRADIUS's database."""
        result = SyncResult()
        # Presumed ended too: their Stop may still come, dated before the window below; not
        # for ever, or a NAS that never sends one would grow this list with every run.
        awaited = Q(end_presumed=True, ended_at__gte=self.clock.now() - STOP_AWAITED_FOR)
        open_keys = list(
            await UsageSession.filter(Q(ended_at__isnull=True) | awaited).values_list(
                "session_key", flat=True
            )
        )
        rows = await radius.fetch(
            _QUERY, open_keys, await self._since(), self.clock.now() - STOP_AWAITED_FOR
        )
        result.read = len(rows)
        keys = [row["acctuniqueid"] for row in rows]
        known = {s.session_key: s for s in await UsageSession.filter(session_key__in=keys)}
        names = {row["username"] for row in rows if row["username"]}
        ids = dict(await Subscriber.filter(username__in=names).values_list("username", "id"))
        live_after = self.clock.now() - self.stale_after
        for row in rows:
            subscriber_id = ids.get(row["username"])
            if subscriber_id is None:
                result.unknown_users += 1
                continue
            ended = _ended(row, live_after)
            if _unchanged(known.get(row["acctuniqueid"]), row, ended):
                result.unchanged += 1
                continue
            started = row["acctstarttime"] or row["acctupdatetime"] or self.clock.now()
            if ended is not None and ended < started:
                ended = started  # a NAS clock that stepped back: keep the session, zero length
            try:
                await self.usage.record_session(
                    subscriber_id,
                    row["acctuniqueid"],
                    started,
                    ended,
                    int(row["download"]),
                    int(row["upload"]),
                    row["ip"],
                    end_presumed=ended is not None and row["acctstoptime"] is None,
                )
            except DomainError as error:
                # One bad record must not stop the others; it is logged (no personal data).
                log.warning("radacct session %s refused: %s", row["acctuniqueid"], error.code)
                result.refused += 1
                continue
            result.recorded += 1
        return result

    async def _since(self) -> datetime:
        """Where the last run got to: the latest session end or start we recorded."""
        latest = await UsageSession.filter(ended_at__isnull=False).order_by("-ended_at").first()
        if latest is None or latest.ended_at is None:
            return datetime(1970, 1, 1, tzinfo=self.clock.now().tzinfo)
        return latest.ended_at - self.overlap


def _ended(row: Any, live_after: datetime) -> datetime | None:
    """When the session ended: its Stop, else its last update once that is older than
    ``live_after`` (stale: the NAS never sent the Stop), else None (still open)."""
    if row["acctstoptime"] is not None:
        return row["acctstoptime"]
    last = row["acctupdatetime"] or row["acctstarttime"]
    return last if last is not None and last < live_after else None


def _unchanged(session: UsageSession | None, row: Any, ended: datetime | None) -> bool:
    if (
        session is None
        or session.download_bytes < row["download"]
        or session.upload_bytes < row["upload"]
    ):
        return False
    if session.ended_at is not None and not session.end_presumed:
        return True  # stopped: nothing opens it again
    presumed = ended is not None and row["acctstoptime"] is None
    return session.ended_at == ended and session.end_presumed == presumed

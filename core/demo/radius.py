"""The demo's lines as FreeRADIUS sees them, for the connection check: written into FreeRADIUS's
own tables (radacct, radpostauth) when ``ispbot demo`` runs with ISPBOT_RADIUS_DATABASE_URL set
and FreeRADIUS's schema there. Agus is online (a session open since three hours ago); Leila's
modem was refused for a wrong password twenty minutes ago, after her last session ended. The
refusal's reason is read from radcheck, so ``ispbot demo`` provisions radcheck first.

Written once: a demo line that already has sessions there is left as it is, but for the open
session's last update, which each run moves to now: no NAS sends its Interim-Updates, and a
session not updated for ISPBOT_RADIUS_STALE_AFTER_MINUTES reads as ended."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

ONLINE_USERNAME = "2129990505"
WRONG_PASSWORD_USERNAME = "2133445566"
MB = 1024 * 1024

_SESSION = """
INSERT INTO radacct (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime,
    acctupdatetime, acctstoptime, framedipaddress, acctinputoctets, acctoutputoctets)
VALUES ($1, $2, $3, '10.0.0.1', $4, $5, $6, $7, $8, $9)
"""
# What FreeRADIUS's stock post-auth query writes for a refusal; the typed password is not kept.
_REJECT = """
INSERT INTO radpostauth (username, pass, reply, authdate) VALUES ($1, '', 'Access-Reject', $2)
"""


async def seed_radius(connection: Any, now: datetime) -> bool:
    """Write the two lines' rows; False when FreeRADIUS's schema is not there or they were
    written before."""
    if await connection.fetchval("SELECT to_regclass('radpostauth')") is None:
        return False
    written = await connection.fetchval(
        "SELECT count(*) FROM radacct WHERE username = ANY($1)",
        [ONLINE_USERNAME, WRONG_PASSWORD_USERNAME],
    )
    if written:
        await connection.execute(
            "UPDATE radacct SET acctupdatetime = $1"
            " WHERE acctuniqueid = 'demo-agus-open' AND acctstoptime IS NULL",
            now,
        )
        return False
    started = now - timedelta(hours=3)
    await connection.execute(
        _SESSION,
        "DEMO0001",
        "demo-agus-open",
        ONLINE_USERNAME,
        started,
        now - timedelta(minutes=5),
        None,
        "100.80.61.5",
        35 * MB,
        870 * MB,
    )
    ended = now - timedelta(hours=2)
    await connection.execute(
        _SESSION,
        "DEMO0002",
        "demo-leila-last",
        WRONG_PASSWORD_USERNAME,
        ended - timedelta(hours=6),
        ended,
        ended,
        "100.64.56.78",
        40 * MB,
        610 * MB,
    )
    await connection.execute(_REJECT, WRONG_PASSWORD_USERNAME, now - timedelta(minutes=20))
    return True

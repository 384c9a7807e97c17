"""What FreeRADIUS knows of one line's connection, read live for the connection check: the open
session (its start, address and traffic so far) or, when there is none, the end of the last one
and the last login FreeRADIUS refused after it, with the reason in the subscriber's terms.

``radpostauth`` (FreeRADIUS's post-auth log, the stock ``sql`` post-auth query) records each
login's answer, not why it was refused. The reason is read from what decided it, ``radcheck``,
which provisioning writes (core/radius/provisioning.py): ``Auth-Type := Reject`` is a blocked
line, an ``Expiration`` at or before the refusal is an ended service (rlm_expiration refuses
it before the password is looked at), no row at all is a username RADIUS does not know, and
otherwise the password the modem sent did not match. The typed password that radpostauth keeps
(``pass``) is never read.

Today's radcheck only explains a refusal made under it: a refusal before the line was last
opened (unblocked, resumed from a pause: ``not_before``) was decided by radcheck as it was then,
and a refusal followed by a later Access-Accept no longer stops the modem. Neither is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from typing import Any

from core.radius.presence import LIVE_SESSION, SESSION_END, RadiusPresence
from core.radius.provisioning import AUTH_TYPE, EXPIRATION, PASSWORD


class RejectReason(StrEnum):
    WRONG_PASSWORD = "wrong_password"
    EXPIRED = "expired"
    BLOCKED = "blocked"
    UNKNOWN_USER = "unknown_user"


@dataclass(frozen=True, slots=True)
class RadiusConnection:
    """A line as FreeRADIUS sees it now."""

    online: bool
    # Online: when the open session started; offline: when the last one ended (None: never).
    since: datetime | None
    ip: str | None
    # The open session's traffic so far, as the NAS last reported it (0 offline).
    session_download_bytes: int
    session_upload_bytes: int
    # Offline only: the last refused login after the last session, and why.
    rejected_at: datetime | None = None
    reject_reason: RejectReason | None = None


# A session left open by a NAS that never sent its Stop (a reboot) is over once stale
# (core/radius/presence.py, ISPBOT_RADIUS_STALE_AFTER_MINUTES), ended at its last update.
_OPEN_SESSION = f"""
SELECT acctstarttime, acctupdatetime, host(framedipaddress) AS ip,
       coalesce(acctoutputoctets, 0) AS download, coalesce(acctinputoctets, 0) AS upload
FROM radacct WHERE username = $1 AND {LIVE_SESSION}
ORDER BY acctstarttime DESC NULLS LAST LIMIT 1
"""
_LAST_SESSION = f"""
SELECT max({SESSION_END}) AS stopped, max(acctstarttime) AS started FROM radacct
WHERE username = $1
"""
# The stock post-auth query writes reply = '%{reply:Packet-Type}'. The last answer: a reject
# followed by an accept explains nothing.
_LAST_ANSWER = """
SELECT authdate, reply FROM radpostauth
WHERE username = $1 AND reply IN ('Access-Accept', 'Access-Reject')
ORDER BY authdate DESC, id DESC LIMIT 1
"""
_CHECKS = "SELECT attribute, value FROM radcheck WHERE username = $1 AND attribute = ANY($2)"


async def read_connection(
    connection: Any, username: str, not_before: datetime | None = None, *, live_after: datetime
) -> RadiusConnection:
    """One line's connection; ``connection`` is an asyncpg connection to FreeRADIUS's database.
    A refusal at or before ``not_before`` (when the line was last opened) is left out; an
    open session last updated before ``live_after`` is over."""
    open_session = await connection.fetchrow(_OPEN_SESSION, username, live_after)
    if open_session is not None:
        return RadiusConnection(
            online=True,
            since=open_session["acctstarttime"] or open_session["acctupdatetime"],
            ip=open_session["ip"],
            session_download_bytes=int(open_session["download"]),
            session_upload_bytes=int(open_session["upload"]),
        )
    last = await connection.fetchrow(_LAST_SESSION, username)
    stopped = last["stopped"] if last else None
    latest = max((m for m in (stopped, last["started"] if last else None) if m), default=None)
    answer = await connection.fetchrow(_LAST_ANSWER, username)
    rejected_at = answer["authdate"] if answer and answer["reply"] == "Access-Reject" else None
    reason = None
    if (
        rejected_at is not None
        and (latest is None or rejected_at > latest)
        and (not_before is None or rejected_at > not_before)
    ):
        checks = {
            row["attribute"]: row["value"]
            for row in await connection.fetch(_CHECKS, username, [AUTH_TYPE, EXPIRATION, PASSWORD])
        }
        reason = reject_reason(checks, rejected_at)
    else:
        # A refusal before a later session or the line's opening no longer explains anything.
        rejected_at = None
    return RadiusConnection(
        online=False,
        since=stopped,
        ip=None,
        session_download_bytes=0,
        session_upload_bytes=0,
        rejected_at=rejected_at,
        reject_reason=reason,
    )


def reject_reason(checks: dict[str, str], rejected_at: datetime) -> RejectReason:
    """Why FreeRADIUS refused a login at ``rejected_at``, from the line's radcheck attributes
    (what decided it: the module order is expiration before pap)."""
    if checks.get(AUTH_TYPE, "").lower() == "reject":
        return RejectReason.BLOCKED
    if not checks:
        return RejectReason.UNKNOWN_USER
    expiration = _epoch(checks.get(EXPIRATION))
    if expiration is not None and expiration <= rejected_at:
        return RejectReason.EXPIRED
    return RejectReason.WRONG_PASSWORD


def _epoch(value: str | None) -> datetime | None:
    """Provisioning writes Expiration as seconds since the epoch; another form is not ours."""
    if value is None or not value.strip().isdigit():
        return None
    return datetime.fromtimestamp(int(value.strip()), UTC)


async def radius_connection(
    radius: RadiusPresence, username: str, not_before: datetime | None = None, *, now: datetime
) -> RadiusConnection | None:
    """The line's connection at ``now``; None when FreeRADIUS's database could not be read."""
    read = partial(read_connection, not_before=not_before, live_after=radius.live_after(now))
    return await radius.read(read, username)

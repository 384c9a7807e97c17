"""A connection check's diagnosis as the staff read it on a ticket (the agents' group card and
the console's ticket page), in the staff's language: what it found first, the line, the
service left, the outage, and what RADIUS saw. Read from the ticket's stored record
(core/support/connection.py ``ConnectionDiagnosis.record``); a key it lacks is left out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.dialogs.flows.line_status import STATUS_NAMES
from bot.i18n import N_, Texts

CAUSES: dict[str, str] = {
    "line_blocked": N_("the line is blocked"),
    "paused": N_("the service is paused"),
    "no_service": N_("no active service"),
    "out_of_days": N_("the service ran out of days"),
    "out_of_traffic": N_("the traffic ran out"),
    "outage": N_("a known outage"),
    "wrong_password": N_("the modem's last login had a wrong internet password"),
    "account_expired": N_(
        "the modem's last login was refused as expired, though the service is in force now"
    ),
    "refused_blocked": N_(
        "the modem's last login was refused as blocked, though the line is open now"
    ),
    "online": N_("nothing: the line is online"),
    "unexplained": N_("nothing explains it"),
}
REJECT_REASONS: dict[str, str] = {
    "wrong_password": N_("wrong internet password"),
    "expired": N_("service ended"),
    "blocked": N_("line blocked"),
    "unknown_user": N_("username unknown to RADIUS"),
}


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def diagnosis_lines(t: Texts, record: dict[str, Any] | None) -> list[str]:
    """The diagnosis in a few lines; none when the ticket was not opened by the check."""
    if not record:
        return []
    cause = str(record.get("cause") or "")
    lines = [
        t.gettext(
            "Connection check: %(cause)s",
            cause=t.gettext(CAUSES[cause]) if cause in CAUSES else cause,
        )
    ]
    checked = _moment(record.get("checked_at"))
    if checked is not None:
        lines.append(t.gettext("Checked: %(when)s", when=t.datetime(checked)))
    line_status = str(record.get("line_status") or "")
    remaining = record.get("remaining_bytes")
    traffic = t.gettext("unlimited") if remaining is None else t.traffic(int(remaining))
    days = int(record.get("remaining_days") or 0)
    lines.append(
        t.gettext(
            "Line: %(status)s · plan %(plan)s · %(days)s · %(traffic)s left",
            status=t.gettext(STATUS_NAMES[line_status]) if line_status in STATUS_NAMES else "-",
            plan=str(record.get("plan_code") or "-"),
            days=t.ngettext("%(n)s day", "%(n)s days", days),
            traffic=traffic,
        )
    )
    if record.get("outage_id"):
        # An id is a code: the language's digits, not grouped.
        lines.append(t.gettext("Outage: #%(id)s", id=t.digits(str(record["outage_id"]))))
    lines.append(_radius_line(t, record))
    return lines


def _radius_line(t: Texts, record: dict[str, Any]) -> str:
    if not record.get("radius_configured"):
        return t.gettext("RADIUS: not configured")
    radius = record.get("radius")
    if not isinstance(radius, dict):
        return t.gettext("RADIUS: not readable at the time")
    since = _moment(radius.get("since"))
    when = t.datetime(since) if since else "-"
    if radius.get("online"):
        return t.gettext(
            "RADIUS: online since %(start)s, IP %(ip)s, this session %(down)s down, %(up)s up",
            start=when,
            ip=str(radius.get("ip") or "-"),
            down=t.traffic(int(radius.get("session_download_bytes") or 0), "MB"),
            up=t.traffic(int(radius.get("session_upload_bytes") or 0), "MB"),
        )
    line = t.gettext("RADIUS: offline since %(end)s", end=when)
    rejected = _moment(radius.get("rejected_at"))
    reason = str(radius.get("reject_reason") or "")
    if rejected is not None:
        line += " · " + t.gettext(
            "last refused login %(when)s: %(reason)s",
            when=t.datetime(rejected),
            reason=t.gettext(REJECT_REASONS[reason]) if reason in REJECT_REASONS else reason,
        )
    return line

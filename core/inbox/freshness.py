"""How old a notice may be when it is sent. A notice waits in the outbox while no channel takes
it (a worker down, a subscriber with no chat yet, a channel configured on a database with
history); past its kind's age it makes no sense any more ("your receipt" for October, "rate our
answer" for a ticket closed weeks ago), and the relay records it as expired instead of sending
it.

Each kind follows one setting (``ISPBOT_NOTICE_MAX_AGE_*_HOURS``), and some also end with what
they are about: an expiry alert with the day it was meant for, a free charge's warning when the
charge ends, an outage's report once the outage is repaired.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from core.alerts import kinds
from core.alerts.enums import OutageStage
from core.alerts.models import Outage
from core.config import Settings

# The setting (a field of Settings, in hours) each kind's age is held to.
MAX_AGE_SETTING: Mapping[str, str] = {
    kinds.PAYMENT_APPLIED: "notice_max_age_payment_hours",
    kinds.PAYMENT_NOT_APPLIED: "notice_max_age_payment_hours",
    kinds.AUTO_RENEW_FAILED: "notice_max_age_payment_hours",
    kinds.CARD_CHARGE_AHEAD: "notice_max_age_payment_hours",
    kinds.WALLET_REFUNDED: "notice_max_age_payment_hours",
    kinds.TICKET_ANSWERED: "notice_max_age_ticket_answer_hours",
    kinds.TICKET_CLOSED: "notice_max_age_rating_request_hours",
    kinds.HANDOFF_STARTED: "notice_max_age_handoff_hours",
    kinds.HANDOFF_ENDED: "notice_max_age_handoff_hours",
    kinds.AGENT_FREE_CHARGE: "notice_max_age_agent_grant_hours",
    kinds.AGENT_EXTENSION: "notice_max_age_agent_grant_hours",
    # Like a grant: a change to the service, stale after a day.
    kinds.SERVICE_RESUMED: "notice_max_age_agent_grant_hours",
    kinds.LOW_TRAFFIC: "notice_max_age_traffic_low_hours",
    kinds.FREE_CHARGE_ENDING: "notice_max_age_free_charge_ending_hours",
    kinds.DOCUMENT_REJECTED: "notice_max_age_document_rejected_hours",
    kinds.ANNOUNCEMENT: "notice_max_age_announcement_hours",
    kinds.OUTAGE: "notice_max_age_outage_repaired_hours",
    kinds.OUTAGE_REPAIRED: "notice_max_age_outage_repaired_hours",
    kinds.BILL_DUE: "notice_max_age_bill_hours",
    kinds.BILL_UNPAID_ISOLATED: "notice_max_age_bill_hours",
}
# Kinds held to what they are about rather than to an age.
ABOUT_A_DAY = frozenset({kinds.EXPIRY})
# Every kind the relay knows how old it may be (the renderers' kinds must all be here).
KNOWN_KINDS = frozenset(MAX_AGE_SETTING) | ABOUT_A_DAY
# A kind nobody listed (a bug): held to the shortest age, a day.
FALLBACK_MAX_AGE = timedelta(days=1)


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class NoticeFreshness:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def max_age(self, kind: str) -> timedelta:
        setting = MAX_AGE_SETTING.get(kind)
        if setting is None:
            return FALLBACK_MAX_AGE
        return timedelta(hours=int(getattr(self.settings, setting)))

    async def expired(
        self, kind: str, params: Mapping[str, Any], created_at: datetime, now: datetime
    ) -> bool:
        """True when a notice of ``kind`` written at ``created_at`` is too old to send ``now``."""
        if kind == kinds.EXPIRY:
            return now >= self._end_of_expiry_alert_day(params, created_at)
        if kind == kinds.FREE_CHARGE_ENDING:
            ends = _moment(params.get("expires_at"))
            if ends is not None and now >= ends:
                return True
        if kind == kinds.OUTAGE and params.get("stage") != OutageStage.REPAIRED:
            # A report of an outage in progress holds until the outage is repaired (the
            # repair's own report then says so), however long that takes.
            return await Outage.filter(
                id=params.get("outage_id"), repaired_at__isnull=False
            ).exists()
        return now - created_at > self.max_age(kind)

    def _end_of_expiry_alert_day(self, params: Mapping[str, Any], created_at: datetime) -> datetime:
        """The end of the day (in the ISP's zone) the alert was meant for: 2 days before the
        service ends, or the day it ends. "Your service ends in 2 days" is wrong the day after."""
        zone = self.settings.zone
        ends = _moment(params.get("ends_at"))
        if ends is None:
            day = created_at.astimezone(zone).date()
        else:
            day = ends.astimezone(zone).date() - timedelta(days=int(params.get("days_before") or 0))
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)

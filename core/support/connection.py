"""The connection check ("my Internet does not work"): one read that says why a line cannot
connect, in the order the cheapest fix comes first (issue 22):

1. the line is blocked for something buying cannot fix (isolated until the deposit is paid,
   suspended for documents, closed): why and what to do. These come before the service, so a
   blocked line is never offered a renewal that leaves it blocked;
   then a paused service (``paused_until`` ahead): it connects when it resumes, or now if
   resumed early (the pause flow); never a ticket;
2. the days or the traffic ran out (or there is no service): the free charge if it can be
   taken, else a renewal;
3. the line is in the collection list (with service left: it is lifted by the next renewal);
4. a known outage at the subscriber's exchange centre or on their plan: its ETA, and "tell me
   when it is fixed" (``watch_outage``);
5. RADIUS: the last login FreeRADIUS refused after the last session (a wrong internet password,
   an ended service); online now, or offline since the last session's end, explains nothing.
   An ended service's refusal reaches this step only when the service is in force again (a
   service that has ended is step 2's renewal): a restart of the modem should connect, and a
   ticket is offered in case radcheck was not provisioned since. A blocked line's refusal
   (``Auth-Type := Reject`` still in radcheck though the line is open now) is the same. A
   refusal made before the line was last opened (unblocked, resumed) or followed by a later
   accepted login is not read (core/radius/diagnosis.py);
6. nothing explains it: a technical ticket may be opened, carrying the diagnosis and linked to
   the outage open then (``open_ticket``). An outage's ticket is allowed too: the subscriber
   may still want one, and its repair tells them.

A plain read: nothing here changes the line. RADIUS is another system: when FreeRADIUS's
database is not configured or not readable, the check says so and goes on without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.models import LineStatusChange
from core.accounts.queries import SubscriberView, subscriber_view
from core.alerts.current import outages_concerning
from core.alerts.models import Outage, OutageWatch
from core.alerts.queries import OutageView
from core.billing.models import ServicePause
from core.billing.queries import BillingQueries
from core.billing.read_models import ServiceStatus
from core.errors import Conflict, NotFound
from core.ports import Clock
from core.radius.diagnosis import RadiusConnection, RejectReason, radius_connection
from core.radius.presence import RadiusPresence
from core.tickets.enums import Department, Priority
from core.tickets.queries import TicketView
from core.tickets.service import Tickets

# A line status that buying a service does not lift.
_BLOCKED_BEYOND_BUYING = (
    LineStatus.ISOLATED,
    LineStatus.DOCUMENTS_SUSPENDED,
    LineStatus.CLOSED,
)


class Cause(StrEnum):
    """What the check found, the first in its order that applies."""

    LINE_BLOCKED = "line_blocked"
    PAUSED = "paused"
    NO_SERVICE = "no_service"
    OUT_OF_DAYS = "out_of_days"
    OUT_OF_TRAFFIC = "out_of_traffic"
    OUTAGE = "outage"
    WRONG_PASSWORD = "wrong_password"
    ACCOUNT_EXPIRED = "account_expired"
    # Refused while the line was blocked, though it is open now (radcheck not provisioned since).
    REFUSED_BLOCKED = "refused_blocked"
    # Nothing explains it: online now, or offline with no refused login.
    ONLINE = "online"
    UNEXPLAINED = "unexplained"


class Block(StrEnum):
    """Why a blocked line is blocked: what opens it."""

    DEPOSIT = "deposit"  # isolated until the deposit and installation fee are paid
    BILL = "bill"  # isolated until the unpaid postpaid bills are paid
    ISOLATED = "isolated"  # isolated by staff: support opens it
    DOCUMENTS = "documents"
    COLLECTION = "collection"  # the service ran out and was not renewed
    CLOSED = "closed"


def block_of(subscriber: SubscriberView) -> Block | None:
    """What keeps the line blocked (the reasons ``refuse_blocked_line`` tells a buyer)."""
    status = LineStatus(subscriber.line_status)
    if status is LineStatus.ISOLATED:
        if subscriber.deposit_due + subscriber.installation_fee_due > 0:
            return Block.DEPOSIT
        if subscriber.unpaid_bills_due > 0:
            return Block.BILL
        return Block.ISOLATED
    return {
        LineStatus.DOCUMENTS_SUSPENDED: Block.DOCUMENTS,
        LineStatus.IN_COLLECTION_LIST: Block.COLLECTION,
        LineStatus.CLOSED: Block.CLOSED,
    }.get(status)


# What may carry a ticket: nothing explains it, or an outage the subscriber still reports.
TICKET_CAUSES = frozenset(
    {Cause.ONLINE, Cause.UNEXPLAINED, Cause.OUTAGE, Cause.ACCOUNT_EXPIRED, Cause.REFUSED_BLOCKED}
)


@dataclass(frozen=True, slots=True)
class ConnectionDiagnosis:
    subscriber_id: int
    cause: Cause
    checked_at: datetime
    line_status: LineStatus
    # A blocked line: what keeps it blocked, and what it owes (deposit or bills) in ``currency``.
    block: Block | None
    owed: int
    currency: str
    # A paused service: when it resumes (None when not paused now).
    paused_until: datetime | None
    plan_code: str | None
    remaining_days: int
    # None when unlimited.
    remaining_bytes: int | None
    # The free charge can be taken now (out of days or traffic only).
    free_charge: bool
    # The first outage open now at the subscriber's exchange centre or on their plan.
    outage: OutageView | None
    # None when FreeRADIUS's database is not configured or could not be read.
    radius: RadiusConnection | None
    radius_configured: bool

    @property
    def explained(self) -> bool:
        return self.cause not in (Cause.ONLINE, Cause.UNEXPLAINED)

    @property
    def may_open_ticket(self) -> bool:
        return self.cause in TICKET_CAUSES

    def record(self) -> dict[str, Any]:
        """The diagnosis as a ticket keeps it (JSON): what the agents' card shows."""
        radius: dict[str, Any] | None = None
        if self.radius is not None:
            r = self.radius
            radius = {
                "online": r.online,
                "since": _iso(r.since),
                "ip": r.ip,
                "session_download_bytes": r.session_download_bytes,
                "session_upload_bytes": r.session_upload_bytes,
                "rejected_at": _iso(r.rejected_at),
                "reject_reason": str(r.reject_reason) if r.reject_reason else None,
            }
        return {
            "cause": str(self.cause),
            "checked_at": _iso(self.checked_at),
            "line_status": str(self.line_status),
            "block": str(self.block) if self.block else None,
            "paused_until": _iso(self.paused_until),
            "plan_code": self.plan_code,
            "remaining_days": self.remaining_days,
            "remaining_bytes": self.remaining_bytes,
            "outage_id": self.outage.id if self.outage else None,
            "radius_configured": self.radius_configured,
            "radius": radius,
        }


async def last_opened(subscriber_id: int) -> datetime | None:
    """When the line was last opened: put back in operation, or its pause ended. RADIUS's
    refusals before then were decided by the block, not by what radcheck says today."""
    reopened = (
        await LineStatusChange.filter(subscriber_id=subscriber_id, status=LineStatus.IN_OPERATION)
        .order_by("-changed_at", "-id")
        .first()
    )
    resumed = (
        await ServicePause.filter(subscriber_id=subscriber_id, resumed_at__isnull=False)
        .order_by("-resumed_at", "-id")
        .first()
    )
    moments = [
        m
        for m in (
            reopened.changed_at if reopened else None,
            resumed.resumed_at if resumed else None,
        )
        if m
    ]
    return max(moments, default=None)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class ConnectionChecks:
    def __init__(
        self,
        clock: Clock,
        billing_queries: BillingQueries,
        tickets: Tickets,
        radius: RadiusPresence | None,
    ) -> None:
        self.clock = clock
        self.billing_queries = billing_queries
        self.tickets = tickets
        self.radius = radius

    async def diagnose(self, subscriber_id: int) -> ConnectionDiagnosis:
        """Why the line may not connect now (module docstring). Errors: subscriber_not_found."""
        return await self.diagnose_view(await subscriber_view(subscriber_id))

    async def diagnose_view(self, subscriber: SubscriberView) -> ConnectionDiagnosis:
        status = await self.billing_queries.status_of(subscriber)
        line = LineStatus(subscriber.line_status)
        plan_code = status.plan.code if status.plan else None
        outages = await outages_concerning(subscriber.exchange_centre, plan_code)
        outage = outages[0] if outages else None
        now = self.clock.now()
        connection = (
            await radius_connection(
                self.radius, subscriber.username, await last_opened(subscriber.id), now=now
            )
            if self.radius is not None
            else None
        )
        paused_until = subscriber.paused_until
        if paused_until is not None and paused_until <= now:
            paused_until = None  # its resumption is due: the worker's next run ends it
        free_charge = False
        if line in _BLOCKED_BEYOND_BUYING:
            cause = Cause.LINE_BLOCKED
        elif paused_until is not None:
            cause = Cause.PAUSED
        elif status.plan is None and status.reserve_plan is None:
            cause = Cause.NO_SERVICE
            free_charge = await self._free_charge(subscriber, status)
        elif status.days_ran_out:
            cause = Cause.OUT_OF_DAYS
            free_charge = await self._free_charge(subscriber, status)
        elif status.traffic_ran_out:
            cause = Cause.OUT_OF_TRAFFIC
            free_charge = await self._free_charge(subscriber, status)
        elif line is not LineStatus.IN_OPERATION:
            cause = Cause.LINE_BLOCKED
        elif outage is not None:
            cause = Cause.OUTAGE
        elif connection is not None and connection.reject_reason is RejectReason.WRONG_PASSWORD:
            cause = Cause.WRONG_PASSWORD
        elif connection is not None and connection.reject_reason is RejectReason.EXPIRED:
            cause = Cause.ACCOUNT_EXPIRED
        elif connection is not None and connection.reject_reason is RejectReason.BLOCKED:
            cause = Cause.REFUSED_BLOCKED
        elif connection is not None and connection.online:
            cause = Cause.ONLINE
        else:
            cause = Cause.UNEXPLAINED
        block = block_of(subscriber)
        owed = 0
        if block is Block.DEPOSIT:
            owed = subscriber.deposit_due + subscriber.installation_fee_due
        elif block is Block.BILL:
            owed = subscriber.unpaid_bills_due
        return ConnectionDiagnosis(
            subscriber_id=subscriber.id,
            cause=cause,
            checked_at=now,
            line_status=line,
            block=block,
            owed=owed,
            currency=subscriber.currency,
            paused_until=paused_until,
            plan_code=plan_code,
            remaining_days=status.remaining_days,
            remaining_bytes=status.remaining_bytes,
            free_charge=free_charge,
            outage=outage,
            radius=connection,
            radius_configured=self.radius is not None,
        )

    async def _free_charge(self, subscriber: SubscriberView, status: ServiceStatus) -> bool:
        offer = await self.billing_queries.free_charge_offer(subscriber, status)
        return offer.available

    async def watch_outage(self, subscriber_id: int, outage_id: int) -> bool:
        """Tell the subscriber when the outage is repaired; False when they already asked.
        Only an open outage that concerns them now (a client can send any id). Errors:
        outage_not_found, outage_already_resolved."""
        subscriber = await subscriber_view(subscriber_id)
        status = await self.billing_queries.status_of(subscriber)
        plan_code = status.plan.code if status.plan else None
        concerning = {o.id for o in await outages_concerning(subscriber.exchange_centre, plan_code)}
        async with in_transaction():
            # Under the outage's lock, as its repair is written (core/alerts/broadcast.py): a
            # watch is made before the repair, which then tells it, or refused after it.
            outage = await Outage.select_for_update().get_or_none(id=outage_id)
            if outage is not None and outage.repaired_at is not None:
                raise Conflict("outage_already_resolved", outage_id=outage_id)
            if outage is None or outage_id not in concerning:
                raise NotFound("outage_not_found", outage_id=outage_id)
            _, created = await OutageWatch.get_or_create(
                outage_id=outage_id,
                subscriber_id=subscriber_id,
                defaults={"created_at": self.clock.now()},
            )
        return created

    async def open_ticket(
        self,
        subscriber_id: int,
        subject: str,
        body_of: Callable[[ConnectionDiagnosis], str],
        *,
        channel: str | None = None,
        chat_external_id: str | None = None,
    ) -> tuple[TicketView, ConnectionDiagnosis]:
        """A technical ticket carrying the diagnosis made now (not one a client sends), linked
        to the outage open now if any; its first message is ``body_of`` the diagnosis (the
        subscriber's words). Refused while something the subscriber can fix explains it
        (``connection_check_explained``), or when its outage was repaired since the check
        (``outage_already_resolved``)."""
        diagnosis = await self.diagnose(subscriber_id)
        if not diagnosis.may_open_ticket:
            raise Conflict("connection_check_explained", cause=str(diagnosis.cause))
        outage_id = diagnosis.outage.id if diagnosis.outage else None
        async with in_transaction():
            if outage_id is not None:
                # Linked under the outage's lock, as its repair tells the linked tickets: a
                # ticket linked after the repair went out would never hear of it.
                outage = await Outage.select_for_update().get(id=outage_id)
                if outage.repaired_at is not None:
                    raise Conflict("outage_already_resolved", outage_id=outage_id)
            ticket = await self.tickets.open_ticket(
                subscriber_id,
                Department.TECHNICAL,
                Priority.HIGH,
                subject,
                body_of(diagnosis),
                channel=channel,
                chat_external_id=chat_external_id,
                related_service=diagnosis.plan_code,
                diagnosis=diagnosis.record(),
                outage_id=outage_id,
            )
        return ticket, diagnosis

"""Outages and announcements from the console: the same Broadcasts service the admin API and
the worker use (core/alerts/broadcast.py), each record and its audit entry in one transaction,
then the messages written page by page (a send is too large for one transaction, and a dedup
key per subscriber and report makes writing them again harmless).

The form's values are checked here, by the core's rules (core/alerts/texts.py, the plan code's
and the exchange centre's limits), each refusal under its field (FieldErrors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from core.alerts.broadcast import Broadcasts, OutageReport, announcement_batch
from core.alerts.enums import OutageStage
from core.alerts.models import Outage
from core.alerts.texts import checked_texts
from core.billing.plan_rules import valid_code
from core.errors import Conflict, FieldErrors, InvalidInput, NotFound
from core.ports import Clock
from core.staff import audit
from core.staff.audit import Actor

OUTAGE = "outage"
ANNOUNCEMENT = "announcement"
# As long as the subscribers' records and the outages keep it.
EXCHANGE_CENTRE_MAX_LENGTH = 60


@dataclass(frozen=True, slots=True)
class Sent:
    """What one report or announcement wrote: the outage or announcement, the batch its
    messages carry (core/alerts/progress.py) and how many were written."""

    target_id: int
    batch: str
    messages: int


@dataclass(frozen=True, slots=True)
class Audience:
    """Whom a send names: an exchange centre, a plan, or (announcements only) neither."""

    exchange_centre: str | None = None
    plan_code: str | None = None
    # Send even when no subscriber has the centre or is on the plan now.
    force: bool = False


def checked_audience(audience: Audience, *, required: bool) -> Audience:
    """The audience with blank fields made None. ``required``: an outage names a centre or a
    plan (never both). Errors: FieldErrors ``name_exchange_centre_or_plan``,
    ``exchange_centre_too_long``, ``invalid_plan_code``."""
    centre = " ".join((audience.exchange_centre or "").split()) or None
    plan = (audience.plan_code or "").strip() or None
    problems: list[tuple[str, str]] = []
    if centre is not None and plan is not None:
        problems.append(("plan_code", "name_exchange_centre_or_plan"))
    elif required and centre is None and plan is None:
        problems.append(("exchange_centre", "name_exchange_centre_or_plan"))
    if centre is not None and (len(centre) > EXCHANGE_CENTRE_MAX_LENGTH or "\x00" in centre):
        problems.append(("exchange_centre", "exchange_centre_too_long"))
    if plan is not None and not valid_code(plan):
        problems.append(("plan_code", "invalid_plan_code"))
    if problems:
        raise FieldErrors(problems)
    return Audience(centre, plan, audience.force)


def _field_error(error: InvalidInput | NotFound | Conflict) -> FieldErrors:
    """A refusal of the audience by the Broadcasts service, under the field it concerns."""
    field = str(error.details.get("field") or "plan_code")
    return FieldErrors([(field, error.code)])


class StaffAlerts:
    def __init__(self, clock: Clock, broadcasts: Broadcasts) -> None:
        self.clock = clock
        self.broadcasts = broadcasts

    async def open_outage(
        self,
        actor: Actor,
        typed_texts: Mapping[str, str],
        audience: Audience,
        estimated_repair_at: datetime | None = None,
    ) -> Sent:
        """Open an outage for an exchange centre or a plan and send its first report.
        Errors: FieldErrors (the texts', the audience's, ``plan_not_found``,
        ``no_subscriber_at_exchange_centre``, ``no_subscriber_on_plan``)."""
        texts, named = checked_send(typed_texts, audience, required=True)
        try:
            async with in_transaction():
                report = await self.broadcasts.open_outage(
                    texts,
                    exchange_centre=named.exchange_centre,
                    plan_code=named.plan_code,
                    estimated_repair_at=estimated_repair_at,
                    force=named.force,
                )
                outage = await Outage.get(id=report.outage_id)
                await audit.record(
                    actor,
                    "outage.open",
                    OUTAGE,
                    report.outage_id,
                    self.clock.now(),
                    after={
                        "exchange_centre": outage.exchange_centre,
                        "plan_code": named.plan_code,
                        "texts": texts,
                        "estimated_repair_at": _iso(estimated_repair_at),
                        "report": report.number,
                    },
                )
        except (InvalidInput, NotFound, Conflict) as refused:
            if isinstance(refused, FieldErrors):
                raise
            raise _field_error(refused) from None
        return await self._send(report, texts)

    async def report_progress(
        self,
        actor: Actor,
        outage_id: int,
        typed_texts: Mapping[str, str],
        estimated_repair_at: datetime | None = None,
    ) -> Sent:
        """Errors: FieldErrors (the texts'), ``outage_not_found``, ``outage_already_resolved``."""
        texts = checked_texts(typed_texts)
        return await self._next(
            actor, outage_id, OutageStage.PROGRESS, texts, estimated_repair_at=estimated_repair_at
        )

    async def resolve(self, actor: Actor, outage_id: int, typed_texts: Mapping[str, str]) -> Sent:
        """Report the repair (a text is optional). Errors: as ``report_progress``."""
        texts = checked_texts(typed_texts, required=False)
        return await self._next(actor, outage_id, OutageStage.REPAIRED, texts)

    async def _next(
        self,
        actor: Actor,
        outage_id: int,
        stage: OutageStage,
        texts: dict[str, str],
        *,
        estimated_repair_at: datetime | None = None,
    ) -> Sent:
        async with in_transaction():
            # Locked first, so "before" is what this report changes.
            before = await Outage.select_for_update().get_or_none(id=outage_id)
            report = await self.broadcasts.next_report(
                outage_id, stage, estimated_repair_at=estimated_repair_at, texts=texts
            )
            assert before is not None  # next_report found it
            action = "outage.resolve" if stage is OutageStage.REPAIRED else "outage.progress"
            await audit.record(
                actor,
                action,
                OUTAGE,
                outage_id,
                self.clock.now(),
                before={
                    "estimated_repair_at": _iso(before.estimated_repair_at),
                    "repaired_at": _iso(before.repaired_at),
                },
                after={
                    "estimated_repair_at": _iso(report.estimated_repair_at),
                    "repaired": stage is OutageStage.REPAIRED,
                    "texts": texts,
                    "report": report.number,
                },
            )
        return await self._send(report, texts)

    async def _send(self, report: OutageReport, texts: dict[str, str]) -> Sent:
        written = await self.broadcasts.send_report(report, texts)
        return Sent(report.outage_id, report.batch, written)

    async def broadcast(
        self, actor: Actor, typed_texts: Mapping[str, str], audience: Audience
    ) -> Sent:
        """An announcement to everyone, an exchange centre's subscribers or a plan's, shown at
        each login and sent now. Errors: as ``open_outage``."""
        texts, named = checked_send(typed_texts, audience, required=False)
        try:
            async with in_transaction():
                announcement_id = await self.broadcasts.record_announcement(
                    texts,
                    exchange_centre=named.exchange_centre,
                    plan_code=named.plan_code,
                    force=named.force,
                )
                await audit.record(
                    actor,
                    "announcement.send",
                    ANNOUNCEMENT,
                    announcement_id,
                    self.clock.now(),
                    after={
                        "exchange_centre": named.exchange_centre,
                        "plan_code": named.plan_code,
                        "texts": texts,
                    },
                )
        except (InvalidInput, NotFound) as refused:
            if isinstance(refused, FieldErrors):
                raise
            raise _field_error(refused) from None
        written = await self.broadcasts.announce(announcement_id)
        return Sent(announcement_id, announcement_batch(announcement_id), written)


def checked_send(
    typed_texts: Mapping[str, str], audience: Audience, *, required: bool
) -> tuple[dict[str, str], Audience]:
    """The texts and the audience of a send, every field's problem at once (FieldErrors);
    what a preview checks before it counts."""
    problems: list[tuple[str, str]] = []
    texts: dict[str, str] = {}
    named = audience
    try:
        texts = checked_texts(typed_texts)
    except FieldErrors as bad:
        problems += bad.details["fields"]
    try:
        named = checked_audience(audience, required=required)
    except FieldErrors as bad:
        problems += bad.details["fields"]
    if problems:
        raise FieldErrors(problems)
    return texts, named


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None

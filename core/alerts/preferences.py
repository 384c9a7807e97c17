"""Where a subscriber's notices go and which they do not want: the preferred channel, and the
kinds they muted.

Which kinds may be muted follows the seeds. What a subscriber must act on, or what answers
something they did, is always sent: a payment applied or not applied (their money), a document
rejected (the line is cut after the week of grace, DOMAIN.md), a postpaid bill due and the line
isolated for an unpaid one (the line is blocked), a ticket's answers and closing, a hand-off's
start and end and what an agent gave (they asked for it). What only reminds or informs may be
muted: the expiry reminders (2 days before and on the day: the panel shows the days left), low
traffic and a free charge ending (shown in My service), announcements (re-readable in the message
box) and outage reports (a disruption the subscriber can ask about in a ticket). A muted kind is
neither written to the outbox by the sweep or a broadcast nor counted in their dry run, and one
muted after it was written is not sent (core/inbox/service.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from core import sql
from core.accounts.models import ChatIdentity, Subscriber
from core.accounts.queries import SubscriberView
from core.alerts import kinds
from core.alerts.channels import ADDRESSED_BY, CHANNELS, channel_order
from core.alerts.due import DueAlert
from core.errors import InvalidInput, NotFound

EMAIL = "email"

# The kinds a subscriber may mute, in the order the chat lists them.
MUTABLE: tuple[str, ...] = (
    kinds.EXPIRY,
    kinds.LOW_TRAFFIC,
    kinds.FREE_CHARGE_ENDING,
    kinds.ANNOUNCEMENT,
    kinds.OUTAGE,
)
MANDATORY: frozenset[str] = frozenset(
    {
        kinds.PAYMENT_APPLIED,
        kinds.PAYMENT_NOT_APPLIED,
        kinds.AUTO_RENEW_FAILED,
        kinds.CARD_CHARGE_AHEAD,
        kinds.SERVICE_RESUMED,
        kinds.WALLET_REFUNDED,
        kinds.DOCUMENT_REJECTED,
        kinds.BILL_DUE,
        kinds.BILL_UNPAID_ISOLATED,
        kinds.TICKET_ANSWERED,
        kinds.TICKET_CLOSED,
        kinds.HANDOFF_STARTED,
        kinds.HANDOFF_ENDED,
        kinds.AGENT_FREE_CHARGE,
        kinds.AGENT_EXTENSION,
        kinds.OUTAGE_REPAIRED,
    }
)


def muted_of(stored: str) -> frozenset[str]:
    """The kinds a subscriber's ``muted_notices`` column holds."""
    return frozenset(part for part in stored.split(",") if part)


def stored_muted(muted: Iterable[str]) -> str:
    return ",".join(sorted(set(muted)))


def check_muted(muted: Iterable[str], field: str = "muted") -> frozenset[str]:
    """``muted`` if every kind in it may be muted; else InvalidInput naming the first that may
    not (``notice_kind_mandatory``) or is no kind at all (``unknown_notice_kind``)."""
    chosen = frozenset(muted)
    for kind in sorted(chosen):
        if kind in MANDATORY:
            raise InvalidInput("notice_kind_mandatory", field=field, kind=kind)
        if kind not in MUTABLE:
            raise InvalidInput("unknown_notice_kind", field=field, kind=kind)
    return chosen


def check_channel(channel: str | None, field: str = "preferred_channel") -> str | None:
    """A channel a notice can go to, or None (the usual order); else InvalidInput."""
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput("unknown_channel", field=field, channel=channel)
    return channel


@dataclass(frozen=True, slots=True)
class NoticeSettings:
    # None: the usual order (the chat used last first).
    preferred_channel: str | None
    muted: frozenset[str]
    # The channels the subscriber can be reached on now, in the order notices try them: the
    # ones they may choose to prefer.
    reachable: tuple[str, ...]


async def reachable_channels(subscriber_id: int) -> tuple[str, ...]:
    """The channels of the subscriber's chats that take messages, and those reached through
    their record (SMS to the mobile unless that number said STOP), in the usual order."""
    subscriber = await Subscriber.get_or_none(id=subscriber_id)
    if subscriber is None:
        raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
    chats = await ChatIdentity.filter(subscriber_id=subscriber_id).values(
        "channel", "external_id", "unreachable", "opted_out", "last_seen_at"
    )
    used = [
        (c["channel"], c["last_seen_at"]) for c in chats if not (c["unreachable"] or c["opted_out"])
    ]
    refused = {(c["channel"], c["external_id"]) for c in chats if c["opted_out"]}
    for channel, detail in ADDRESSED_BY.items():
        address = getattr(subscriber, detail, None)
        if address and (channel, address) not in refused:
            used.append((channel, None))
    if SubscriberView.of(subscriber).email_usable:
        used.append((EMAIL, None))
    return tuple(channel_order(None, used))


class NoticePreferences:
    """The subscriber's choices, changed from the chat, the admin API or the import."""

    async def of(self, subscriber_id: int) -> NoticeSettings:
        row = await Subscriber.get_or_none(id=subscriber_id).only(
            "id", "preferred_channel", "muted_notices"
        )
        if row is None:
            raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
        return NoticeSettings(
            row.preferred_channel,
            muted_of(row.muted_notices),
            await reachable_channels(subscriber_id),
        )

    async def prefer(self, subscriber_id: int, channel: str | None) -> NoticeSettings:
        """From the chat: notices try ``channel`` first (one the subscriber can be reached on
        now, else InvalidInput ``channel_not_reachable``); None for the usual order."""
        check_channel(channel)
        if channel is not None and channel not in await reachable_channels(subscriber_id):
            raise InvalidInput("channel_not_reachable", field="preferred_channel", channel=channel)
        await Subscriber.filter(id=subscriber_id).update(preferred_channel=channel)
        return await self.of(subscriber_id)

    async def mute(self, subscriber_id: int, kind: str, muted: bool) -> NoticeSettings:
        """Mute (or hear again) one kind. Read and written under the row's lock, so two
        changes at once (two chats) both count."""
        check_muted([kind], field="kind")
        async with in_transaction() as conn:
            row = (
                await Subscriber.select_for_update()
                .using_db(conn)
                .get_or_none(id=subscriber_id)
                .only("id", "muted_notices")
            )
            if row is None:
                raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
            current = muted_of(row.muted_notices)
            chosen = current | {kind} if muted else current - {kind}
            await (
                Subscriber.filter(id=subscriber_id)
                .using_db(conn)
                .update(muted_notices=stored_muted(chosen))
            )
        return await self.of(subscriber_id)

    async def replace(
        self, subscriber_id: int, preferred_channel: str | None, muted: Iterable[str]
    ) -> NoticeSettings:
        """From an operator (the admin API): both at once, checked first. A channel the
        subscriber has not linked yet is kept, and counts once they link it."""
        check_channel(preferred_channel)
        chosen = check_muted(muted)
        updated = await Subscriber.filter(id=subscriber_id).update(
            preferred_channel=preferred_channel, muted_notices=stored_muted(chosen)
        )
        if not updated:
            raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
        return await self.of(subscriber_id)


async def without_muted(alerts: Sequence[DueAlert]) -> list[DueAlert]:
    """The alerts whose subscriber has not muted their kind: one query for the page, over the
    few subscribers who muted anything."""
    ids = {alert.subscriber_id for alert in alerts if alert.kind in MUTABLE}
    if not ids:
        return list(alerts)
    rows = await sql.fetch(
        f"SELECT id, muted_notices FROM subscriber WHERE {sql.any_of('id', 1)}"
        " AND muted_notices <> ''",
        sql.listed(ids),
    )
    muted = {row["id"]: muted_of(str(row["muted_notices"])) for row in rows}
    return [alert for alert in alerts if alert.kind not in muted.get(alert.subscriber_id, ())]

"""Where an alert would go first, for a page of subscribers (the dry run's counts per channel).

The same rule as the notifier's (core/alerts/channels.py): the subscriber's preferred channel,
then the channel of the chat used last, then the others, SMS last, among the chats that can take
a message (not unreachable, not opted out), and the channels reached through the subscriber's
record (SMS to the registered mobile) unless that address opted out, and email while the
address is usable (confirmed, not bounced, its notices on).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from core import sql
from core.accounts.models import ChatIdentity
from core.alerts.channels import ADDRESSED_BY, first_channel

EMAIL = "email"


@dataclass
class _Reach:
    """One subscriber's ways to be reached, gathered row by row."""

    preferred: str | None
    # The addresses of the channels reached through their record (SMS: the mobile).
    addressed: dict[str, str]
    # A confirmed address, not bounced, with email notices on (SubscriberView.email_usable).
    has_email: bool = False
    usable: list[tuple[str, datetime | None]] = field(default_factory=list)
    refused: set[tuple[str, str]] = field(default_factory=set)

    def add_chat(
        self,
        channel: str | None,
        external_id: str | None,
        unreachable: bool,
        opted_out: bool,
        last_seen: datetime | None,
    ) -> None:
        if channel is None:
            return
        if opted_out:
            self.refused.add((channel, external_id or ""))
        if not (unreachable or opted_out):
            self.usable.append((channel, last_seen))

    def first(self, configured: Collection[str]) -> str | None:
        channels = list(self.usable)
        for channel, address in self.addressed.items():
            if (channel, address) not in self.refused:
                channels.append((channel, None))
        if self.has_email:
            channels.append((EMAIL, None))
        channels = [c for c in channels if c[0] in configured]
        if len(channels) == 1:
            # One way to reach them (most have only their mobile): nothing to rank.
            return channels[0][0]
        return first_channel(self.preferred, channels)


def reach_of(
    preferred: str | None,
    addresses: tuple[str | None, ...],
    has_email: bool,
    chats: Iterable[tuple[str, str | None, bool, bool, datetime | None]] = (),
) -> _Reach:
    """One subscriber's ways to be reached: ``addresses`` are the values of ``DETAILS`` on
    their record, ``chats`` (channel, external id, unreachable, opted out, last seen)."""
    addressed = {
        channel: str(address)
        for (channel, _detail), address in zip(ADDRESSED_BY.items(), addresses, strict=True)
        if address
    }
    who = _Reach(preferred, addressed, has_email=has_email)
    for chat in chats:
        who.add_chat(*chat)
    return who


async def first_channels(
    subscriber_ids: Iterable[int], configured: Collection[str]
) -> dict[int, str | None]:
    """For each subscriber, the channel among ``configured`` an alert would try first."""
    ids = set(subscriber_ids)
    if not ids:
        return {}
    details = tuple(dict.fromkeys(ADDRESSED_BY.values()))
    # One query: a row per subscriber and chat (one row with no chat for those without), in
    # plain SQL with the page's ids as one parameter (core/sql.py says why).
    rows = await sql.fetch(
        "SELECT b.id, b.preferred_channel, "
        + "".join(f"b.{detail}, " for detail in details)
        # SubscriberView.email_usable, tested here: one column read instead of four.
        + "(b.email IS NOT NULL AND b.email <> '' AND b.email_verified_at IS NOT NULL"
        " AND b.email_notices AND b.email_bounced_at IS NULL) AS has_email,"
        " c.channel, c.external_id, c.unreachable, c.opted_out, c.last_seen_at"
        " FROM subscriber b LEFT JOIN chat_identity c ON c.subscriber_id = b.id"
        f" WHERE {sql.any_of('b.id', 1)}",
        sql.listed(ids),
    )
    first: dict[int, str | None] = {}
    reach: dict[int, _Reach] = {}
    for row in rows:
        sid = row["id"]
        who = reach.get(sid)
        if who is None:
            addressed = {
                channel: str(row[detail]) for channel, detail in ADDRESSED_BY.items() if row[detail]
            }
            who = _Reach(row["preferred_channel"], addressed, has_email=bool(row["has_email"]))
            if row["channel"] is None:
                # No chat at all (the join's only row for them, most subscribers): settled now.
                first[sid] = who.first(configured)
                continue
            reach[sid] = who
        who.add_chat(
            row["channel"],
            row["external_id"],
            bool(row["unreachable"]),
            bool(row["opted_out"]),
            sql.python_value(ChatIdentity, "last_seen_at", row["last_seen_at"]),
        )
    for sid, who in reach.items():
        first[sid] = who.first(configured)
    return first

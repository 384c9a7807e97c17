"""Where an alert would go first, for a page of subscribers (the dry run's counts per channel).

The same rule as the notifier's (core/alerts/channels.py): the subscriber's preferred channel,
then the channel of the chat used last, then the others, SMS last, among the chats that can take
a message (not unreachable, not opted out), SMS to the registered mobile included when no SMS
chat says otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from core.accounts.models import Subscriber
from core.alerts.channels import first_channel

SMS = "sms"
EMAIL = "email"


@dataclass
class _Reach:
    """One subscriber's ways to be reached, gathered row by row."""

    preferred: str | None
    has_mobile: bool
    # A confirmed address, not bounced, with email notices on (SubscriberView.email_usable).
    has_email: bool = False
    usable: list[tuple[str, datetime | None]] = field(default_factory=list)
    sms_refused: bool = False

    def add_chat(
        self, channel: str | None, unreachable: bool, opted_out: bool, last_seen: datetime | None
    ) -> None:
        if channel is None:
            return
        if opted_out and channel == SMS:
            self.sms_refused = True
        if not (unreachable or opted_out):
            self.usable.append((channel, last_seen))

    def first(self, configured: Collection[str]) -> str | None:
        channels = list(self.usable)
        if self.has_mobile and not self.sms_refused:
            channels.append((SMS, None))
        if self.has_email:
            channels.append((EMAIL, None))
        return first_channel(self.preferred, [c for c in channels if c[0] in configured])


async def first_channels(
    subscriber_ids: Iterable[int], configured: Collection[str]
) -> dict[int, str | None]:
    """For each subscriber, the channel among ``configured`` an alert would try first."""
    ids = set(subscriber_ids)
    if not ids:
        return {}
    # One query: a row per subscriber and chat (one row with no chat for those without).
    rows = await Subscriber.filter(id__in=ids).values(
        "id",
        "preferred_channel",
        "mobile",
        "email",
        "email_verified_at",
        "email_notices",
        "email_bounced_at",
        "chats__channel",
        "chats__unreachable",
        "chats__opted_out",
        "chats__last_seen_at",
    )
    reach: dict[int, _Reach] = {}
    for row in rows:
        who = reach.setdefault(
            row["id"],
            _Reach(
                row["preferred_channel"],
                bool(row["mobile"]),
                has_email=bool(
                    row["email"]
                    and row["email_verified_at"] is not None
                    and row["email_notices"]
                    and row["email_bounced_at"] is None
                ),
            ),
        )
        who.add_chat(
            row["chats__channel"],
            row["chats__unreachable"],
            row["chats__opted_out"],
            row["chats__last_seen_at"],
        )
    return {sid: who.first(configured) for sid, who in reach.items()}

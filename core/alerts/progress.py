"""How far one outage report or announcement went: its messages in the outbox by state, and by
channel (where each went, or the channel its last attempt failed on). Read by the batch the
messages carry (an index), four small grouped counts, so a page polling it every few seconds
stays cheap while a large broadcast goes out at the platforms' pace."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from core.alerts.broadcast import outage_batch
from core.alerts.enums import OutageStage
from core.inbox.models import OutboxMessage

NO_CHANNEL = "no_channel"


@dataclass(frozen=True, slots=True)
class ChannelProgress:
    # None: not sent and no channel failed (no channel could take it yet).
    channel: str | None
    sent: int
    # Waiting to be tried again after this channel failed.
    failed: int


@dataclass(frozen=True, slots=True)
class BatchProgress:
    batch: str
    total: int
    sent: int
    # Not sent yet and not expired (those failing included).
    waiting: int
    failed: int
    # Too old by the time the relay got to them: never sent.
    expired: int
    channels: tuple[ChannelProgress, ...]

    @property
    def finished(self) -> bool:
        return self.waiting == 0


async def batch_progress(batches: Iterable[str]) -> dict[str, BatchProgress]:
    """The progress of each batch (an empty one for a batch with no message)."""
    names = list(dict.fromkeys(batches))
    if not names:
        return {}
    base = OutboxMessage.filter(batch__in=names)
    totals = await _grouped(base, "batch")
    sent = await _grouped(base.filter(sent_at__isnull=False), "batch", "channel")
    waiting = base.filter(sent_at__isnull=True, expired_at__isnull=True)
    waiting_counts = await _grouped(waiting, "batch")
    failed = await _grouped(waiting.filter(last_error__isnull=False), "batch", "channel")
    expired = await _grouped(base.filter(expired_at__isnull=False), "batch")
    channels: dict[str, dict[str | None, list[int]]] = defaultdict(dict)
    for (batch, channel), n in sent.items():
        channels[batch].setdefault(channel, [0, 0])[0] += n
    for (batch, channel), n in failed.items():
        channels[batch].setdefault(channel, [0, 0])[1] += n
    result = {}
    for name in names:
        by_channel = channels.get(name, {})
        result[name] = BatchProgress(
            batch=name,
            total=totals.get((name,), 0),
            sent=sum(n for (b, _c), n in sent.items() if b == name),
            waiting=waiting_counts.get((name,), 0),
            failed=sum(n for (b, _c), n in failed.items() if b == name),
            expired=expired.get((name,), 0),
            channels=tuple(
                ChannelProgress(channel, s, f)
                for channel, (s, f) in sorted(
                    by_channel.items(), key=lambda item: (item[0] is None, item[0] or "")
                )
            ),
        )
    return result


async def _grouped(query: QuerySet[OutboxMessage], *fields: str) -> dict[tuple[Any, ...], int]:
    rows = await query.annotate(n=Count("id")).group_by(*fields).values_list(*fields, "n")
    return {tuple(row[:-1]): row[-1] for row in rows}


@dataclass(frozen=True, slots=True)
class ReportProgress:
    number: int
    stage: OutageStage
    progress: BatchProgress


async def outage_reports(outage_id: int, reports: int, repaired: bool) -> list[ReportProgress]:
    """Each report of an outage, the newest first, with how far it went: the first is the
    start, the last the repair once repaired, the others progress reports."""
    names = {n: outage_batch(outage_id, n) for n in range(1, reports + 1)}
    found = await batch_progress(names.values())
    result = []
    for number, batch in names.items():
        if number == 1:
            stage = OutageStage.STARTED
        elif repaired and number == reports:
            stage = OutageStage.REPAIRED
        else:
            stage = OutageStage.PROGRESS
        result.append(ReportProgress(number, stage, found[batch]))
    return list(reversed(result))

"""Usage metering: an accounting session's counters taken from the traffic buckets, once."""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.billing import state
from core.billing.models import TrafficBucket, UsageSession
from core.billing.read_models import UsageLine
from core.billing.subscriptions import lock_subscriber
from core.config import QuotaDirections, Settings
from core.errors import DomainError, InvalidInput
from core.ports import Clock


class UsageMeter:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    def _counted(self, download_bytes: int, upload_bytes: int) -> int:
        directions = self.settings.quota_directions
        if directions == QuotaDirections.DOWNLOAD:
            return download_bytes
        if directions == QuotaDirections.UPLOAD:
            return upload_bytes
        return download_bytes + upload_bytes

    async def record_session(
        self,
        subscriber_id: int,
        session_key: str,
        started_at: datetime,
        ended_at: datetime | None,
        download_bytes: int,
        upload_bytes: int,
        ip: str | None = None,
        *,
        end_presumed: bool = False,
    ) -> UsageLine:
        """Record (or re-sync) an accounting session. Its counters are totals so far; only the
        growth of the counted bytes since the last sync is taken from the buckets, the earliest
        to expire first, so syncing a session again never counts it twice. ``end_presumed``:
        ``ended_at`` is the last update of a session its NAS left open without a Stop; a real
        end given later replaces it, and a session given as open again is reopened (its NAS
        updated it after all). A real end stays.

        Errors: subscriber_not_found, invalid_usage {field}, session_subscriber_mismatch
        {session_key}."""
        for name, value in (("download_bytes", download_bytes), ("upload_bytes", upload_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput("invalid_usage", field=name)
        if started_at.tzinfo is None:
            raise InvalidInput("invalid_usage", field="started_at")
        if ended_at is not None and (ended_at.tzinfo is None or ended_at < started_at):
            raise InvalidInput("invalid_usage", field="ended_at")
        if end_presumed and ended_at is None:
            raise InvalidInput("invalid_usage", field="ended_at")
        if not session_key or len(session_key) > 64:
            raise InvalidInput("invalid_usage", field="session_key")
        counted = self._counted(download_bytes, upload_bytes)
        now = self.clock.now()
        at = min(ended_at or now, now)

        for attempt in range(2):
            try:
                async with in_transaction():
                    await lock_subscriber(subscriber_id)
                    session = (
                        await UsageSession.filter(session_key=session_key)
                        .select_for_update()
                        .first()
                    )
                    if session is None:
                        session = await UsageSession.create(
                            subscriber_id=subscriber_id,
                            session_key=session_key,
                            started_at=started_at,
                            ended_at=ended_at,
                            end_presumed=end_presumed,
                            download_bytes=download_bytes,
                            upload_bytes=upload_bytes,
                            deducted_bytes=counted,
                            ip=ip,
                        )
                        delta = counted
                    else:
                        if session.subscriber_id != subscriber_id:  # type: ignore[attr-defined]
                            raise DomainError(
                                "session_subscriber_mismatch", session_key=session_key
                            )
                        # Counters only grow; a smaller resend never gives bytes back.
                        deducted = max(session.deducted_bytes, counted)
                        delta = deducted - session.deducted_bytes
                        stopped = session.ended_at is not None and not session.end_presumed
                        if ended_at is not None and (not end_presumed or not stopped):
                            session.ended_at, session.end_presumed = ended_at, end_presumed
                        elif ended_at is None and session.end_presumed:
                            session.ended_at, session.end_presumed = None, False
                        session.download_bytes = max(session.download_bytes, download_bytes)
                        session.upload_bytes = max(session.upload_bytes, upload_bytes)
                        session.deducted_bytes = deducted
                        session.ip = ip or session.ip
                        await session.save(
                            update_fields=[
                                "ended_at",
                                "end_presumed",
                                "download_bytes",
                                "upload_bytes",
                                "deducted_bytes",
                                "ip",
                            ]
                        )
                    if delta > 0:
                        await self._consume(subscriber_id, delta, at)
                return UsageLine.of(session)
            except IntegrityError:
                # Two first syncs of one session raced; the second becomes an update.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _consume(self, subscriber_id: int, nbytes: int, at: datetime) -> int:
        """Take bytes from the buckets valid at ``at``; returns what could not be taken."""
        current = await state.current_subscription(subscriber_id, at)
        if current is not None and current.unlimited:
            return 0
        left = nbytes
        for bucket in await state.live_buckets(subscriber_id, at):
            take = min(left, bucket.total_bytes - bucket.used_bytes)
            await TrafficBucket.filter(id=bucket.id).update(used_bytes=F("used_bytes") + take)
            left -= take
            if left == 0:
                break
        return left

"""Fakes of the core's ports, for tests."""

from __future__ import annotations

import asyncio
import itertools

from core.config import Settings
from core.inbox.freshness import NoticeFreshness
from core.ports import Delivery


class InMemoryFileStore:
    """FileStore port in a dict: ``files[key] = (data, content_type, filename)``."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str, str]] = {}
        self._keys = itertools.count(1)

    async def put(self, data: bytes, content_type: str, filename: str) -> str:
        key = f"mem{next(self._keys)}"
        self.files[key] = (bytes(data), content_type, filename)
        return key

    async def get(self, key: str) -> bytes:
        return self.files[key][0]


TELEGRAM_DELIVERY = Delivery("telegram", "100200300")


class RecordingNotifier:
    """Notifier port that records every call. ``delivery`` None plays a subscriber whom no
    channel can reach; ``error`` makes every call raise it."""

    def __init__(
        self,
        delivery: Delivery | None = TELEGRAM_DELIVERY,
        error: Exception | None = None,
    ) -> None:
        self.delivery = delivery
        self.error = error
        self.calls: list[tuple[int, str, dict]] = []

    async def notify(self, subscriber_id: int, kind: str, params: dict) -> Delivery | None:
        await asyncio.sleep(0)  # yield, so relays running at once really interleave
        self.calls.append((subscriber_id, kind, params))
        if self.error is not None:
            raise self.error
        return self.delivery

    @property
    def kinds(self) -> list[str]:
        return [kind for _, kind, _ in self.calls]


class RecordingSmsSender:
    """SmsSender port that records ``(to, text)``; ``error`` makes every send raise it."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.sent: list[tuple[str, str]] = []

    async def send_sms(self, to: str, text: str) -> None:
        await asyncio.sleep(0)
        if self.error is not None:
            raise self.error
        self.sent.append((to, text))


from core.ports import PaymentRequest, PaymentStart  # noqa: E402  (appended with the gateway)


class RecordingGateway:
    """PaymentGateway port that records every ``PaymentRequest``; ``error`` makes ``start``
    raise it. The pay link points nowhere (``https://pay.invalid/...``)."""

    def __init__(self, name: str = "fakepay", error: Exception | None = None) -> None:
        self.name = name
        self.error = error
        self.requests: list[PaymentRequest] = []
        self._refs = itertools.count(1)

    async def start(self, request: PaymentRequest) -> PaymentStart:
        await asyncio.sleep(0)
        if self.error is not None:
            raise self.error
        self.requests.append(request)
        reference = f"{self.name}-{next(self._refs)}"
        return PaymentStart(self.name, reference, f"https://pay.invalid/{reference}")


def freshness() -> NoticeFreshness:
    """How old notices may be, by the default settings (a test's notices are fresh)."""
    return NoticeFreshness(Settings(_env_file=None))

"""The document grace rule as pure functions over a subscriber's documents.

After a rejection the subscriber has a grace period to upload a valid copy of that kind. Per
kind, the latest copy decides whether the line is cut: a newer pending or approved copy saves
it, and a newer rejection starts a new grace period. Once cut, the line comes back only when
every kind with an expired rejection has a newer *approved* copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from core.accounts.enums import DocumentKind, DocumentStatus


class DocumentLike(Protocol):
    id: int
    kind: DocumentKind
    status: DocumentStatus
    grace_until: datetime | None


def _expired(doc: DocumentLike, now: datetime) -> bool:
    return (
        doc.status == DocumentStatus.REJECTED
        and doc.grace_until is not None
        and doc.grace_until <= now
    )


def kinds_to_cut_for(docs: Iterable[DocumentLike], now: datetime) -> list[DocumentKind]:
    """Kinds whose latest copy is a rejection whose grace has passed."""
    latest: dict[DocumentKind, DocumentLike] = {}
    for doc in docs:
        if doc.kind not in latest or doc.id > latest[doc.kind].id:
            latest[doc.kind] = doc
    return sorted(kind for kind, doc in latest.items() if _expired(doc, now))


def kinds_still_unapproved(docs: Iterable[DocumentLike], now: datetime) -> list[DocumentKind]:
    """Kinds with a rejection whose grace has passed and no approved copy newer than it."""
    docs = list(docs)
    blocked = set()
    for doc in docs:
        if _expired(doc, now) and not any(
            other.kind == doc.kind and other.status == DocumentStatus.APPROVED and other.id > doc.id
            for other in docs
        ):
            blocked.add(doc.kind)
    return sorted(blocked)

"""A page of a list read by key ("before this id"), the way the console's lists page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    rows: tuple[T, ...]
    # The id to pass as ``before`` for the next page; None on the last one.
    next_before: int | None

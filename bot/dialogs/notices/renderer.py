"""What a notice's renderer is: the kind it answers, and how it turns the notice's plain
parameters into replies in the subscriber's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.dialogs.contract import Reply
from bot.i18n import Texts
from core.ports import FileStore

Renderer = Callable[[Texts, dict[str, Any]], Awaitable[list[Reply]]]
# One that sends stored files along is given the FileStore (None where the sender has none:
# it names them then).
FileRenderer = Callable[[Texts, dict[str, Any], FileStore | None], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    render: Renderer


@dataclass(frozen=True, slots=True)
class FileNotice:
    kind: str
    render: FileRenderer

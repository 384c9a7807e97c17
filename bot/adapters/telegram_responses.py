"""aiogram reads every Bot API answer as ``Response[<the method's return type>]``, a pydantic
generic model made on first use. Pydantic keeps the models it made only weakly, so once the
garbage collector has taken one, the next call of that method builds the class again: about
0.2 ms a call, 4 % of a chat turn in the inbound benchmark's profile (bench/RESULTS.md).
Holding them for the life of the process keeps pydantic's cache warm."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import methods
from aiogram.methods.base import Response

log = logging.getLogger(__name__)

_held: dict[str, Any] = {}


def hold_response_models() -> None:
    """Make the response model of every Bot API method once and keep it (about 70 ms, once
    per process)."""
    if _held:
        return
    for name in methods.__all__:
        returning = getattr(getattr(methods, name), "__returning__", None)
        if returning is None or repr(returning) in _held:
            continue
        try:
            _held[repr(returning)] = Response[returning]  # type: ignore[valid-type]
        except Exception as error:  # a type pydantic cannot build: aiogram builds it per call
            log.debug("no response model held for %s: %r", name, error)

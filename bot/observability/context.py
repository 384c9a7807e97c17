"""The id of the request or update being handled, carried by a context variable so that every
log line written while handling it names it, whichever module writes the line."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("ispbot_request_id", default=None)
# Values that must not be logged while this request runs (the inbound text of a turn may be a
# password; a web chat's id is its cookie). The redaction filter masks them wherever they show.
sensitive_values: ContextVar[tuple[str, ...]] = ContextVar("ispbot_sensitive", default=())

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id(offered: str | None = None) -> str:
    """The client's id if it is a plain short token (a proxy's ``X-Request-Id``), else a new one."""
    if offered and _CLIENT_ID.match(offered):
        return offered
    return uuid.uuid4().hex


@contextlib.contextmanager
def bound(rid: str, secrets: Iterable[str | None] = ()) -> Iterator[str]:
    """Run the block as request ``rid``, with ``secrets`` masked in its log lines."""
    extra = tuple(s for s in secrets if s and len(s) >= 4)
    id_token = request_id.set(rid)
    secret_token = sensitive_values.set(sensitive_values.get() + extra)
    try:
        yield rid
    finally:
        sensitive_values.reset(secret_token)
        request_id.reset(id_token)

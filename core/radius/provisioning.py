"""The subscribers' network access, written to FreeRADIUS's ``radcheck`` so that what happens
in the bot takes effect on the network:

- ``Cleartext-Password := <internet password>``: a password changed in the chat works at the
  modem's next connection (CHAP and MS-CHAP need the clear text);
- ``Expiration := <end of the paid service>``: a purchase or renewal extends it, the free
  charge too (rlm_expiration refuses the login after it);
- ``Auth-Type := Reject`` while the line is not in operation (isolated until the deposit is
  paid, in the collection list, suspended for documents, closed) or its service is paused
  (until the day it resumes: core/billing/pauses.py).

It is a reconciliation, not a stream of events: each run compares what radcheck holds for our
subscribers with what it should hold and writes only the differences, in one transaction, so it
is idempotent, catches up after any outage, and never touches users or attributes it does not
manage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Max

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.billing.enums import SubscriptionStatus
from core.billing.models import Subscription

PASSWORD = "Cleartext-Password"
EXPIRATION = "Expiration"
AUTH_TYPE = "Auth-Type"
MANAGED = (PASSWORD, EXPIRATION, AUTH_TYPE)

Desired = dict[tuple[str, str], str]  # (username, attribute) -> value; the op is always ":="


def expiration_value(moment: datetime) -> str:
    """FreeRADIUS reads a date attribute given as seconds since the epoch exactly (the named
    forms depend on the server's time zone)."""
    return str(int(moment.timestamp()))


@dataclass(slots=True)
class ProvisionResult:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


async def desired_state(now: datetime | None = None) -> Desired:
    now = now or datetime.now(UTC)
    rows = await (
        Subscription.filter(
            status__in=[
                SubscriptionStatus.ACTIVE,
                SubscriptionStatus.RESERVED,
                SubscriptionStatus.ENDED,
            ]
        )
        .annotate(last_end=Max("ends_at"))
        .group_by("subscriber_id")
        .values("subscriber_id", "last_end")
    )
    ends = {row["subscriber_id"]: row["last_end"] for row in rows}
    desired: Desired = {}
    subscribers = await Subscriber.all().values(
        "id", "username", "internet_password", "line_status", "created_at", "paused_until"
    )
    for sub in subscribers:
        name = sub["username"]
        if sub["internet_password"]:
            desired[(name, PASSWORD)] = sub["internet_password"]
        # A line that never had a service expired when it was created.
        desired[(name, EXPIRATION)] = expiration_value(ends.get(sub["id"]) or sub["created_at"])
        paused = sub["paused_until"] is not None and sub["paused_until"] > now
        if paused or LineStatus(sub["line_status"]) != LineStatus.IN_OPERATION:
            desired[(name, AUTH_TYPE)] = "Reject"
    return desired


async def provision(radius: Any, now: datetime | None = None) -> ProvisionResult:
    """``radius``: an asyncpg connection to FreeRADIUS's database; ``now``: the moment whose
    pauses count (the present by default)."""
    desired = await desired_state(now)
    ours = {name for name, _ in desired}
    result = ProvisionResult()
    async with radius.transaction():
        rows = await radius.fetch(
            "SELECT id, username, attribute, op, value FROM radcheck"
            " WHERE attribute = ANY($1::text[]) AND username = ANY($2::text[]) ORDER BY id",
            list(MANAGED),
            list(ours),
        )
        seen: set[tuple[str, str]] = set()
        stale: list[int] = []
        for row in rows:
            key = (row["username"], row["attribute"])
            if key not in desired or key in seen:
                stale.append(row["id"])  # not wanted any more, or a duplicate row
                continue
            seen.add(key)
            if row["value"] != desired[key] or row["op"] != ":=":
                await radius.execute(
                    "UPDATE radcheck SET op = ':=', value = $2 WHERE id = $1",
                    row["id"],
                    desired[key],
                )
                result.updated += 1
        if stale:
            await radius.execute("DELETE FROM radcheck WHERE id = ANY($1::int[])", stale)
            result.deleted = len(stale)
        missing = [(u, a, ":=", v) for (u, a), v in desired.items() if (u, a) not in seen]
        if missing:
            await radius.executemany(
                "INSERT INTO radcheck (username, attribute, op, value) VALUES ($1, $2, $3, $4)",
                missing,
            )
            result.inserted = len(missing)
    return result

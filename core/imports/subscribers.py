"""Import subscribers from CSV: upsert by username, all or nothing.

Every row is checked first (subscriber_rows.py); only when the file has been read to the end
are the good rows written, in one transaction, so a crash leaves the database as it was.
Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.accounts.passwords import generate_password, hash_password, verify_password
from core.billing.enums import PlanKind
from core.billing.models import Plan, Subscription
from core.billing.state import LIVE
from core.config import Settings
from core.imports.report import (
    ImportResult,
    OnWritten,
    Progress,
    RejectedRow,
    read_rows,
    report_progress,
)
from core.imports.subscriber_rows import FIELDS, CleanRow, RowChecker
from core.ports import Clock

COLUMNS = FIELDS
REQUIRED = ("username",)


async def service_plans() -> set[str]:
    codes = await Plan.filter(kind=PlanKind.SERVICE).values_list("code", flat=True)
    return {str(code) for code in codes}


class SubscriberWriter:
    """Writes checked rows: used by the import (many rows) and the admin API (one)."""

    def __init__(self, settings: Settings, clock: Clock, subscriptions: Any) -> None:
        self.settings = settings
        self.clock = clock
        # core.billing.subscriptions.Subscriptions: gives a new line its plan
        self.subscriptions = subscriptions

    async def hash_password(self, row: CleanRow, current: Subscriber | None) -> None:
        """A new line without a password gets a random one (the subscriber uses "forgot
        password"); an existing line's hash changes only if the given password is new."""
        if current is None:
            password = row.panel_password or generate_password()
        elif row.panel_password and not await verify_password(
            self.settings, current.password_hash, row.panel_password
        ):
            password = row.panel_password
        else:
            return
        row.password_hash = await hash_password(self.settings, password)

    async def write(self, row: CleanRow, current: Subscriber | None) -> tuple[Subscriber, str]:
        """Create or update; returns the subscriber and "created", "updated" or "unchanged".
        Call inside a transaction, after ``hash_password``."""
        fields = dict(row.fields)
        if "email" in fields and (current is None or current.email != fields["email"]):
            # An address from the ISP's own records is taken as confirmed (the subscriber
            # confirms one they type in the chat): a new one starts with no bounce.
            fields.update(
                email_verified_at=self.clock.now(), email_bounced_at=None, email_bounce=None
            )
        if row.password_hash:
            fields["password_hash"] = row.password_hash
        if current is None:
            fields.setdefault("currency", self.settings.currency)
            subscriber = await Subscriber.create(**fields)
            outcome = "created"
        else:
            changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
            if changed:
                await Subscriber.filter(id=current.id).update(**changed)
                await current.refresh_from_db()
            subscriber, outcome = current, "updated" if changed else "unchanged"
        if (
            row.plan_code
            and not await Subscription.filter(
                subscriber_id=subscriber.id,
                status__in=LIVE,
            ).exists()
        ):
            await self.subscriptions.grant_service(subscriber.id, row.plan_code)
            outcome = "created" if outcome == "created" else "updated"
        return subscriber, outcome


class SubscriberImporter:
    def __init__(self, settings: Settings, clock: Clock, subscriptions: Any) -> None:
        self.writer = SubscriberWriter(settings, clock, subscriptions)
        self.settings = settings
        self.clock = clock

    async def run(
        self, path: Path, progress: Progress | None = None, on_written: OnWritten | None = None
    ) -> ImportResult:
        rows = read_rows(path, COLUMNS, REQUIRED)
        result = ImportResult()
        existing = {s.username: s for s in await Subscriber.all()}
        mobiles = {s.mobile: s.username for s in existing.values() if s.mobile}
        static_ips = {s.static_ip: s.username for s in existing.values() if s.static_ip}
        checker = RowChecker(
            self.settings.currency,
            await service_plans(),
            mobiles.get,
            self.clock.now().date(),
            self.settings.static_ips,
            static_ips.get,
        )
        seen: set[str] = set()
        good: list[CleanRow] = []
        for done, (line, raw) in enumerate(rows, 1):
            username = raw.get("username", "")
            checked = checker.check(raw, existing.get(username))
            errors = checked if isinstance(checked, list) else []
            if username in seen:
                errors.insert(0, ("username", "username repeated in the file"))
            seen.add(username)
            if errors:
                reasons = tuple(message for _, message in errors)
                result.rejected.append(RejectedRow(line, username, reasons, raw))
            elif isinstance(checked, CleanRow):
                if "mobile" in checked.fields:  # later rows may not take it
                    mobiles[checked.fields["mobile"]] = username
                if "static_ip" in checked.fields:  # nor this
                    static_ips[checked.fields["static_ip"]] = username
                good.append(checked)
            await report_progress(progress, done, len(rows))
        # Hashing is slow (argon2): done before the transaction, so it stays short.
        for row in good:
            await self.writer.hash_password(row, existing.get(row.fields["username"]))
        async with in_transaction():
            for row in good:
                _, outcome = await self.writer.write(row, existing.get(row.fields["username"]))
                setattr(result, outcome, getattr(result, outcome) + 1)
            if on_written is not None:
                await on_written(result)
        return result

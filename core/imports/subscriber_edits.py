"""One subscriber created or changed by an operator (the admin API, the staff console): the
import's rules for each field, then one transaction."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.accounts.queries import SubscriberView
from core.config import Settings
from core.errors import Conflict, FieldErrors, NotFound
from core.imports.subscriber_rows import DUPLICATE_STATIC_IP, CleanRow, RowChecker, clean_ip
from core.imports.subscribers import SubscriberWriter, service_plans
from core.ports import Clock


class SubscriberEdits:
    def __init__(self, settings: Settings, clock: Clock, billing: Any) -> None:
        self.settings = settings
        self.clock = clock
        self.writer = SubscriberWriter(settings, clock, billing)

    async def create(self, cells: dict[str, str]) -> SubscriberView:
        """A new line from ``cells`` (the import's columns); Conflict ``username_taken``."""
        username = cells.get("username", "")
        if await Subscriber.filter(username=username).exists():
            raise Conflict("username_taken", username=username)
        number = cells.get("customer_number")
        if number and await Subscriber.filter(customer_number=number).exists():
            raise FieldErrors([("customer_number", "customer number taken")])
        return await self._save(cells, None)

    async def update(self, username: str, cells: dict[str, str]) -> SubscriberView:
        """Change the cells given; an empty or missing cell keeps what is stored."""
        current = await Subscriber.get_or_none(username=username)
        if current is None:
            raise NotFound("subscriber_not_found", username=username)
        number = cells.get("customer_number")
        if (
            number
            and await Subscriber.filter(customer_number=number).exclude(id=current.id).exists()
        ):
            raise FieldErrors([("customer_number", "customer number taken")])
        return await self._save({**cells, "username": username}, current)

    async def _save(self, cells: dict[str, str], current: Subscriber | None) -> SubscriberView:
        username = cells.get("username", "")
        owners: dict[str, str] = {}
        ip = clean_ip(cells.get("static_ip") or "")
        ip_owners = dict(
            await Subscriber.filter(static_ip=ip).values_list("static_ip", "username") if ip else []
        )
        checker = RowChecker(
            self.settings.currency,
            await service_plans(),
            owners.get,
            self.clock.now().date(),
            self.settings.static_ips,
            ip_owners.get,
        )
        checked = checker.check(cells, current)
        if isinstance(checked, CleanRow) and "mobile" in checked.fields:
            # Check again knowing who holds the mobile (one query for the one number).
            phone = checked.fields["mobile"]
            owners.update(await Subscriber.filter(mobile=phone).values_list("mobile", "username"))
            checked = checker.check(cells, current)
        if isinstance(checked, list):
            raise FieldErrors(checked)
        await self.writer.hash_password(checked, current)
        try:
            async with in_transaction():
                subscriber, _ = await self.writer.write(checked, current)
        except IntegrityError:
            # Another request gave the address to another line since it was checked.
            if ip and await Subscriber.filter(static_ip=ip).exclude(username=username).exists():
                raise FieldErrors([("static_ip", DUPLICATE_STATIC_IP)]) from None
            raise
        return SubscriberView.of(subscriber)

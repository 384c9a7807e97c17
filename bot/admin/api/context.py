"""What the admin API's operations work with, held by its sub-application."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.dialogs.services import Services
from bot.wiring import Wiring
from core.admin.tokens import AdminTokens
from core.alerts.broadcast import Broadcasts
from core.imports.subscriber_edits import SubscriberEdits
from core.staff.audit import Actor


@dataclass(frozen=True, slots=True)
class ApiContext:
    services: Services
    tokens: AdminTokens
    broadcasts: Broadcasts
    subscribers: SubscriberEdits
    # The name of the token the request came with (set per request by views.view), for the
    # audit log of the changes it makes.
    caller: str | None = None

    @property
    def actor(self) -> Actor:
        """Who makes a change through this request, as the staff's audit log names them."""
        return Actor.outside("api", self.caller or "unknown token")

    @classmethod
    def of(cls, wiring: Wiring) -> ApiContext:
        admin = wiring.admin
        return cls(wiring.services, admin.tokens, admin.broadcasts, admin.subscribers)


API = web.AppKey("admin_api", ApiContext)

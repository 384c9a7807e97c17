"""What the admin API's operations work with, held by its sub-application."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.dialogs.services import Services
from bot.wiring import Wiring
from core.admin.tokens import AdminTokens
from core.alerts.broadcast import Broadcasts
from core.imports.subscriber_edits import SubscriberEdits


@dataclass(frozen=True, slots=True)
class ApiContext:
    services: Services
    tokens: AdminTokens
    broadcasts: Broadcasts
    subscribers: SubscriberEdits

    @classmethod
    def of(cls, wiring: Wiring) -> ApiContext:
        admin = wiring.admin
        return cls(wiring.services, admin.tokens, admin.broadcasts, admin.subscribers)


API = web.AppKey("admin_api", ApiContext)

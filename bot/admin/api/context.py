"""What the admin API's operations work with, held by its sub-application."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.dialogs.services import Services
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
    def of(cls, services: Services) -> ApiContext:
        return cls(
            services=services,
            tokens=AdminTokens(services.clock),
            broadcasts=Broadcasts(services.settings, services.clock),
            subscribers=SubscriberEdits(services.settings, services.clock, services.subscriptions),
        )


API = web.AppKey("admin_api", ApiContext)

"""The container bot/bootstrap.py builds once per process, and every entry point receives: the
web app (bot/app.py), the worker (bot/worker.py), the commands (bot/cli/).

It lives apart from bootstrap.py, which imports every channel to build their senders: a channel
package's ``setup(app, wiring)`` imports this module, and through it no other channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.adapters.chat_bus import ChatBus
from bot.adapters.telegram_bot import TelegramSession
from bot.adapters.twilio_messages import TwilioMessages
from bot.config import BotSettings
from bot.dialogs.engine import Engine
from bot.dialogs.services import Services
from bot.dialogs.state import StateStore
from bot.handlers.channel import ChannelSender
from bot.handlers.files import FileLinks
from bot.observability.metrics import Metrics
from core.admin.tokens import AdminTokens
from core.alerts.broadcast import Broadcasts
from core.alerts.preview import Previews
from core.handoff.actions import DeskActions
from core.handoff.service import Handoff
from core.handoff.topics import TopicBook
from core.imports.subscriber_edits import SubscriberEdits
from core.inbox.service import OutboxRelay
from core.ports import Clock, Notifier
from core.staff.actions import StaffActions
from core.staff.alerts import StaffAlerts
from core.staff.canned import CannedReplies
from core.staff.desk import StaffDesk
from core.staff.imports import StaffImports
from core.staff.money_actions import MoneyActions
from core.staff.plans import StaffPlans
from core.staff.service import StaffAccounts

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass(frozen=True, slots=True)
class AdminServices:
    """The admin API's own core services."""

    tokens: AdminTokens
    broadcasts: Broadcasts
    subscribers: SubscriberEdits


@dataclass(frozen=True, slots=True)
class StaffServices:
    """The staff console's own core services (its reads are the core's queries)."""

    accounts: StaffAccounts
    actions: StaffActions
    # Tickets and documents (the console's desk), and the team's canned replies.
    desk: StaffDesk
    canned: CannedReplies
    alerts: StaffAlerts
    previews: Previews
    plans: StaffPlans
    # The subscriber page's service and money actions.
    money: MoneyActions
    imports: StaffImports


@dataclass(frozen=True, slots=True)
class DeskServices:
    """The agents' group's core services (when ISPBOT_AGENT_CHAT_ID and Telegram are set)."""

    handoff: Handoff
    topics: TopicBook
    actions: DeskActions


@dataclass(frozen=True, slots=True)
class Wiring:
    settings: BotSettings
    clock: Clock
    services: Services
    admin: AdminServices
    staff: StaffServices
    desk: DeskServices | None
    store: StateStore
    links: FileLinks
    engine: Engine
    metrics: Metrics
    # By channel name: the channels this process sends on (the web chat in the web app and
    # the worker alike: bot/handlers/webchat/mail.py).
    senders: Mapping[str, ChannelSender]
    # Calls a web chat held open by a serve process to read its mailbox.
    chat_bus: ChatBus
    notifier: Notifier
    relay: OutboxRelay
    # The clients the process holds open, when it built them (None when absent or replaced).
    telegram: TelegramSession | None
    twilio: TwilioMessages | None
    pacing: Redis | None

    async def close_clients(self) -> None:
        """Close the HTTP and Redis clients (not the state store): when the process stops."""
        if self.twilio is not None:
            await self.twilio.close()
        if self.pacing is not None:
            await self.pacing.aclose()
        if self.telegram is not None:
            await self.telegram.bot.session.close()
        await self.chat_bus.close()
        if self.services.radius is not None:
            await self.services.radius.close()

    async def close(self) -> None:
        """Close the clients and the state store."""
        await self.close_clients()
        await self.store.close()

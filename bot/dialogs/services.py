"""The core's services as one bundle, so a flow reaches what it needs through its context."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import BotSettings
from core.accounts.chats import Chats
from core.accounts.service import Accounts
from core.billing.queries import BillingQueries
from core.billing.service import Billing
from core.inbox.service import Inbox
from core.ports import Clock, FileStore
from core.tickets.closures import Closures
from core.tickets.leads import Leads
from core.tickets.service import Tickets


@dataclass(frozen=True, slots=True)
class Services:
    settings: BotSettings
    clock: Clock
    files: FileStore
    accounts: Accounts
    chats: Chats
    billing: Billing
    billing_queries: BillingQueries
    tickets: Tickets
    leads: Leads
    closures: Closures
    inbox: Inbox

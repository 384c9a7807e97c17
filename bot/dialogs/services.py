"""The core's services as one bundle, so a flow reaches what it needs through its context."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import BotSettings
from bot.understanding.service import Understanding
from core.accounts.chats import Chats
from core.accounts.document_reviews import DocumentReviews
from core.accounts.email_addresses import EmailAddresses
from core.accounts.line_status import LineStatuses
from core.accounts.login import Login
from core.accounts.login_links import LoginLinks
from core.accounts.owner_changes import OwnerChanges
from core.accounts.password_changes import PasswordChanges
from core.accounts.profile_edits import ProfileEdits
from core.alerts.preferences import NoticePreferences
from core.billing.auto_renew import AutoRenewals
from core.billing.bills import Bills
from core.billing.card_settling import CardSettling
from core.billing.deposits import Deposits
from core.billing.free_charges import FreeCharges
from core.billing.jobs import BillingJobs
from core.billing.orders import Orders
from core.billing.pauses import Pauses
from core.billing.plans import Plans
from core.billing.queries import BillingQueries
from core.billing.saved_cards import SavedCards
from core.billing.subscriptions import Subscriptions
from core.billing.usage import UsageMeter
from core.billing.wallet import Wallet
from core.inbox.service import Inbox
from core.ports import Clock, FileStore
from core.radius.presence import RadiusPresence
from core.support.connection import ConnectionChecks
from core.tickets.closures import Closures
from core.tickets.leads import Leads
from core.tickets.service import Tickets
from core.understanding.service import Faq


@dataclass(frozen=True, slots=True)
class Services:
    settings: BotSettings
    clock: Clock
    files: FileStore
    # Accounts: the chats (identity, language, reach), logging in, passwords, the profile,
    # documents and the line's status.
    chats: Chats
    login: Login
    login_links: LoginLinks
    password_changes: PasswordChanges
    profile_edits: ProfileEdits
    owner_changes: OwnerChanges
    # The email address as a channel: confirmed by a code, on or off, bounced.
    email_addresses: EmailAddresses
    document_reviews: DocumentReviews
    line_statuses: LineStatuses
    # Billing: orders and their payment, service given without an order, the wallet, the free
    # charge, a new line's deposit, postpaid bills, usage metering, the catalogue's writes, the
    # periodic jobs; and the reads.
    orders: Orders
    auto_renewals: AutoRenewals
    saved_cards: SavedCards
    # Saved card charges no run can settle, settled by staff (the console, the admin API).
    card_settling: CardSettling
    # Pausing the service for some days, and resuming it.
    pauses: Pauses
    subscriptions: Subscriptions
    wallet: Wallet
    free_charges: FreeCharges
    deposits: Deposits
    bills: Bills
    usage: UsageMeter
    plans: Plans
    billing_jobs: BillingJobs
    billing_queries: BillingQueries
    tickets: Tickets
    leads: Leads
    closures: Closures
    inbox: Inbox
    # Free text: the matcher and the unmatched texts (bot/understanding), the FAQ's writes.
    understanding: Understanding
    faq: Faq
    # Where the subscriber's notices go first, and the kinds they muted.
    notice_preferences: NoticePreferences
    # "My Internet does not work": why, from the service, the line, outages and RADIUS.
    connection_checks: ConnectionChecks
    # Whether a line is online, read from FreeRADIUS's database; None when it is not configured.
    radius: RadiusPresence | None = None

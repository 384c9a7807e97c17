"""Wiring: the core's services with the adapters this process uses."""

from __future__ import annotations

from collections.abc import Mapping

from bot.adapters.demo_sms import DemoSmsOutbox
from bot.adapters.files import DiskFileStore
from bot.adapters.twilio_messages import TwilioMessages, TwilioSmsSender
from bot.config import BotSettings
from bot.dialogs.engine import Engine
from bot.dialogs.flows import all_flows
from bot.dialogs.services import Services
from bot.dialogs.state import StateStore, open_state_store
from bot.handlers.files import FileLinks
from bot.handlers.sms import SmsChannelSender
from bot.handlers.whatsapp import WhatsAppSender
from bot.i18n import translator
from bot.payments.providers import configured_gateways
from core.accounts.chats import Chats
from core.accounts.queries import SubscriberView
from core.accounts.service import Accounts
from core.billing.free_charges import FreeCharges
from core.billing.jobs import BillingJobs
from core.billing.orders import Orders
from core.billing.plans import Plans
from core.billing.queries import BillingQueries
from core.billing.subscriptions import Subscriptions
from core.billing.usage import UsageMeter
from core.billing.wallet import Wallet
from core.clock import SystemClock
from core.inbox.service import Inbox
from core.ports import Clock, FileStore, PaymentGateway, SmsSender
from core.tickets.closures import Closures
from core.tickets.leads import Leads
from core.tickets.service import Tickets


def reset_sms_text(subscriber: SubscriberView, password: str) -> str:
    """The new-password SMS, in the subscriber's language."""
    t = translator(subscriber.language.value)
    return t.gettext(
        "Your new panel password for %(username)s is: %(password)s",
        username=subscriber.username,
        password=password,
    )


def build_services(
    settings: BotSettings,
    *,
    clock: Clock | None = None,
    sms: SmsSender | None = None,
    files: FileStore | None = None,
    gateways: Mapping[str, PaymentGateway] | None = None,
) -> Services:
    clock = clock or SystemClock()
    files = files or DiskFileStore(settings.files_dir)
    if sms is None:
        sms = (
            TwilioSmsSender(settings)
            if settings.twilio_configured
            else DemoSmsOutbox(settings.demo_sms_file)
        )
    if gateways is None:
        # The sandbox, and each real provider whose keys are set.
        gateways = configured_gateways(settings, clock)
    return Services(
        settings=settings,
        clock=clock,
        files=files,
        accounts=Accounts(settings, clock, sms, files, reset_sms_text=reset_sms_text),
        chats=Chats(clock),
        orders=Orders(settings, clock, gateways),
        subscriptions=Subscriptions(settings, clock),
        wallet=Wallet(clock),
        free_charges=FreeCharges(settings, clock),
        usage=UsageMeter(settings, clock),
        plans=Plans(settings),
        billing_jobs=BillingJobs(clock),
        billing_queries=BillingQueries(settings, clock),
        tickets=Tickets(settings, clock, files),
        leads=Leads(clock),
        closures=Closures(clock),
        inbox=Inbox(clock),
    )


def build_engine(services: Services, store: StateStore | None = None) -> Engine:
    return Engine(services, store or open_state_store(services.settings), all_flows())


def twilio_senders(
    settings: BotSettings, messages: TwilioMessages, clock: Clock, links: FileLinks, chats: Chats
) -> tuple[WhatsAppSender, SmsChannelSender]:
    """WhatsApp's and SMS's senders on one REST client; WhatsApp falls back to SMS outside its
    24-hour window when an SMS sender is configured."""
    sms_sender = SmsChannelSender(messages, clock, links, chats)
    sms_configured = bool(settings.twilio_sms_from or settings.twilio_messaging_service_sid)
    whatsapp_sender = WhatsAppSender(
        settings, messages, clock, links, sms_sender if sms_configured else None
    )
    return whatsapp_sender, sms_sender

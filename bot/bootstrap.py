"""The one wiring point: ``bootstrap`` builds a process's container (bot/wiring.py), the core's
services on the adapters this process uses, the channels' senders, the notifier and the engine.
The web app, the worker and the commands receive it; nothing else constructs a core service.

What a process builds depends on what it is (``process``): the web app and the worker send on
the web chat (through its mailbox) and every configured channel; the web app's Telegram bot
waits out a 429 for a reply; the worker leaves a 429 to the notifier's
shared pacer; a command sends on nothing. Tests replace the outside world through the keywords.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Literal

from bot.adapters.chat_bus import open_chat_bus
from bot.adapters.demo_sms import DemoSmsOutbox
from bot.adapters.files import DiskFileStore
from bot.adapters.smtp_mail import SmtpMailer
from bot.adapters.telegram_bot import TelegramSession, open_session
from bot.adapters.twilio_messages import TwilioMessages, TwilioSmsSender
from bot.config import BotSettings
from bot.dialogs.engine import Engine
from bot.dialogs.flows import all_flows
from bot.dialogs.services import Services
from bot.dialogs.state import StateStore, open_state_store
from bot.handlers import telegram
from bot.handlers.agents.live import LiveHandoff
from bot.handlers.channel import ChannelSender
from bot.handlers.email import EmailChannelSender, EmailCodes
from bot.handlers.files import FileLinks
from bot.handlers.sms import SmsChannelSender
from bot.handlers.webchat import WebChatSender
from bot.handlers.whatsapp import WhatsAppSender
from bot.i18n import translator
from bot.login_link_urls import webchat_url
from bot.notify import build_notifier
from bot.observability.metrics import MeteredNotifier, Metrics, instrument_engine
from bot.payments.providers import configured_gateways
from bot.redis_clients import open_redis
from bot.understanding.service import Understanding
from bot.wiring import AdminServices, DeskServices, StaffServices, Wiring
from core.accounts.chats import Chats
from core.accounts.document_reviews import DocumentReviews
from core.accounts.email_addresses import EmailAddresses
from core.accounts.line_status import LineStatuses
from core.accounts.lockout import Lockout
from core.accounts.login import Login
from core.accounts.login_links import IssuedLoginLink, LinkSmsText, LoginLinks
from core.accounts.owner_changes import OWNER_CHECK_MINUTES, OwnerChanges
from core.accounts.password_changes import PasswordChanges
from core.accounts.profile_edits import ProfileEdits
from core.accounts.queries import SubscriberView
from core.admin.tokens import AdminTokens
from core.alerts.broadcast import Broadcasts
from core.alerts.preferences import NoticePreferences
from core.alerts.preview import Previews
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
from core.billing.static_ips import StaticIps
from core.billing.subscriptions import Subscriptions
from core.billing.usage import UsageMeter
from core.billing.wallet import Wallet
from core.clock import SystemClock
from core.handoff.actions import DeskActions
from core.handoff.service import Handoff
from core.handoff.topics import TopicBook
from core.imports.subscriber_edits import SubscriberEdits
from core.inbox.freshness import NoticeFreshness
from core.inbox.service import Inbox, OutboxRelay
from core.ports import Clock, EmailCodeSender, FileStore, PaymentGateway, SmsSender
from core.radius.config import RadiusSettings
from core.radius.presence import RadiusPresence, radius_presence
from core.staff.actions import StaffActions
from core.staff.alerts import StaffAlerts
from core.staff.canned import CannedReplies
from core.staff.desk import StaffDesk
from core.staff.imports import StaffImports
from core.staff.money_actions import MoneyActions
from core.staff.plans import StaffPlans
from core.staff.service import StaffAccounts
from core.support.connection import ConnectionChecks
from core.tickets.closures import Closures
from core.tickets.leads import Leads
from core.tickets.service import Tickets
from core.understanding.service import Faq, UnmatchedTexts


def reset_sms_text(subscriber: SubscriberView, password: str) -> str:
    """The new-password SMS, in the subscriber's language."""
    t = translator(subscriber.language.value)
    return t.gettext(
        "Your new panel password for %(username)s is: %(password)s",
        username=subscriber.username,
        password=password,
    )


def code_sms_text(subscriber: SubscriberView, code: str) -> str:
    """The code that makes a number the subscriber's mobile, in their language."""
    t = translator(subscriber.language.value)
    return t.gettext(
        "Your code to make this number the mobile of %(username)s: %(code)s. It works for "
        "%(minutes)s minutes. If you did not ask for it, ignore this message.",
        username=subscriber.username,
        code=code,
        minutes=OWNER_CHECK_MINUTES,
    )


def login_link_sms_text(settings: BotSettings) -> LinkSmsText:
    def text(subscriber: SubscriberView, link: IssuedLoginLink) -> str:
        """A one-time login link for the registered mobile, in the subscriber's language: the
        web chat's URL, which opens in any phone's browser (two SMS parts at most)."""
        t = translator(subscriber.language.value)
        return t.gettext(
            "Log in to our chat without a password: %(url)s (works once, for %(minutes)s minutes).",
            url=webchat_url(settings, link),
            minutes=settings.login_link_minutes,
        )

    return text


def build_services(
    settings: BotSettings,
    *,
    clock: Clock | None = None,
    sms: SmsSender | None = None,
    files: FileStore | None = None,
    gateways: Mapping[str, PaymentGateway] | None = None,
    email_codes: EmailCodeSender | None = None,
    radius: RadiusPresence | None = None,
) -> Services:
    """``email_codes``: where confirmation codes go by email (by default the configured mail
    server; with none, email is not offered). ``radius``: FreeRADIUS's reader; by default the
    one ISPBOT_RADIUS_DATABASE_URL names."""
    clock = clock or SystemClock()
    if radius is None:
        radius = radius_presence(RadiusSettings())
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
    if email_codes is None and settings.email_configured:
        email_codes = EmailCodes(settings, SmtpMailer(settings))
    chats = Chats(clock)
    orders = Orders(settings, clock, gateways)
    saved_cards = SavedCards(settings, clock, orders)
    # One lockout: wrong logins and wrong old passwords count on the same account.
    lockout = Lockout(settings, clock)
    tickets = Tickets(settings, clock, files)
    billing_queries = BillingQueries(settings, clock)
    return Services(
        settings=settings,
        clock=clock,
        files=files,
        chats=chats,
        login=Login(settings, clock, chats, lockout),
        login_links=LoginLinks(
            settings, clock, chats, lockout, sms, link_sms_text=login_link_sms_text(settings)
        ),
        password_changes=PasswordChanges(
            settings, clock, sms, chats, lockout, reset_sms_text=reset_sms_text
        ),
        profile_edits=ProfileEdits(settings, clock),
        owner_changes=OwnerChanges(settings, clock, sms, lockout, code_sms_text=code_sms_text),
        email_addresses=EmailAddresses(clock, lockout, email_codes),
        document_reviews=DocumentReviews(settings, clock, files),
        line_statuses=LineStatuses(clock),
        orders=orders,
        auto_renewals=AutoRenewals(settings, clock, orders, saved_cards),
        saved_cards=saved_cards,
        card_settling=CardSettling(clock, orders),
        pauses=Pauses(settings, clock),
        subscriptions=Subscriptions(settings, clock),
        wallet=Wallet(clock),
        free_charges=FreeCharges(settings, clock),
        deposits=Deposits(clock),
        bills=Bills(settings, clock),
        usage=UsageMeter(settings, clock),
        plans=Plans(settings),
        billing_jobs=BillingJobs(clock),
        billing_queries=billing_queries,
        tickets=tickets,
        leads=Leads(clock),
        closures=Closures(clock),
        inbox=Inbox(clock),
        radius=radius,
        notice_preferences=NoticePreferences(),
        connection_checks=ConnectionChecks(clock, billing_queries, tickets, radius),
        understanding=Understanding(UnmatchedTexts(clock)),
        faq=Faq(clock),
    )


def build_engine(services: Services, store: StateStore | None = None) -> Engine:
    return Engine(services, store or open_state_store(services.settings), all_flows())


Process = Literal["web", "worker", "command"]


def bootstrap(
    settings: BotSettings,
    *,
    process: Process = "web",
    clock: Clock | None = None,
    sms: SmsSender | None = None,
    files: FileStore | None = None,
    gateways: Mapping[str, PaymentGateway] | None = None,
    services: Services | None = None,
    store: StateStore | None = None,
    senders: Sequence[ChannelSender] | None = None,
) -> Wiring:
    """The container of one process. ``services`` replaces the core's services (then clock,
    sms, files and gateways are theirs); ``senders`` replaces the channels' outbound side (the
    web app and the worker still add the web chat's)."""
    services = services or build_services(
        settings, clock=clock, sms=sms, files=files, gateways=gateways
    )
    clock = services.clock
    store = store or open_state_store(settings)
    links = FileLinks(settings, services.files, clock)
    engine = build_engine(services, store)
    metrics = Metrics(clock)
    desk = None
    if settings.telegram_token and settings.agent_chat_id is not None:
        handoff = Handoff(settings, clock, services.tickets)
        topics = TopicBook(
            clock, settings.agent_chat_id, timedelta(hours=settings.agent_topic_max_age_hours)
        )
        actions = DeskActions(
            clock,
            services.tickets,
            services.free_charges,
            services.subscriptions,
            handoff,
            topics,
        )
        desk = DeskServices(handoff, topics, actions)
        # While an agent holds a chat, what the subscriber writes goes to the ticket.
        engine.interceptors.append(LiveHandoff(handoff))
    if process == "web":
        instrument_engine(engine, metrics)
    session: TelegramSession | None = None
    twilio: TwilioMessages | None = None
    chat_bus = open_chat_bus(settings.redis_url, settings.redis_prefix)
    # The web chat is a channel of every process that sends: its notices wait in the chat's
    # mailbox in the store, and the serve process holding the chat open shows them.
    chosen: list[ChannelSender] = (
        [WebChatSender(settings, clock, links, store, chat_bus)] if process != "command" else []
    )
    if senders is not None:
        chosen += senders
    elif process != "command":
        if settings.telegram_token is not None:
            # The web app's bot waits out a 429 before a reply; a worker's raises it at once to
            # the notifier, whose pacer every worker shares.
            session = open_session(settings, retries=3 if process == "web" else 0)
            chosen.append(telegram.build_sender(settings, services.chats, store, session.bot))
        if settings.twilio_configured:
            twilio = TwilioMessages(settings)
            chosen += twilio_senders(settings, twilio, clock, links, services.chats)
        if settings.email_configured:
            chosen.append(
                EmailChannelSender(settings, SmtpMailer(settings), services.email_addresses)
            )
    # Sends paced by the buckets in Redis that every process shares, when there is Redis.
    pacing = open_redis(settings.redis_url) if settings.redis_url and chosen else None
    notifier = build_notifier(
        settings,
        chosen,
        clock=clock,
        files=services.files,
        store=store,
        redis=pacing,
        failed=metrics.count_channel_failure,
    )
    # The web app and the worker serve their metrics; a command's would be seen by no one.
    metered = MeteredNotifier(notifier, metrics) if process != "command" else notifier
    broadcasts = Broadcasts(settings, clock)
    return Wiring(
        settings=settings,
        clock=clock,
        services=services,
        admin=AdminServices(
            tokens=AdminTokens(clock),
            broadcasts=broadcasts,
            subscribers=SubscriberEdits(settings, clock, services.subscriptions),
        ),
        staff=StaffServices(
            # The subscribers' lockout rules, on keys of the staff's own.
            accounts=StaffAccounts(settings, clock, Lockout(settings, clock)),
            actions=StaffActions(clock, services.line_statuses, services.chats),
            desk=StaffDesk(
                clock,
                services.tickets,
                desk.handoff if desk else Handoff(settings, clock, services.tickets),
                services.document_reviews,
            ),
            canned=CannedReplies(clock),
            alerts=StaffAlerts(clock, broadcasts),
            previews=Previews(settings, clock),
            plans=StaffPlans(clock, services.plans),
            money=MoneyActions(
                clock,
                services.subscriptions,
                services.free_charges,
                StaticIps(services.orders.static_ip_pool),
                services.deposits,
                services.orders,
                services.pauses,
                services.card_settling,
            ),
            imports=StaffImports(settings, clock, services.subscriptions),
        ),
        desk=desk,
        store=store,
        links=links,
        engine=engine,
        metrics=metrics,
        senders=notifier.senders,
        chat_bus=chat_bus,
        notifier=metered,
        relay=OutboxRelay(
            clock,
            metered,
            NoticeFreshness(settings),
            expired=metrics.count_outbox_expired,
            lease=timedelta(seconds=settings.outbox_lease_seconds),
        ),
        telegram=session,
        twilio=twilio,
        pacing=pacing,
    )


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

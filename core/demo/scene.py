"""One demo subscriber's past, played through the real services (billing's, ``Tickets``,
``LineStatuses``) on a clock of the scene's own, set to the moment each thing happened: a ticket
opened last week is opened with last week's time, so its rows are exactly what the services
would have written then."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from core.accounts.document_reviews import DocumentReviews
from core.accounts.enums import DocumentKind, RejectReason
from core.accounts.line_status import LineStatuses
from core.accounts.models import Subscriber
from core.accounts.profile import subscriber_zone
from core.billing.bills import Bills
from core.billing.deposits import Deposits
from core.billing.enums import OrderKind, OrderStatus, SubscriptionSource
from core.billing.gateways.sandbox import SANDBOX, SandboxGateway
from core.billing.ip_pool import DEMO_STATIC_IP_POOL_TEXT, parse_static_ip_pool
from core.billing.jobs import BillingJobs
from core.billing.orders import Orders
from core.billing.subscriptions import Subscriptions
from core.billing.usage import UsageMeter
from core.billing.wallet import Wallet
from core.clock import FixedClock
from core.config import Settings
from core.demo.usage import Session
from core.ports import FileStore
from core.tickets.enums import Department, Priority
from core.tickets.service import ByAgent, Tickets

# The sandbox gateway's pay page: the demo's orders are paid already, so the link is never used.
DEMO_PAY_BASE_URL = "http://127.0.0.1:8080"
# The demo ISP's identity on its receipts, where the operator set none (ISPBOT_ISP_*); `make
# demo` serves with the same values, so receipts of what is bought in the demo show them too.
DEMO_SELLER = {
    "isp_legal_name": "ispbot Demo Internet Ltd.",
    "isp_address": "No. 12, Daneshgah St., Enghelab Ave., Tehran",
    "isp_tax_number": "411-1234-5678",
}


class _UnusedPort:
    """The SMS and file ports of a service the demo uses for what needs neither."""

    async def send_sms(self, to: str, text: str) -> None:
        raise RuntimeError("the demo seed sends no SMS")

    async def put(self, data: bytes, content_type: str, filename: str) -> str:
        raise RuntimeError("the demo seed stores no ticket files")

    async def get(self, key: str) -> bytes:
        raise RuntimeError("the demo seed stores no ticket files")


class Scene:
    """One subscriber being seeded, as of ``now``; every time is relative to it."""

    def __init__(
        self, settings: Settings, now: datetime, subscriber: Subscriber, files: FileStore
    ) -> None:
        """``files`` keeps the documents' copies, where the app reads them (the agents see
        them)."""
        self.settings = settings
        self.now = now
        self.subscriber = subscriber
        self.id = subscriber.id
        self.zone = subscriber_zone(subscriber, settings)
        self.clock = FixedClock(now)
        unused = _UnusedPort()
        seller = settings if settings.seller else settings.model_copy(update=DEMO_SELLER)
        # The demo's story sells static IPs from its documentation range unless a pool is set.
        self.orders = Orders(
            seller,
            self.clock,
            {SANDBOX: SandboxGateway(DEMO_PAY_BASE_URL)},
            static_ip_pool=settings.static_ips or parse_static_ip_pool(DEMO_STATIC_IP_POOL_TEXT),
        )
        self.subscriptions = Subscriptions(settings, self.clock)
        self.usage = UsageMeter(settings, self.clock)
        self.wallet_service = Wallet(self.clock)
        self.billing_jobs = BillingJobs(self.clock)
        self.tickets = Tickets(settings, self.clock, unused)
        self.line_statuses = LineStatuses(self.clock)
        self.deposits = Deposits(self.clock)
        self.document_reviews = DocumentReviews(settings, self.clock, files)
        self.bills = Bills(settings, self.clock)

    def local(self, days_ago: int, hh_mm: str) -> datetime:
        """``hh_mm`` local time, ``days_ago`` calendar days before today, in UTC."""
        today = self.now.astimezone(self.zone).date()
        hour, minute = (int(x) for x in hh_mm.split(":"))
        moment = datetime.combine(today - timedelta(days=days_ago), time(hour, minute))
        return moment.replace(tzinfo=self.zone).astimezone(UTC)

    def at(self, moment: datetime) -> Scene:
        self.clock.set(min(moment, self.now))
        return self

    async def grant(
        self,
        plan_code: str,
        starts_at: datetime,
        source: SubscriptionSource,
        price_paid: int | None = None,
    ) -> None:
        """A service given by an operator or sales agent (or the record of an online purchase
        made before the demo's history begins), as of its start."""
        self.at(starts_at)
        await self.subscriptions.grant_service(
            self.id, plan_code, source=source, starts_at=starts_at, price_paid=price_paid
        )

    async def buy(self, at: datetime, kind: OrderKind, plan_code: str, months: int = 1) -> None:
        """An online purchase: the order, the sandbox payment, applied at once."""
        self.at(at)
        order = await self.orders.place_order(self.id, kind, plan_code, months, gateway=SANDBOX)
        if order.status == OrderStatus.PENDING:
            assert order.gateway_ref is not None
            await self.orders.confirm_payment(
                order.tracking_number, SANDBOX, order.gateway_ref, order.payable
            )

    async def pay_bill(self, at: datetime) -> None:
        """The oldest unpaid postpaid bill paid online: the order, the sandbox payment."""
        self.at(at)
        order = await self.orders.place_bill_order(self.id, gateway=SANDBOX)
        if order.status == OrderStatus.PENDING:
            assert order.gateway_ref is not None
            await self.orders.confirm_payment(
                order.tracking_number, SANDBOX, order.gateway_ref, order.payable
            )

    async def use(self, sessions: Sequence[Session], ip: str) -> None:
        """Accounting sessions, synced as RADIUS would (each once, when it ended)."""
        self.at(self.now)
        for n, s in enumerate(sessions, start=1):
            started, ended = self.local(s.days_ago, s.start), self.local(s.days_ago, s.end)
            await self.usage.record_session(
                self.id,
                f"demo-{self.subscriber.username}-{n:04d}",
                started,
                ended,
                s.download,
                s.upload,
                ip=ip,
            )

    async def ticket(
        self,
        opened: datetime,
        department: Department,
        priority: Priority,
        subject: str,
        body: str,
        thread: Sequence[tuple[datetime, str, str]] = (),
        close: tuple[datetime, str] | None = None,
        rating: int | None = None,
        service: str | None = None,
    ) -> None:
        """A ticket and its thread: (time, author, text), author "agent:<name>" or
        "subscriber"; closed by an agent at ``close`` = (time, name); about the plan
        ``service``."""
        self.at(opened)
        ticket = await self.tickets.open_ticket(
            self.id, department, priority, subject, body, channel="web", related_service=service
        )
        for moment, author, text in thread:
            self.at(moment)
            if author.startswith("agent:"):
                await self.tickets.answer_as_agent(ticket.number, author[6:], text)
            else:
                await self.tickets.reply_as_subscriber(ticket.number, self.id, text)
        if close is not None:
            self.at(close[0])
            await self.tickets.close(ticket.number, ByAgent(close[1]))
            if rating is not None:
                await self.tickets.rate(ticket.number, self.id, rating)

    async def document(
        self,
        uploaded: datetime,
        kind: DocumentKind,
        path: Path,
        rejected: tuple[datetime, RejectReason, str] | None = None,
    ) -> None:
        """A copy uploaded, and maybe rejected = (time, reason, note): the grace starts then
        and the subscriber is told."""
        self.at(uploaded)
        document = await self.document_reviews.upload_document(
            self.id, kind, path.name, "image/png", await asyncio.to_thread(path.read_bytes)
        )
        if rejected is not None:
            moment, reason, note = rejected
            self.at(moment)
            await self.document_reviews.review_document(document.id, False, reason, note)

    async def wallet(self, at: datetime, amount: int, note: str) -> None:
        self.at(at)
        await self.wallet_service.adjust(self.id, amount, note)

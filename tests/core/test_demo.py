"""The demo seed: every situation it promises exists, through the same reads the bot uses, and
seeding again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from tortoise import Tortoise

from core.accounts import queries as account_queries
from core.accounts.chats import Chats
from core.accounts.enums import DocumentStatus, LineStatus, RejectReason
from core.accounts.lockout import Lockout
from core.accounts.login import Login
from core.accounts.models import Subscriber
from core.accounts.national_id import normalise_national_id
from core.accounts.profile import country_of, missing_profile_fields, subscriber_zone
from core.billing.bills import Bills
from core.billing.enums import BillState, OrderKind, PlanKind
from core.billing.models import Plan
from core.billing.queries import BillingQueries
from core.billing.subscriptions import Subscriptions
from core.demo import PEOPLE, SEED_USAGE_USERNAME, seed_demo
from core.demo.people import PLAN_CODES, PLANS_CSV, SUBSCRIBERS_CSV
from core.imports.plans import import_plans
from core.imports.subscribers import SubscriberImporter
from core.inbox import queries as inbox_queries
from core.inbox.models import OutboxMessage
from core.tickets.enums import AuthorKind, Department, TicketStatus
from core.tickets.models import Ticket, TicketMessage
from tests.core.test_billing_support import billing_services
from tests.fakes import InMemoryFileStore


async def _counts() -> dict[str, int]:
    return {name: await model.all().count() for name, model in Tortoise.apps["core"].items()}


async def _id(username: str) -> int:
    return (await Subscriber.get(username=username)).id


async def test_seeding_twice_changes_nothing(db, settings, clock):
    first = await seed_demo(settings, clock, InMemoryFileStore())
    counts = await _counts()
    clock.advance(timedelta(days=3))

    again = await seed_demo(settings, clock, InMemoryFileStore())

    assert again == first
    assert await _counts() == counts
    assert counts["Subscriber"] == len(PEOPLE) == len(first)
    assert counts["UsageSession"] > 100


async def test_seeding_again_keeps_what_a_person_changed_while_trying_the_demo(db, settings, clock):
    await seed_demo(settings, clock, InMemoryFileStore())
    person = PEOPLE[0]
    await Subscriber.filter(username=person.username).update(
        password_hash="changed", full_name="Renamed"
    )
    await Plan.filter(code=PLAN_CODES[0]).update(price=1)

    await seed_demo(settings, clock, InMemoryFileStore())

    kept = await Subscriber.get(username=person.username)
    assert (kept.password_hash, kept.full_name) == ("changed", "Renamed")
    assert (await Plan.get(code=PLAN_CODES[0])).price == 1


async def test_the_demo_is_its_csv_files_imported_and_each_lives_in_its_own_zone(
    db, settings, clock
):
    await seed_demo(settings, clock, InMemoryFileStore())

    # What the stories changed since (a line isolated, in the collection list) is in no column
    # of the files, so importing them again finds nothing to change.
    plans = await import_plans(PLANS_CSV)
    assert (plans.unchanged, plans.total) == (await Plan.all().count(), plans.unchanged)
    importer = SubscriberImporter(settings, clock, Subscriptions(settings, clock))
    subscribers = await importer.run(SUBSCRIBERS_CSV)
    assert (subscribers.unchanged, subscribers.total) == (len(PEOPLE), len(PEOPLE))
    for username, zone in (("2153660101", "Asia/Jakarta"), ("2177889900", "Asia/Tehran")):
        subscriber = await Subscriber.get(username=username)
        assert subscriber_zone(subscriber, settings).key == zone


async def test_the_seed_subscriber_sees_the_seeds_panel_and_usage_totals(db, settings, clock):
    await seed_demo(settings, clock, InMemoryFileStore())
    reads = BillingQueries(settings, clock)
    subscriber = await Subscriber.get(username=SEED_USAGE_USERNAME)

    status = await reads.service_status(subscriber.id)
    assert status.remaining_days == 26
    assert status.remaining_gb == Decimal("4.24")
    assert status.plan is not None and status.plan.traffic_mb == 5120
    assert status.plan.speed_kbps == 2048

    zone = subscriber_zone(subscriber, settings)
    today = clock.now().astimezone(zone).date()
    # In UTC: on SQLite, bounds in another offset compare wrongly with the stored times.
    start = datetime.combine(today - timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    report = await reads.usage(subscriber.id, start, start + timedelta(days=1))
    assert report.download_mb == Decimal("243.63")
    assert report.upload_mb == Decimal("53.39")
    assert report.used_mb == Decimal("297.02")
    assert report.deducted_mb == Decimal("243.62")
    first = report.sessions[0]
    assert first.started_at.astimezone(zone).strftime("%H:%M") == "00:43"
    assert first.ended_at is not None
    assert first.ended_at.astimezone(zone).strftime("%H:%M") == "02:26"

    history = await reads.service_history(subscriber.id)
    assert {str(line.source) for line in history} == {"online", "sales_agent", "admin"}


async def test_every_promised_situation_exists(db, settings, clock):
    await seed_demo(settings, clock, InMemoryFileStore())
    reads = BillingQueries(settings, clock)

    async def status(username: str):
        return await reads.service_status(await _id(username))

    days_out = await status("2166402020")
    assert days_out.days_ran_out and not days_out.traffic_ran_out
    assert days_out.remaining_gb == Decimal("20.00")

    traffic_out = await status("2129180202")
    assert traffic_out.traffic_ran_out and not traffic_out.days_ran_out
    assert traffic_out.remaining_days == 18

    for username in ("2144556677", "2131770404"):
        both = await status(username)
        assert both.days_ran_out and both.traffic_ran_out, username
        assert both.line_status == LineStatus.IN_COLLECTION_LIST

    plenty = await status("2177889900")
    assert plenty.remaining_days > 100 and plenty.remaining_gb > Decimal("20")
    assert plenty.static_ip is not None and plenty.static_ip_until > clock.now()

    reserve = await status("2153660101")
    assert reserve.unlimited and reserve.remaining_days == 20
    assert reserve.reserve_plan is not None and reserve.reserve_starts_at == reserve.ends_at

    company = await status("2122334455")
    assert company.remaining_days == 352 and company.static_ip is not None
    pishgaman = await _id("2122334455")
    [charge] = await reads.campaign_history(pishgaman)
    assert (charge.megabytes, charge.result) == (5120, "applied")
    billing = billing_services(settings, clock, {})
    quote = await billing.orders.quote(pishgaman, OrderKind.CHANGE_SERVICE, "ir-zomorrod-12m")
    assert (quote.subtotal, quote.vat, quote.proration_credit) == (8_000_000, 720_000, 1_928_767)
    assert quote.payable == 6_791_233

    assert await billing.queries.wallet_balance(await _id("2153660101")) == 50_000
    assert await billing.queries.wallet_balance(await _id("2177889900")) == 250_000

    isolated = await status("2135550303")
    assert isolated.line_status == LineStatus.ISOLATED and not isolated.has_service
    deposit = await billing.orders.quote_deposit(await _id("2135550303"))
    assert (deposit.subtotal, deposit.vat, deposit.payable) == (750_000, 0, 750_000)

    grant = await billing.free_charges.take(await _id("2144556677"))
    assert (grant.days, grant.megabytes) == (2, 100)

    [card] = await account_queries.documents(await _id("2177889900"))
    assert card.status == DocumentStatus.REJECTED and card.reject_code == RejectReason.ILLEGIBLE
    assert card.grace_until == clock.now() + timedelta(days=5)
    assert await OutboxMessage.filter(kind="document_rejected").count() == 1
    # Activated on 1405/06/20: Mehr's bill with Shahrivar's last 12 days paid, Aban's to pay.
    postpaid = await Bills(settings, clock).bills_of(await _id("2188776655"))
    assert [(b.days, b.carried_days, b.total, b.state) for b in postpaid] == [
        (30, 0, 234_350, BillState.OPEN),
        (42, 12, 328_090, BillState.PAID),
    ]
    assert postpaid[0].due_on > clock.now().date()
    on_sale = {p.code for p in await billing.queries.catalogue(OrderKind.BUY_SERVICE, "IRR")}
    assert "ir-std-1m-2048-5g" in on_sale and "ir-pp-2m-5g" not in on_sale  # billed, not sold


async def test_profiles_tickets_and_announcements_are_as_described(db, settings, clock):
    await seed_demo(settings, clock, InMemoryFileStore())

    for person in PEOPLE:
        subscriber = await Subscriber.get(username=person.username)
        assert subscriber.language == person.language
        country = country_of(subscriber)
        assert normalise_national_id(
            subscriber.national_id or "", country, company=subscriber.is_company
        )
        assert subscriber.mobile and subscriber.mobile.startswith(
            {"IR": "+989", "ID": "+628"}[country or ""]
        )
        missing = missing_profile_fields(subscriber)
        if person.username == "2144556677":
            assert missing == ["email", "postal_code", "education", "birth_date", "address"]
            assert not (await account_queries.profile(subscriber.id)).complete
        else:
            assert missing == [], person.username

    answered = await TicketMessage.filter(author_kind=AuthorKind.AGENT).values_list(
        "ticket__department", flat=True
    )
    assert set(answered) == set(Department)
    statuses = set(await Ticket.all().values_list("status", flat=True))
    assert statuses == set(TicketStatus)

    for currency in ("IRR", "IDR"):
        kinds = set(await Plan.filter(currency=currency).values_list("kind", flat=True))
        assert kinds == set(PlanKind), currency
    assert await Plan.filter(bonus_percent__gt=0).exists()
    durations = set(
        await Plan.filter(kind=PlanKind.SERVICE, currency="IRR").values_list(
            "duration_days", flat=True
        )
    )
    assert {30, 90, 180, 365} <= durations

    shown = await inbox_queries.announcements_for(await _id(SEED_USAGE_USERNAME), clock.now())
    assert len(shown) == 2
    assert all(set(a.texts) == {"fa", "id", "en"} for a in shown)


async def test_every_demo_login_logs_in(db, settings, clock):
    logins = await seed_demo(settings, clock, InMemoryFileStore())
    service = Login(settings, clock, Chats(clock), Lockout(settings, clock))

    for n, login in enumerate(logins):
        subscriber = await service.log_in("web", f"demo-{n}", login.username, login.password)
        assert subscriber.username == login.username
        assert subscriber.language == login.language


async def test_the_demo_gives_its_static_ips_from_documentation_addresses_without_a_pool(
    db, settings, clock
):
    production = settings.model_copy(update={"static_ip_pool": ""})
    await seed_demo(production, clock, InMemoryFileStore())
    held = await Subscriber.filter(static_ip__isnull=False).values_list("static_ip", flat=True)
    assert sorted(held) == ["198.51.100.10", "198.51.100.11"]

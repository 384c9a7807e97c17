"""What happened to each demo subscriber before today: services granted and bought, usage,
tickets, wallet credits, a line isolated. ``subscribers.csv`` says who they are; a story is
played once, when the import has just created its subscriber, through ``Scene`` (the real
services on the scene's clock). Every time is relative to now, so the demo tells the same story
whenever it is seeded (26 days and 4.24 GB left, a service that ended yesterday...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from core.accounts.enums import DocumentKind, RejectReason
from core.alerts.broadcast import Broadcasts
from core.billing.bill_periods import month_start, uses_jalali
from core.billing.enums import OrderKind, SubscriptionSource
from core.billing.pauses import Pauses
from core.billing.periods import month_period
from core.demo.scene import Scene
from core.demo.usage import SEED_USAGE_USERNAME, daily_use, days, seed_earlier_days, seed_usage_day
from core.tickets.enums import Department, Priority

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class Story:
    situation: str  # what logging in as this subscriber shows (``ispbot demo`` prints it)
    play: Callable[[Scene], Awaitable[None]]


async def _kamal(s: Scene) -> None:
    """The seed's panel (fa): standard 1-month 2048 kbit/s 5 GB, started 4 days ago at 14:09."""
    start = s.local(4, "14:09")
    await s.grant("ir-std-1m-2048-5g", start - timedelta(days=60), SubscriptionSource.ADMIN)
    await s.grant("ir-std-1m-2048-5g", start - timedelta(days=30), SubscriptionSource.SALES_AGENT)
    await s.grant("ir-std-1m-2048-5g", start, SubscriptionSource.ONLINE)
    await s.use(seed_earlier_days() + seed_usage_day(), ip="100.64.12.34")
    await s.ticket(
        s.local(9, "23:32"),
        Department.TECHNICAL,
        Priority.LOW,
        "لطفا مدت یک هفته اینترنت ما قطع است بررسی فرمایید",
        "سلام، یک هفته است که اینترنت ما قطع است. چراغ ADSL مودم چشمک می زند.",
    )
    await s.ticket(
        s.local(9, "23:32"),
        Department.TECHNICAL,
        Priority.VERY_HIGH,
        "لطفا اینترنت ما یک هفته مشکل فنی دارد بررسی فرمایید",
        "سلام، از هفته پیش اینترنت مرتب قطع و وصل می شود. لطفا بررسی فرمایید.",
        service="ir-std-1m-2048-5g",
        thread=[
            (
                s.local(8, "09:15"),
                "agent:پشتیبانی فنی - رضا احمدی",
                "با سلام، مشکل از پورت شما در مرکز مخابراتی دانشگاه بود و برطرف شد. لطفا مودم"
                " را یک بار خاموش و روشن کنید و نتیجه را اعلام فرمایید.",
            )
        ],
    )


async def _maryam(s: Scene) -> None:
    """Days ran out yesterday; a 30-day timed pack bought 12 days ago is still there."""
    start = s.local(31, "10:00")
    await s.grant("ir-1m-1024-8g", start, SubscriptionSource.ONLINE)
    await s.buy(s.local(12, "21:40"), OrderKind.BUY_TIMED_TRAFFIC, "ir-timed-20g-30d")
    await s.use(daily_use(days(10, 2), 500), ip="100.64.20.20")
    await s.ticket(
        s.local(6, "11:05"),
        Department.BILLING,
        Priority.MEDIUM,
        "تمدید سرویس",
        "سلام، اگر سرویسم تمام شود ترافیک زماندار من از بین می رود؟",
        thread=[
            (
                s.local(6, "12:30"),
                "agent:امور مالی - نرگس کاظمی",
                "با سلام، خیر؛ ترافیک زماندار تا پایان مدت خود (30 روز از خرید) باقی می ماند."
                " برای اتصال، سرویس را تمدید کنید یا از شارژ رایگان استفاده نمایید.",
            )
        ],
        close=(s.local(5, "09:00"), "امور مالی - نرگس کاظمی"),
        rating=5,
    )


async def _ali(s: Scene) -> None:
    """Both ran out: a 3-month service ended 3 days ago; the profile was never completed."""
    await s.grant("ir-3m-1024-9g", s.local(93, "12:00"), SubscriptionSource.SALES_AGENT)
    await s.use(daily_use(days(13, 4), 400), ip="100.64.44.55")


async def _pishgaman(s: Scene) -> None:
    """A company on the seed's change-of-service example: Firouzeh paid 2,000,000 IRR, 13 days
    in (352 of 365 days left); a static IP for two months; the plan's monthly campaign."""
    await s.grant(
        "ir-firouzeh-12m", s.local(13, "11:00"), SubscriptionSource.SALES_AGENT, 2_000_000
    )
    await s.buy(s.local(13, "11:30"), OrderKind.STATIC_IP, "ir-static-ip", months=2)
    # The monthly job, as it ran at 03:20 the night after activation (the seed's time).
    charged_at = s.local(12, "03:20")
    s.at(charged_at)
    await s.billing_jobs.run_campaign_charges(month_period(charged_at, s.zone))
    await s.use(daily_use(days(6, 1), 300), ip="100.64.22.33")
    await s.ticket(
        s.local(3, "10:20"),
        Department.SALES,
        Priority.MEDIUM,
        "درخواست تغییر سرویس به زمرد",
        "با سلام، برای شرکت حجم بیشتری لازم داریم. هزینه تغییر سرویس به زمرد چقدر است؟",
        thread=[
            (
                s.local(3, "13:45"),
                "agent:فروش - مهدی صالحی",
                "با سلام، قیمت زمرد 8,000,000 ریال و مالیات 720,000 ریال است. باقیمانده سرویس"
                " فیروزه شما از آن کم می شود. از منوی تغییر سرویس می توانید پیش فاکتور را"
                " ببینید و آنلاین پرداخت کنید.",
            )
        ],
    )


async def _budi(s: Scene) -> None:
    """Unlimited, 20 days left, next month already bought (reserve), wallet credit."""
    await s.grant("id-home-20m-1m", s.local(10, "09:00"), SubscriptionSource.SALES_AGENT)
    await s.buy(s.local(2, "19:25"), OrderKind.RENEW_SERVICE, "id-home-20m-1m")
    await s.use(daily_use(days(9, 1), 3000), ip="100.80.15.101")
    await s.ticket(
        s.local(1, "08:40"),
        Department.BILLING,
        Priority.MEDIUM,
        "Kompensasi gangguan jaringan",
        "Selamat pagi, internet saya mati 3 hari minggu lalu. Apakah ada kompensasi?",
        thread=[
            (
                s.local(1, "10:05"),
                "agent:Billing - Andi Pratama",
                "Selamat pagi Bapak Budi, mohon maaf atas gangguannya. Kompensasi Rp 50.000 sudah"
                " kami masukkan ke saldo panel Anda dan akan terpakai pada pembelian berikutnya.",
            )
        ],
    )
    # After the renewal was bought: the credit waits for the next purchase.
    await s.wallet(s.local(1, "10:00"), 50_000, "Kompensasi gangguan 3 hari")


async def _siti(s: Scene) -> None:
    """Quota plan, 18 days left, its 100 GB and an extra 20 GB (+10 %) used up."""
    await s.grant("id-hemat-10m-100g", s.local(12, "09:00"), SubscriptionSource.ONLINE)
    await s.buy(s.local(4, "09:30"), OrderKind.BUY_TRAFFIC, "id-traffic-20g-plus10")
    await s.use(daily_use(days(11, 1), 13_000), ip="100.80.29.18")
    await s.ticket(
        s.local(3, "20:15"),
        Department.TECHNICAL,
        Priority.HIGH,
        "Internet sangat lambat sejak kemarin",
        "Sejak kemarin internet sangat lambat, video tidak bisa diputar. Modem sudah saya restart.",
        thread=[
            (
                s.local(2, "08:30"),
                "agent:Technical Support - Yoga Saputra",
                "Selamat pagi Ibu Siti, kuota Anda sudah habis sehingga kecepatan dibatasi."
                " Silakan beli kuota tambahan atau tunggu periode berikutnya.",
            ),
            (
                s.local(1, "19:50"),
                "subscriber",
                "Saya sudah beli kuota tambahan 20 GB minggu ini, kenapa sudah habis lagi?",
            ),
        ],
    )


async def _dewi(s: Scene) -> None:
    """Installed two days ago; isolated until the deposit (Rp 500.000) and the installation fee
    (Rp 250.000) are paid ("Pay the deposit" in the chat)."""
    s.at(s.local(2, "15:30"))
    await s.deposits.set_owed(s.id, 500_000, 250_000)


async def _reza(s: Scene) -> None:
    """A postpaid line (Partak): activated (BAAB) on the 20th of the Solar Hijri month three
    months back, so its first bill carries that month's last days; the first bill paid online,
    last month's still to pay (its last day is the 10th of this month)."""
    jalali = uses_jalali(s.subscriber.currency)
    this_month = month_start(s.now.astimezone(s.zone).date(), jalali)
    first = this_month
    for _ in range(3):
        first = month_start(first - timedelta(days=1), jalali)
    activated_on = first + timedelta(days=19)
    s.at(datetime.combine(activated_on, time(11, 0), tzinfo=s.zone))
    await s.bills.enrol(s.id, "ir-pp-2m-5g", activated_on)
    s.at(datetime.combine(this_month - timedelta(days=25), time(12, 0), tzinfo=s.zone))
    await s.bills.issue_due(s.id)
    await s.pay_bill(s.clock.now())
    s.at(s.now)
    await s.bills.issue_due(s.id)


async def _sara(s: Scene) -> None:
    """Six months, 40 days in; a static IP for three months; wallet credit."""
    start = s.local(40, "16:20")
    await s.grant("ir-6m-2048-30g", start, SubscriptionSource.ONLINE)
    await s.buy(s.local(40, "16:45"), OrderKind.STATIC_IP, "ir-static-ip", months=3)
    await s.use(daily_use(days(10, 1), 350), ip="100.64.77.89")
    await s.wallet(s.local(15, "12:00"), 250_000, "Refund: a payment made twice")
    # Her ID card's copy was refused two days ago: five of the seven days of grace are left.
    await s.document(
        s.local(3, "19:20"),
        DocumentKind.NATIONAL_ID_CARD,
        DATA / "national-id-card.png",
        rejected=(s.now - timedelta(days=2), RejectReason.ILLEGIBLE, "The photo is too dark."),
    )
    await s.ticket(
        s.local(5, "17:10"),
        Department.SALES,
        Priority.LOW,
        "A plan with more traffic?",
        "Hello, I work from home and 30 GB is getting tight. Which plans have more traffic?",
        thread=[
            (
                s.local(5, "18:00"),
                "agent:Sales - Mehdi Salehi",
                "Hello Sara, the 1-month 50 GB plan or the yearly Zomorrod (40 GB every month)"
                " would suit you. You can change your service from the chat; the days left on"
                " your current plan are credited.",
            )
        ],
    )


async def _rina(s: Scene) -> None:
    """Both ran out two days ago; asked for help and is waiting for an answer."""
    await s.grant("id-hemat-10m-100g", s.local(32, "08:00"), SubscriptionSource.ONLINE)
    await s.use(daily_use(days(12, 3), 2500), ip="100.80.44.7")
    await s.ticket(
        s.local(1, "21:35"),
        Department.TECHNICAL,
        Priority.MEDIUM,
        "No internet for two days",
        "Hi, for two days my modem has shown PPPoE error 691. Is it because my package ended?",
    )


# The Pasdaran exchange's outage, open as the demo is seeded (the connection check's ETA).
PASDARAN_OUTAGE = {
    "fa": "فیبر نوری مرکز مخابراتی پاسداران در حفاری قطع شده است و در حال تعمیر است.",
    "id": "Kabel serat optik sentral Pasdaran terputus karena penggalian dan sedang diperbaiki.",
    "en": "The fibre of the Pasdaran exchange was cut by roadworks and is being repaired.",
}


async def _nima(s: Scene) -> None:
    """Plenty left, but his exchange centre (Pasdaran) has an outage open since an hour ago,
    repair expected in three hours: the connection check gives its ETA."""
    await s.grant("ir-1m-2048-50g", s.local(6, "18:00"), SubscriptionSource.ONLINE)
    await s.use(daily_use(days(5, 1), 1200), ip="100.64.31.12")
    s.at(s.now - timedelta(hours=1))
    await Broadcasts(s.settings, s.clock).open_outage(
        PASDARAN_OUTAGE,
        exchange_centre="پاسداران",
        estimated_repair_at=s.now + timedelta(hours=3),
    )


async def _leila(s: Scene) -> None:
    """Plenty left; with FreeRADIUS's database configured, her modem's last login (after her
    last session) was refused for a wrong internet password (core/demo/radius.py)."""
    await s.grant("ir-1m-2048-50g", s.local(9, "12:00"), SubscriptionSource.ONLINE)
    await s.use(daily_use(days(8, 2), 900), ip="100.64.56.78")


async def _agus(s: Scene) -> None:
    """Unlimited, nothing wrong; with FreeRADIUS's database configured, online now (an open
    session since three hours ago, core/demo/radius.py): the check still offers a ticket."""
    await s.grant("id-home-20m-1m", s.local(7, "10:00"), SubscriptionSource.ONLINE)
    await s.use(daily_use(days(6, 1), 4000), ip="100.80.61.5")


async def _hamid(s: Scene) -> None:
    """Paused two days ago for 14 days while away (a fee, if the settings ask one, paid from
    his wallet): the connection check says "paused until…" and offers Resume now, never a
    ticket."""
    await s.grant("ir-1m-2048-50g", s.local(10, "09:00"), SubscriptionSource.ONLINE)
    await s.use(daily_use(days(9, 3), 700), ip="100.64.77.21")
    pauses = Pauses(s.settings, s.clock)
    limits = pauses.limits(s.subscriber.currency)
    if not limits.offered:  # pausing turned off where the demo runs: he is simply away
        return
    if limits.fee:  # ISPBOT_PAUSE_FEE set where the demo runs: his wallet pays it
        await s.wallet(s.now - timedelta(days=3), limits.fee, "demo: the pause's fee")
    s.at(s.now - timedelta(days=2))
    await pauses.pause(s.id, min(max(14, limits.min_days), limits.max_days))


# In the order of subscribers.csv.
STORIES: dict[str, Story] = {
    SEED_USAGE_USERNAME: Story(
        "the seed's panel: 26 days and 4.24 GB left; yesterday's usage = the seed's totals"
        " (243.63 MB down, 53.39 MB up); two Technical tickets, one answered (about his plan)",
        _kamal,
    ),
    "2166402020": Story(
        "days ran out yesterday, 20 GB of timed traffic left: the free charge gives 2 days;"
        " Billing ticket answered, closed and rated",
        _maryam,
    ),
    "2144556677": Story(
        "days and traffic ran out 3 days ago, in the collection list: the free charge gives"
        " 2 days and 100 MB; incomplete profile (asked at login)",
        _ali,
    ),
    "2122334455": Story(
        "a company: Firouzeh yearly (2,000,000 IRR, 352 days left: changing to Zomorrod quotes"
        " the seed's 6,791,233 IRR), static IP, a monthly campaign charge, Sales ticket answered",
        _pishgaman,
    ),
    "2153660101": Story(
        "unlimited plan, 20 days left, next month bought ahead (reserve), wallet Rp 50.000;"
        " Billing ticket answered",
        _budi,
    ),
    "2129180202": Story(
        "100 GB quota and 20 GB (+10%) extra used up, 18 days left; Technical ticket answered,"
        " then the customer replied",
        _siti,
    ),
    "2135550303": Story(
        "new line installed, isolated until the deposit is paid; no service yet", _dewi
    ),
    "2177889900": Story(
        "Tehran, IRR: 6-month plan with plenty left, static IP, wallet 250,000 IRR; Sales ticket"
        " answered; her ID card's copy rejected 2 days ago (5 days of grace left)",
        _sara,
    ),
    "2131770404": Story(
        "Jakarta, IDR: days and traffic ran out 2 days ago, in the collection list (free charge:"
        " 2 days and 100 MB); Technical ticket still open",
        _rina,
    ),
    "2188776655": Story(
        "postpaid (215,000 IRR a 30-day month, billed after each Solar Hijri month from the"
        " activation): the first bill (with the activation month's last days) paid, last"
        " month's to pay under Bills",
        _reza,
    ),
    "2155443322": Story(
        "connection check, a known outage: plenty left, but his exchange (Pasdaran) has an"
        " outage open, repair expected in 3 hours; 'Tell me when it is fixed'",
        _nima,
    ),
    "2133445566": Story(
        "connection check, a wrong internet password: with FreeRADIUS's database set, her"
        " modem's last login was refused for it (without it: nothing wrong, a ticket offered)",
        _leila,
    ),
    "2129990505": Story(
        "connection check, online: with FreeRADIUS's database set, an open session since 3 hours"
        " ago with its IP and traffic (without it: nothing wrong, a ticket offered)",
        _agus,
    ),
    "2144001212": Story(
        "connection check, paused: 14 days from 2 days ago (away), days and traffic kept; the"
        " check says until when and offers Resume now (My account, Pause my service)",
        _hamid,
    ),
}

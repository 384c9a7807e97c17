"""The demo's data: a plan catalogue and subscribers in every situation the bot can show.

``seed_demo`` writes through the real services (``Billing``, ``Tickets``, ``Accounts``) wherever
one exists, so the demo's rows are exactly what those services would have written; only the
catalogue, the subscriber rows themselves and the announcements (which have no service yet) are
created directly. Every time is relative to ``clock.now()``: the demo tells the same story
whenever it is seeded (26 days and 4.24 GB left, a service that ended yesterday...).

Idempotent: a plan whose code exists, a subscriber whose username exists, an announcement with the
same texts are left alone, so seeding again changes nothing. Each subscriber is written in one
transaction: a failure leaves no half-seeded subscriber behind.

The logins (``DEMO_PASSWORD`` for all; the internet (PPPoE) password is ``INTERNET_PASSWORD``):

========== ==== ===== ===========================================================================
username   lang money situation
========== ==== ===== ===========================================================================
2188001234 fa   IRR   the seed's panel: 26 days and 4.24 GB left, the seed's usage (yesterday:
                      243.63 MB down, 53.39 MB up), the seed's two tickets (one answered)
2166402020 fa   IRR   days ran out yesterday, 20 GB of timed traffic left: free charge (2 days)
2144556677 fa   IRR   days and traffic ran out, in the collection list: free charge (both);
                      incomplete profile
2122334455 fa   IRR   a company: yearly Firouzeh plan paid 2,000,000 with 352 days left (the
                      seed's change of service to Zomorrod: payable 6,791,233), static IP,
                      monthly campaign charge, Sales ticket answered
2153660101 id   IDR   active unlimited plan, next month bought ahead (reserve), wallet credit
2129180202 id   IDR   quota and extra traffic used up, 18 days left; ticket awaiting an agent
2135550303 id   IDR   new line, isolated until the deposit is paid; no service yet
2177889900 en   IRR   Tehran, prefers English: 6-month plan with plenty left, static IP, wallet
2131770404 en   IDR   Jakarta, prefers English: days and traffic ran out; ticket still open
========== ==== ===== ===========================================================================
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts.enums import Language, LineStatus
from core.accounts.models import Subscriber
from core.accounts.passwords import hash_password
from core.accounts.service import Accounts
from core.billing.enums import OrderKind, OrderStatus, PlanKind, SubscriptionSource
from core.billing.gateways.sandbox import SANDBOX, SandboxGateway
from core.billing.models import Plan
from core.billing.periods import month_period
from core.billing.queries import subscriber_zone
from core.billing.service import Billing
from core.billing.units import BYTES_PER_MB, mb_to_bytes
from core.clock import FixedClock
from core.config import Settings
from core.inbox.models import Announcement
from core.ports import Clock
from core.tickets.enums import Department, Priority
from core.tickets.service import ByAgent, Tickets

DEMO_PASSWORD = "demo1234"
INTERNET_PASSWORD = "net12345"
# The sandbox gateway's pay page: the demo's orders are paid already, so the link is never used.
DEMO_PAY_BASE_URL = "http://127.0.0.1:8080"

# The seed's usage page (partak-crm-customer-panel.fa.txt, "ریز مصرف"): yesterday's sessions of
# the first subscriber total 243.63 MB down, 53.39 MB up, 297.02 MB used, 243.62 MB deducted.
SEED_USAGE_USERNAME = "2188001234"
SEED_DOWNLOAD_BYTES = 255_459_328  # 243.625 MB: shown 243.63, deducted (rounded down) 243.62
SEED_UPLOAD_BYTES = 55_984_128  # 53.390625 MB: shown 53.39; with the download 297.02
# Deducted from the seed subscriber's 5 GB so far, so that 4.24 GB are left, as on the seed's panel.
SEED_DEDUCTED_MB = 778


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str
    language: str
    description: str


# ---------------------------------------------------------------------------------------------
# The catalogue. Prices in the currency's minor unit (IRR and IDR have none: whole rials and
# rupiahs). The seed's figures: Firouzeh 2,000,000 a year, Zomorrod 8,000,000, Aqiq 1,400,000,
# a static IP 50,000 a month, "1 GB + 10 % extra volume".


def _names(fa: str, id_: str, en: str) -> dict[str, str]:
    return {"fa": fa, "id": id_, "en": en}


PLANS: tuple[dict[str, Any], ...] = (
    # -- Iran (IRR) services
    {
        "code": "ir-std-1m-2048-5g",
        "names": _names(
            "استاندارد پیش پرداخت - یک ماهه سرعت 2048 کیلوبیت حجم 5 گیگ",
            "Standar prabayar - 1 bulan, 2048 kbit/s, 5 GB",
            "Standard prepaid - 1 month, 2048 kbit/s, 5 GB",
        ),
        "speed_kbps": 2048,
        "traffic_mb": 5120,
        "duration_days": 30,
        "price": 250_000,
    },
    {
        "code": "ir-1m-1024-8g",
        "names": _names(
            "یک ماهه سرعت 1024 کیلوبیت حجم 8 گیگ",
            "1 bulan, 1024 kbit/s, 8 GB",
            "1 month, 1024 kbit/s, 8 GB",
        ),
        "speed_kbps": 1024,
        "traffic_mb": 8192,
        "duration_days": 30,
        "price": 280_000,
    },
    {
        "code": "ir-1m-2048-50g",
        "names": _names(
            "یک ماهه سرعت 2048 کیلوبیت حجم 50 گیگ",
            "1 bulan, 2048 kbit/s, 50 GB",
            "1 month, 2048 kbit/s, 50 GB",
        ),
        "speed_kbps": 2048,
        "traffic_mb": 51200,
        "duration_days": 30,
        "price": 650_000,
    },
    {
        "code": "ir-1m-2048-unlimited",
        "names": _names(
            "یک ماهه سرعت 2048 کیلوبیت نامحدود",
            "1 bulan, 2048 kbit/s, tanpa batas kuota",
            "1 month, 2048 kbit/s, unlimited",
        ),
        "speed_kbps": 2048,
        "traffic_mb": None,
        "duration_days": 30,
        "price": 900_000,
    },
    {
        "code": "ir-3m-1024-9g",
        "names": _names(
            "سه ماهه سرعت 1024 کیلوبیت حجم 9 گیگ",
            "3 bulan, 1024 kbit/s, 9 GB",
            "3 months, 1024 kbit/s, 9 GB",
        ),
        "speed_kbps": 1024,
        "traffic_mb": 9216,
        "duration_days": 90,
        "price": 650_000,
    },
    {
        "code": "ir-6m-2048-30g",
        "names": _names(
            "شش ماهه سرعت 2048 کیلوبیت حجم 30 گیگ",
            "6 bulan, 2048 kbit/s, 30 GB",
            "6 months, 2048 kbit/s, 30 GB",
        ),
        "speed_kbps": 2048,
        "traffic_mb": 30720,
        "duration_days": 180,
        "price": 1_300_000,
    },
    {
        "code": "ir-firouzeh-12m",
        "names": _names(
            "فیروزه - اینترنت 2048 ماهیانه 5 گیگ",
            "Firouzeh - internet 2048 kbit/s, 5 GB per bulan, 1 tahun",
            "Firouzeh - 2048 kbit/s internet, 5 GB a month, 1 year",
        ),
        "description": _names(
            "سرویس یکساله؛ هر ماه 5 گیگ ترافیک به صورت خودکار شارژ می شود.",
            "Layanan 1 tahun; setiap bulan kuota 5 GB ditambahkan otomatis.",
            "A one-year service; 5 GB of traffic is added automatically every month.",
        ),
        "speed_kbps": 2048,
        "traffic_mb": 5120,
        "monthly_campaign_mb": 5120,
        "duration_days": 365,
        "price": 2_000_000,
    },
    {
        "code": "ir-aqiq-12m",
        "names": _names(
            "عقیق - اینترنت یکساله 1024 با 40 گیگ حجم سالیانه + 10 گیگ هدیه",
            "Aqiq - internet 1 tahun 1024 kbit/s, 40 GB + bonus 10 GB",
            "Aqiq - 1-year 1024 kbit/s internet, 40 GB a year + 10 GB gift",
        ),
        "description": _names(
            "حجم این سرویس یکجا در ابتدای قرارداد به مشترک واگذار می شود. سرعت این سرویس در"
            " صورت امکان فنی تا 4 مگ قابل استفاده می باشد.",
            "Seluruh kuota diberikan sekaligus di awal kontrak. Kecepatan hingga 4 Mbit/s bila"
            " memungkinkan secara teknis.",
            "The whole volume is given at the start of the contract. Speed up to 4 Mbit/s where"
            " technically possible.",
        ),
        "speed_kbps": 1024,
        "traffic_mb": 40960,
        "gift_mb": 10240,
        "duration_days": 365,
        "price": 1_400_000,
    },
    {
        "code": "ir-zomorrod-12m",
        "names": _names(
            "زمرد - اینترنت 2048 یکساله 40 گیگ در ماه",
            "Zomorrod - internet 2048 kbit/s 1 tahun, 40 GB per bulan",
            "Zomorrod - 2048 kbit/s internet for 1 year, 40 GB a month",
        ),
        "speed_kbps": 2048,
        "traffic_mb": 40960,
        "monthly_campaign_mb": 40960,
        "duration_days": 365,
        "price": 8_000_000,
    },
    # -- Iran (IRR) traffic, timed traffic, static IP
    {
        "code": "ir-traffic-1g-plus10",
        "kind": PlanKind.TRAFFIC,
        "names": _names(
            "1 گیگ ترافیک عمومی پیش پرداخت طرح حجم ریزان +10% حجم اضافی",
            "Kuota tambahan 1 GB + bonus 10%",
            "1 GB extra traffic + 10% extra volume",
        ),
        "traffic_mb": 1024,
        "bonus_percent": 10,
        "price": 60_000,
    },
    {
        "code": "ir-traffic-5g-plus10",
        "kind": PlanKind.TRAFFIC,
        "names": _names(
            "5 گیگ ترافیک عمومی پیش پرداخت طرح حجم ریزان +10% حجم اضافی",
            "Kuota tambahan 5 GB + bonus 10%",
            "5 GB extra traffic + 10% extra volume",
        ),
        "traffic_mb": 5120,
        "bonus_percent": 10,
        "price": 270_000,
    },
    {
        "code": "ir-timed-10g-7d",
        "kind": PlanKind.TIMED_TRAFFIC,
        "names": _names(
            "ترافیک زماندار 10 گیگ - هفت روزه",
            "Kuota berjangka 10 GB - 7 hari",
            "Timed traffic 10 GB - 7 days",
        ),
        "traffic_mb": 10240,
        "duration_days": 7,
        "price": 250_000,
    },
    {
        "code": "ir-timed-20g-30d",
        "kind": PlanKind.TIMED_TRAFFIC,
        "names": _names(
            "ترافیک زماندار 20 گیگ - یک ماهه",
            "Kuota berjangka 20 GB - 30 hari",
            "Timed traffic 20 GB - 30 days",
        ),
        "traffic_mb": 20480,
        "duration_days": 30,
        "price": 600_000,
    },
    {
        "code": "ir-static-ip",
        "kind": PlanKind.STATIC_IP,
        "names": _names("IP استاتیک - ماهانه", "IP statis - per bulan", "Static IP - monthly"),
        "duration_days": 30,
        "price": 50_000,
    },
    # -- Indonesia (IDR)
    {
        "code": "id-home-20m-1m",
        "currency": "IDR",
        "names": _names(
            "اینترنت خانگی 20 مگابیت - یک ماهه نامحدود",
            "Paket Rumah 20 Mbps - 1 bulan, tanpa batas kuota",
            "Home 20 Mbit/s - 1 month, unlimited",
        ),
        "speed_kbps": 20480,
        "traffic_mb": None,
        "duration_days": 30,
        "price": 275_000,
    },
    {
        "code": "id-home-50m-1m",
        "currency": "IDR",
        "names": _names(
            "اینترنت خانگی 50 مگابیت - یک ماهه نامحدود",
            "Paket Rumah 50 Mbps - 1 bulan, tanpa batas kuota",
            "Home 50 Mbit/s - 1 month, unlimited",
        ),
        "speed_kbps": 51200,
        "traffic_mb": None,
        "duration_days": 30,
        "price": 425_000,
    },
    {
        "code": "id-hemat-10m-100g",
        "currency": "IDR",
        "names": _names(
            "اقتصادی 10 مگابیت - یک ماهه حجم 100 گیگ",
            "Paket Hemat 10 Mbps - 1 bulan, kuota 100 GB",
            "Saver 10 Mbit/s - 1 month, 100 GB",
        ),
        "speed_kbps": 10240,
        "traffic_mb": 102400,
        "duration_days": 30,
        "price": 175_000,
    },
    {
        "code": "id-home-20m-3m",
        "currency": "IDR",
        "names": _names(
            "اینترنت خانگی 20 مگابیت - سه ماهه نامحدود",
            "Paket Rumah 20 Mbps - 3 bulan, tanpa batas kuota",
            "Home 20 Mbit/s - 3 months, unlimited",
        ),
        "speed_kbps": 20480,
        "traffic_mb": None,
        "duration_days": 90,
        "price": 780_000,
    },
    {
        "code": "id-home-20m-6m",
        "currency": "IDR",
        "names": _names(
            "اینترنت خانگی 20 مگابیت - شش ماهه حجم 1500 گیگ",
            "Paket Rumah 20 Mbps - 6 bulan, kuota 1.500 GB",
            "Home 20 Mbit/s - 6 months, 1,500 GB",
        ),
        "speed_kbps": 20480,
        "traffic_mb": 1_536_000,
        "duration_days": 180,
        "price": 1_450_000,
    },
    {
        "code": "id-home-20m-12m",
        "currency": "IDR",
        "names": _names(
            "اینترنت خانگی 20 مگابیت - یکساله حجم 3000 گیگ + 500 گیگ هدیه",
            "Paket Rumah 20 Mbps - 12 bulan, kuota 3.000 GB + bonus 500 GB",
            "Home 20 Mbit/s - 12 months, 3,000 GB + 500 GB gift",
        ),
        "speed_kbps": 20480,
        "traffic_mb": 3_072_000,
        "gift_mb": 512_000,
        "duration_days": 365,
        "price": 2_800_000,
    },
    {
        "code": "id-traffic-20g-plus10",
        "currency": "IDR",
        "kind": PlanKind.TRAFFIC,
        "names": _names(
            "ترافیک اضافه 20 گیگ +10% حجم اضافی",
            "Kuota tambahan 20 GB + bonus 10%",
            "20 GB extra traffic + 10% extra volume",
        ),
        "traffic_mb": 20480,
        "bonus_percent": 10,
        "price": 50_000,
    },
    {
        "code": "id-traffic-50g-plus10",
        "currency": "IDR",
        "kind": PlanKind.TRAFFIC,
        "names": _names(
            "ترافیک اضافه 50 گیگ +10% حجم اضافی",
            "Kuota tambahan 50 GB + bonus 10%",
            "50 GB extra traffic + 10% extra volume",
        ),
        "traffic_mb": 51200,
        "bonus_percent": 10,
        "price": 110_000,
    },
    {
        "code": "id-timed-30g-7d",
        "currency": "IDR",
        "kind": PlanKind.TIMED_TRAFFIC,
        "names": _names(
            "ترافیک زماندار 30 گیگ - هفت روزه",
            "Kuota berjangka 30 GB - 7 hari",
            "Timed traffic 30 GB - 7 days",
        ),
        "traffic_mb": 30720,
        "duration_days": 7,
        "price": 45_000,
    },
    {
        "code": "id-static-ip",
        "currency": "IDR",
        "kind": PlanKind.STATIC_IP,
        "names": _names(
            "IP استاتیک - ماهانه", "IP publik statis - per bulan", "Static IP - monthly"
        ),
        "duration_days": 30,
        "price": 150_000,
    },
)


# ---------------------------------------------------------------------------------------------
# The announcements shown at login (no service writes them yet).

ANNOUNCEMENTS: tuple[dict[str, Any], ...] = (
    {
        "texts": _names(
            "مشترک گرامی، از این پس می توانید از طریق تلگرام، واتس اپ، پیامک و گفتگوی وب"
            " سرویس خود را تمدید کنید، ریز مصرف را ببینید و تیکت ثبت کنید.",
            "Pelanggan yang terhormat, kini Anda dapat memperpanjang layanan, melihat rincian"
            " pemakaian dan membuat tiket melalui Telegram, WhatsApp, SMS dan chat web.",
            "Dear subscriber, you can now renew your service, see your usage and open tickets"
            " over Telegram, WhatsApp, SMS and the web chat.",
        ),
        "exchange_centre": None,
        "starts_days_ago": 7,
        "ends_in_days": None,
    },
    {
        "texts": _names(
            "اطلاع رسانی قطعی: به دلیل ارتقای تجهیزات مرکز مخابراتی دانشگاه، اینترنت مشترکین"
            " این مرکز امشب از ساعت 2 تا 4 بامداد قطع خواهد بود. زمان تقریبی رفع: ساعت 4 بامداد.",
            "Pemberitahuan gangguan: karena peningkatan perangkat di sentral Daneshgah, internet"
            " pelanggan sentral ini terputus malam ini pukul 02.00-04.00. Perkiraan pulih: 04.00.",
            "Outage notice: the equipment of the Daneshgah exchange is being upgraded; internet"
            " on its lines is down tonight from 02:00 to 04:00. Expected back by 04:00.",
        ),
        "exchange_centre": "دانشگاه",
        "starts_days_ago": 0,
        "ends_in_days": 2,
    },
)


# ---------------------------------------------------------------------------------------------
# The subscribers.


@dataclass(frozen=True, slots=True)
class _Person:
    username: str
    customer_number: str
    language: Language
    currency: str
    timezone: str
    full_name: str
    description: str
    exchange_centre: str | None = None
    is_company: bool = False
    # Through Accounts.update_profile (checked: mobile, national ID, postal code...).
    profile: dict[str, Any] = field(default_factory=dict)


TEHRAN = "Asia/Tehran"
JAKARTA = "Asia/Jakarta"

PEOPLE: tuple[_Person, ...] = (
    _Person(
        username=SEED_USAGE_USERNAME,
        customer_number="1000101",
        language=Language.FA,
        currency="IRR",
        timezone=TEHRAN,
        full_name="کمال نصیری",
        exchange_centre="دانشگاه",
        description="the seed's panel: 26 days and 4.24 GB left; yesterday's usage = the seed's"
        " totals (243.63 MB down, 53.39 MB up); two Technical tickets, one answered",
        profile={
            "mobile": "09121234567",
            "email": "kamal.nasiri@example.com",
            "national_id": "0076229645",
            "postal_code": "1415634567",
            "education": "کارشناسی",
            "address": "تهران، خیابان انقلاب، خیابان دانشگاه، کوچه بهشت، پلاک 12، واحد 3",
            "city": "تهران",
            "birth_date": date(1985, 3, 21),
        },
    ),
    _Person(
        username="2166402020",
        customer_number="1000102",
        language=Language.FA,
        currency="IRR",
        timezone=TEHRAN,
        full_name="مریم رضایی",
        exchange_centre="آزادی",
        description="days ran out yesterday, 20 GB of timed traffic left: the free charge"
        " gives 2 days; Billing ticket answered, closed and rated",
        profile={
            "mobile": "09357654321",
            "email": "maryam.rezaei@example.com",
            "national_id": "0084351276",
            "postal_code": "1345678912",
            "education": "کارشناسی ارشد",
            "address": "تهران، خیابان آزادی، خیابان استاد معین، پلاک 45، طبقه دوم",
            "city": "تهران",
            "birth_date": date(1990, 7, 14),
        },
    ),
    _Person(
        username="2144556677",
        customer_number="1000103",
        language=Language.FA,
        currency="IRR",
        timezone=TEHRAN,
        full_name="علی محمدی",
        exchange_centre="ونک",
        description="days and traffic ran out 3 days ago, in the collection list: the free"
        " charge gives 2 days and 100 MB; incomplete profile (asked at login)",
        profile={"mobile": "09129876543", "national_id": "0018456928"},
    ),
    _Person(
        username="2122334455",
        customer_number="1000104",
        language=Language.FA,
        currency="IRR",
        timezone=TEHRAN,
        full_name="شرکت پیشگامان کویر",
        exchange_centre="ونک",
        is_company=True,
        description="a company: Firouzeh yearly (2,000,000 IRR, 352 days left: changing to"
        " Zomorrod quotes the seed's 6,791,233 IRR), static IP, a monthly campaign charge,"
        " Sales ticket answered",
        profile={
            "mobile": "09121112233",
            "email": "it@pishgaman-kavir.example.com",
            "national_id": "10102567342",
            "postal_code": "1991714511",
            "address": "تهران، خیابان ملاصدرا، خیابان شیراز جنوبی، پلاک 88، طبقه 4",
            "city": "تهران",
            "birth_date": date(2008, 5, 10),
        },
    ),
    _Person(
        username="2153660101",
        customer_number="2000101",
        language=Language.ID,
        currency="IDR",
        timezone=JAKARTA,
        full_name="Budi Santoso",
        exchange_centre="STO Kebayoran",
        description="unlimited plan, 20 days left, next month bought ahead (reserve), wallet"
        " Rp 50.000; Billing ticket answered",
        profile={
            "mobile": "081234567890",
            "email": "budi.santoso@example.co.id",
            "national_id": "3174051205850003",
            "postal_code": "12160",
            "education": "S1",
            "address": "Jl. Wijaya I No. 25, RT 003/RW 005, Petogogan, Kebayoran Baru, Jakarta"
            " Selatan",
            "city": "Jakarta Selatan",
            "birth_date": date(1985, 5, 12),
        },
    ),
    _Person(
        username="2129180202",
        customer_number="2000102",
        language=Language.ID,
        currency="IDR",
        timezone=JAKARTA,
        full_name="Siti Rahayu",
        exchange_centre="STO Gambir",
        description="100 GB quota and 20 GB (+10%) extra used up, 18 days left; Technical"
        " ticket answered, then the customer replied",
        profile={
            "mobile": "081398765432",
            "email": "siti.rahayu@example.co.id",
            "national_id": "3171066308900002",
            "postal_code": "10110",
            "education": "D3",
            "address": "Jl. Kebon Sirih No. 12, RT 001/RW 002, Kebon Sirih, Menteng, Jakarta Pusat",
            "city": "Jakarta Pusat",
            "birth_date": date(1990, 8, 23),
        },
    ),
    _Person(
        username="2135550303",
        customer_number="2000103",
        language=Language.ID,
        currency="IDR",
        timezone=JAKARTA,
        full_name="Dewi Lestari",
        exchange_centre="STO Jatinegara",
        description="new line installed, isolated until the deposit is paid; no service yet",
        profile={
            "mobile": "085711223344",
            "email": "dewi.lestari@example.co.id",
            "national_id": "3172055511950001",
            "postal_code": "13310",
            "education": "SMA",
            "address": "Jl. Otista Raya No. 77, RT 006/RW 004, Bidara Cina, Jatinegara, Jakarta"
            " Timur",
            "city": "Jakarta Timur",
            "birth_date": date(1995, 11, 15),
        },
    ),
    _Person(
        username="2177889900",
        customer_number="1000105",
        language=Language.EN,
        currency="IRR",
        timezone=TEHRAN,
        full_name="Sara Karimi",
        exchange_centre="تجریش",
        description="Tehran, IRR: 6-month plan with plenty left, static IP, wallet 250,000 IRR;"
        " Sales ticket answered",
        profile={
            "mobile": "09195556677",
            "email": "sara.karimi@example.com",
            "national_id": "0062914731",
            "postal_code": "1965843711",
            "education": "MSc",
            "address": "No. 9, Golestan Alley, Fereshteh St., Elahieh, Tehran",
            "city": "Tehran",
            "birth_date": date(1992, 2, 2),
        },
    ),
    _Person(
        username="2131770404",
        customer_number="2000104",
        language=Language.EN,
        currency="IDR",
        timezone=JAKARTA,
        full_name="Rina Wijaya",
        exchange_centre="STO Kota",
        description="Jakarta, IDR: days and traffic ran out 2 days ago, in the collection"
        " list (free charge: 2 days and 100 MB); Technical ticket still open",
        profile={
            "mobile": "081311112222",
            "email": "rina.wijaya@example.com",
            "national_id": "3173014702920004",
            "postal_code": "11110",
            "education": "S1",
            "address": "Jl. Pintu Besar Utara No. 3, Pinangsia, Taman Sari, Jakarta Barat",
            "city": "Jakarta Barat",
            "birth_date": date(1992, 2, 7),
        },
    ),
)


def demo_logins() -> list[DemoLogin]:
    return [DemoLogin(p.username, DEMO_PASSWORD, p.language.value, p.description) for p in PEOPLE]


# ---------------------------------------------------------------------------------------------
# Usage sessions.


@dataclass(frozen=True, slots=True)
class _Session:
    days_ago: int
    start: str  # local "HH:MM"
    end: str
    download: int  # bytes
    upload: int


def _spread(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights``, in whole units that sum to it exactly."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _mb(value: str) -> int:
    """A figure of the seed's table ("23.27" MB) in bytes."""
    whole, _, frac = value.partition(".")
    hundredths = int(whole) * 100 + int((frac + "00")[:2])
    return hundredths * BYTES_PER_MB // 100


# The seed's first page of sessions, as printed (login, logout, download MB, upload MB).
_SEED_PAGE = (
    ("00:43", "02:26", "23.27", "11.08"),
    ("02:27", "04:14", "0.1", "0.1"),
    ("04:14", "05:00", "0.15", "0.07"),
    ("05:02", "05:10", "0", "0"),
    ("05:10", "06:01", "0.04", "0.04"),
    ("06:02", "07:47", "0.16", "0.15"),
    ("07:47", "07:49", "0", "0"),
    ("07:50", "07:55", "0", "0"),
    ("07:56", "07:56", "0", "0"),
    ("07:58", "08:16", "0.14", "0.02"),
)
# The rest of that day (pages 2 and 3 are not in the seed): times and shares of what remains.
_SEED_REST = (
    ("08:20", "10:05", 12, 9),
    ("10:06", "11:40", 25, 14),
    ("11:41", "12:02", 1, 1),
    ("12:03", "13:30", 18, 11),
    ("13:31", "14:55", 9, 6),
    ("14:56", "16:10", 14, 8),
    ("16:11", "17:45", 22, 17),
    ("17:46", "18:20", 3, 2),
    ("18:21", "19:55", 30, 21),
    ("19:56", "21:05", 27, 12),
    ("21:06", "22:15", 19, 10),
    ("22:16", "23:05", 8, 5),
    ("23:06", "23:40", 4, 3),
    ("23:41", "23:59", 2, 1),
)


def seed_usage_day() -> list[_Session]:
    """Yesterday's sessions of the seed subscriber: the seed's page, then the rest of the day
    so that the totals are the seed's to the byte."""
    first = [_Session(1, start, end, _mb(down), _mb(up)) for start, end, down, up in _SEED_PAGE]
    downs = _spread(
        SEED_DOWNLOAD_BYTES - sum(s.download for s in first), [r[2] for r in _SEED_REST]
    )
    ups = _spread(SEED_UPLOAD_BYTES - sum(s.upload for s in first), [r[3] for r in _SEED_REST])
    rest = [
        _Session(1, start, end, down, up)
        for (start, end, _, _), down, up in zip(_SEED_REST, downs, ups, strict=True)
    ]
    return first + rest


def _seed_earlier_days() -> list[_Session]:
    """The seed subscriber's other days since the service started (4 days ago at 14:09), so
    that SEED_DEDUCTED_MB are deducted in all and 4.24 GB are left."""
    slots = (
        (4, "15:12", "17:40", 9),
        (4, "20:05", "23:58", 17),
        (3, "08:30", "12:10", 11),
        (3, "19:00", "23:30", 23),
        (2, "07:45", "09:00", 4),
        (2, "13:00", "18:20", 15),
        (2, "21:10", "23:55", 21),
    )
    downs = _spread(mb_to_bytes(SEED_DEDUCTED_MB) - SEED_DOWNLOAD_BYTES, [s[3] for s in slots])
    return [
        _Session(day, start, end, down, down * 22 // 100)
        for (day, start, end, _), down in zip(slots, downs, strict=True)
    ]


_DAILY_PATTERN = (100, 80, 125, 90, 110, 70, 130)  # percent of a day's usual use
_DAILY_SLOTS = (("12:10", "14:35", 2), ("19:40", "23:25", 5))


def _daily_use(days_ago: Sequence[int], daily_mb: int, upload_percent: int = 20) -> list[_Session]:
    """Two sessions a day, the day's total varying around ``daily_mb``."""
    sessions = []
    for i, day in enumerate(days_ago):
        total = mb_to_bytes(daily_mb) * _DAILY_PATTERN[i % len(_DAILY_PATTERN)] // 100
        for (start, end, _), down in zip(
            _DAILY_SLOTS, _spread(total, [w for *_, w in _DAILY_SLOTS]), strict=True
        ):
            sessions.append(_Session(day, start, end, down, down * upload_percent // 100))
    return sessions


def _days(first_ago: int, last_ago: int) -> list[int]:
    """Days ago, oldest first: ``_days(5, 1)`` is [5, 4, 3, 2, 1]."""
    return list(range(first_ago, last_ago - 1, -1))


# ---------------------------------------------------------------------------------------------
# Seeding.


class _UnusedPort:
    """The SMS and file ports of a service the demo uses for what needs neither."""

    async def send_sms(self, to: str, text: str) -> None:
        raise RuntimeError("the demo seed sends no SMS")

    async def put(self, data: bytes, content_type: str, filename: str) -> str:
        raise RuntimeError("the demo seed stores no files")

    async def get(self, key: str) -> bytes:
        raise RuntimeError("the demo seed stores no files")


class _Scene:
    """One subscriber being seeded: the services run on a clock of their own, set to the moment
    each thing happened (a ticket opened last week is opened with last week's time)."""

    def __init__(self, settings: Settings, now: datetime, subscriber: Subscriber) -> None:
        self.settings = settings
        self.now = now
        self.subscriber = subscriber
        self.id = subscriber.id
        self.zone = subscriber_zone(subscriber, settings)
        self.clock = FixedClock(now)
        unused = _UnusedPort()
        self.billing = Billing(settings, self.clock, {SANDBOX: SandboxGateway(DEMO_PAY_BASE_URL)})
        self.tickets = Tickets(settings, self.clock, unused)
        self.accounts = Accounts(settings, self.clock, unused, unused)

    def local(self, days_ago: int, hh_mm: str) -> datetime:
        """``hh_mm`` local time, ``days_ago`` calendar days before today, in UTC."""
        today = self.now.astimezone(self.zone).date()
        hour, minute = (int(x) for x in hh_mm.split(":"))
        moment = datetime.combine(today - timedelta(days=days_ago), time(hour, minute))
        return moment.replace(tzinfo=self.zone).astimezone(UTC)

    def at(self, moment: datetime) -> _Scene:
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
        await self.billing.grant_service(
            self.id, plan_code, source=source, starts_at=starts_at, price_paid=price_paid
        )

    async def buy(self, at: datetime, kind: OrderKind, plan_code: str, months: int = 1) -> None:
        """An online purchase: the order, the sandbox payment, applied at once."""
        self.at(at)
        order = await self.billing.place_order(self.id, kind, plan_code, months, gateway=SANDBOX)
        if order.status == OrderStatus.PENDING:
            assert order.gateway_ref is not None
            await self.billing.confirm_payment(
                order.tracking_number, SANDBOX, order.gateway_ref, order.payable
            )

    async def use(self, sessions: Sequence[_Session], ip: str) -> None:
        """Accounting sessions, synced as RADIUS would (each once, when it ended)."""
        self.at(self.now)
        for n, s in enumerate(sessions, start=1):
            started, ended = self.local(s.days_ago, s.start), self.local(s.days_ago, s.end)
            await self.billing.record_usage_session(
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
    ) -> None:
        """A ticket and its thread: (time, author, text), author "agent:<name>" or
        "subscriber"; closed by an agent at ``close`` = (time, name)."""
        self.at(opened)
        ticket = await self.tickets.open_ticket(
            self.id, department, priority, subject, body, channel="web"
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

    async def wallet(self, at: datetime, amount: int, note: str) -> None:
        self.at(at)
        await self.billing.adjust_wallet(self.id, amount, note)


Story = Callable[[_Scene], Awaitable[None]]


async def _kamal(s: _Scene) -> None:
    """The seed's panel (fa): standard 1-month 2048 kbit/s 5 GB, started 4 days ago at 14:09."""
    start = s.local(4, "14:09")
    await s.grant("ir-std-1m-2048-5g", start - timedelta(days=60), SubscriptionSource.ADMIN)
    await s.grant("ir-std-1m-2048-5g", start - timedelta(days=30), SubscriptionSource.SALES_AGENT)
    await s.grant("ir-std-1m-2048-5g", start, SubscriptionSource.ONLINE)
    await s.use(_seed_earlier_days() + seed_usage_day(), ip="100.64.12.34")
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
        thread=[
            (
                s.local(8, "09:15"),
                "agent:پشتیبانی فنی - رضا احمدی",
                "با سلام، مشکل از پورت شما در مرکز مخابراتی دانشگاه بود و برطرف شد. لطفا مودم"
                " را یک بار خاموش و روشن کنید و نتیجه را اعلام فرمایید.",
            )
        ],
    )


async def _maryam(s: _Scene) -> None:
    """Days ran out yesterday; a 30-day timed pack bought 12 days ago is still there."""
    start = s.local(31, "10:00")
    await s.grant("ir-1m-1024-8g", start, SubscriptionSource.ONLINE)
    await s.buy(s.local(12, "21:40"), OrderKind.BUY_TIMED_TRAFFIC, "ir-timed-20g-30d")
    await s.use(_daily_use(_days(10, 2), 500), ip="100.64.20.20")
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


async def _ali(s: _Scene) -> None:
    """Both ran out: a 3-month service ended 3 days ago; the profile was never completed."""
    await s.grant("ir-3m-1024-9g", s.local(93, "12:00"), SubscriptionSource.SALES_AGENT)
    await s.use(_daily_use(_days(13, 4), 400), ip="100.64.44.55")


async def _pishgaman(s: _Scene) -> None:
    """A company on the seed's change-of-service example: Firouzeh paid 2,000,000 IRR, 13 days
    in (352 of 365 days left); a static IP for two months; the plan's monthly campaign."""
    await s.grant(
        "ir-firouzeh-12m", s.local(13, "11:00"), SubscriptionSource.SALES_AGENT, 2_000_000
    )
    await s.buy(s.local(13, "11:30"), OrderKind.STATIC_IP, "ir-static-ip", months=2)
    # The monthly job, as it ran at 03:20 the night after activation (the seed's time).
    charged_at = s.local(12, "03:20")
    s.at(charged_at)
    await s.billing.run_campaign_charges(month_period(charged_at, s.zone))
    await s.use(_daily_use(_days(6, 1), 300), ip="100.64.22.33")
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


async def _budi(s: _Scene) -> None:
    """Unlimited, 20 days left, next month already bought (reserve), wallet credit."""
    await s.grant("id-home-20m-1m", s.local(10, "09:00"), SubscriptionSource.SALES_AGENT)
    await s.buy(s.local(2, "19:25"), OrderKind.RENEW_SERVICE, "id-home-20m-1m")
    await s.use(_daily_use(_days(9, 1), 3000), ip="100.80.15.101")
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


async def _siti(s: _Scene) -> None:
    """Quota plan, 18 days left, its 100 GB and an extra 20 GB (+10 %) used up."""
    await s.grant("id-hemat-10m-100g", s.local(12, "09:00"), SubscriptionSource.ONLINE)
    await s.buy(s.local(4, "09:30"), OrderKind.BUY_TRAFFIC, "id-traffic-20g-plus10")
    await s.use(_daily_use(_days(11, 1), 13_000), ip="100.80.29.18")
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


async def _dewi(s: _Scene) -> None:
    """Installed two days ago; isolated until the subscription deposit is paid."""
    s.at(s.local(2, "15:30"))
    await s.accounts.set_line_status(
        s.id, LineStatus.ISOLATED, "Terpasang; menunggu pembayaran uang jaminan"
    )


async def _sara(s: _Scene) -> None:
    """Six months, 40 days in; a static IP for three months; wallet credit."""
    start = s.local(40, "16:20")
    await s.grant("ir-6m-2048-30g", start, SubscriptionSource.ONLINE)
    await s.buy(s.local(40, "16:45"), OrderKind.STATIC_IP, "ir-static-ip", months=3)
    await s.use(_daily_use(_days(10, 1), 350), ip="100.64.77.89")
    await s.wallet(s.local(15, "12:00"), 250_000, "Refund: a payment made twice")
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


async def _rina(s: _Scene) -> None:
    """Both ran out two days ago; asked for help and is waiting for an answer."""
    await s.grant("id-hemat-10m-100g", s.local(32, "08:00"), SubscriptionSource.ONLINE)
    await s.use(_daily_use(_days(12, 3), 2500), ip="100.80.44.7")
    await s.ticket(
        s.local(1, "21:35"),
        Department.TECHNICAL,
        Priority.MEDIUM,
        "No internet for two days",
        "Hi, for two days my modem has shown PPPoE error 691. Is it because my package ended?",
    )


STORIES: dict[str, Story] = {
    "2188001234": _kamal,
    "2166402020": _maryam,
    "2144556677": _ali,
    "2122334455": _pishgaman,
    "2153660101": _budi,
    "2129180202": _siti,
    "2135550303": _dewi,
    "2177889900": _sara,
    "2131770404": _rina,
}


async def _seed_plans() -> None:
    existing = set(await Plan.all().values_list("code", flat=True))
    async with in_transaction():
        for spec in PLANS:
            if spec["code"] in existing:
                continue
            values = {"kind": PlanKind.SERVICE, "currency": "IRR", **spec}
            await Plan.create(**values)


async def _seed_announcements(now: datetime) -> None:
    existing = [(a.texts, a.exchange_centre) for a in await Announcement.all()]
    for spec in ANNOUNCEMENTS:
        if (spec["texts"], spec["exchange_centre"]) in existing:
            continue
        ends_in = spec["ends_in_days"]
        await Announcement.create(
            texts=spec["texts"],
            exchange_centre=spec["exchange_centre"],
            starts_at=now - timedelta(days=spec["starts_days_ago"]),
            ends_at=None if ends_in is None else now + timedelta(days=ends_in),
        )


async def _seed_person(settings: Settings, now: datetime, person: _Person) -> bool:
    """The subscriber and their story, in one transaction. False if they were there already."""
    if await Subscriber.exists(username=person.username):
        return False
    password_hash = await hash_password(settings, DEMO_PASSWORD)
    try:
        async with in_transaction():
            subscriber = await Subscriber.create(
                customer_number=person.customer_number,
                username=person.username,
                password_hash=password_hash,
                internet_password=INTERNET_PASSWORD,
                full_name=person.full_name,
                is_company=person.is_company,
                exchange_centre=person.exchange_centre,
                language=person.language,
                timezone=person.timezone,
                currency=person.currency,
            )
            scene = _Scene(settings, now, subscriber)
            if person.profile:
                await scene.accounts.update_profile(subscriber.id, **person.profile)
            await STORIES[person.username](scene)
    except IntegrityError:
        # Seeded at the same moment by another run: theirs stands.
        if await Subscriber.exists(username=person.username):
            return False
        raise
    return True


async def seed_demo(settings: Settings, clock: Clock) -> list[DemoLogin]:
    """Write the demo's catalogue, subscribers and announcements (what is missing of them)
    and return the logins, one per subscriber."""
    now = clock.now()
    await _seed_plans()
    created = [await _seed_person(settings, now, person) for person in PEOPLE]
    await _seed_announcements(now)
    if any(created):
        # The periodic job, as the app runs it: lines whose service ran out go to the
        # collection list. Only after new subscribers, so that seeding again changes nothing.
        await Billing(settings, clock, {}).end_expired_subscriptions()
    return demo_logins()

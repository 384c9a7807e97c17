"""Settings read from the environment (prefix ``ISPBOT_``), validated once at start-up."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import is_currency
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.billing.ip_pool import StaticIpPool, parse_static_ip_pool


class QuotaDirections(StrEnum):
    """Which traffic directions count against the subscriber's quota."""

    DOWNLOAD = "download"
    UPLOAD = "upload"
    BOTH = "both"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ISPBOT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite://var/ispbot.sqlite3"
    redis_url: str | None = None

    timezone: str = "Asia/Tehran"
    currency: str = Field(default="IRR", pattern=r"^[A-Z]{3}$")
    vat_percent: Decimal = Field(default=Decimal("9"), ge=0, le=100)

    lockout_attempts: int = Field(default=3, ge=1)
    lockout_minutes: int = Field(default=30, ge=1)
    password_reset_per_hour: int = Field(default=3, ge=1)
    # A one-time login link (an SMS's, the ISP's site's) works this many minutes.
    login_link_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # argon2id cost (OWASP's minimum: 19 MiB, 2 passes); tests lower it for speed.
    argon2_memory_kib: int = Field(default=19456, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)

    free_charge_days: int = Field(default=2, ge=0)
    free_charge_mb: int = Field(default=100, ge=0)
    quota_directions: QuotaDirections = QuotaDirections.DOWNLOAD
    document_grace_days: int = Field(default=7, ge=0)
    # The smallest and largest wallet top-up, per currency, in minor units (JSON in the
    # environment: {"IRR": [10000, 1000000000]}); a currency not listed takes 1 to 10**12.
    wallet_topup_limits: dict[str, tuple[int, int]] = Field(
        default_factory=lambda: {
            "IRR": (10_000, 1_000_000_000),
            "IDR": (10_000, 100_000_000),
            "USD": (100, 1_000_000),
            "EUR": (100, 1_000_000),
        }
    )
    # Pausing the service (core/billing/pauses.py): from this many days to this many at once,
    # this many times in any 12 months (0: subscribers cannot pause), for this fee per currency
    # in minor units, paid from the wallet (JSON in the environment: {"IRR": 500000}); a
    # currency not listed pauses free. Keys are ISO 4217 codes, any case (read as upper case).
    pause_min_days: int = Field(default=7, ge=1, le=365)
    pause_max_days: int = Field(default=60, ge=1, le=365)
    pause_times_a_year: int = Field(default=2, ge=0, le=52)
    pause_fee: dict[str, int] = Field(default_factory=dict)
    # Postpaid bills: the last day to pay is this many days after the billed period ends; an
    # unpaid bill isolates the line this many days after that; a reminder goes this many days
    # before the last day.
    bill_due_days: int = Field(default=10, ge=0, le=60)
    bill_grace_days: int = Field(default=3, ge=0, le=60)
    bill_reminder_days_before: int = Field(default=3, ge=0, le=60)

    # Alerts. The seed's: 2 days before expiry and on the day of expiry, at 10:30 local time.
    alert_expiry_days_before: tuple[int, ...] = (2, 0)
    alert_local_time: time = time(10, 30)
    # A worker that was down sends the day's timed alerts this long after their time, never
    # later (no "your service ends in 2 days" at midnight).
    alert_catch_up_minutes: int = Field(default=6 * 60, ge=1)
    # Alerts with no time of their own (low traffic, free charge ending, documents) go out
    # only between these local times.
    alert_day_start: time = time(8, 0)
    alert_day_end: time = time(21, 0)
    # Low traffic: less than this share of the allowance or this much left, whichever comes
    # first.
    low_traffic_percent: int = Field(default=10, ge=0, le=100)
    low_traffic_mb: int = Field(default=1024, ge=0)
    # Warn this long before a free charge ends when nothing was bought since it was taken.
    free_charge_warning_hours: int = Field(default=24, ge=1)
    # Due subscribers are read this many at a time (low traffic: a window of this many
    # subscriber ids; on PostgreSQL, expiry and low traffic are read otherwise: core/alerts/
    # settled.py). Each page costs a few round trips: 1,000 made about a thousand pages
    # at a million subscribers. The ids of a page go into IN lists, so keep it well under
    # the databases' limit on parameters (32,766 in SQLite).
    alert_page_size: int = Field(default=5000, ge=1, le=20000)
    # A relay claims a notice this long before sending it: a relay that dies holding it (kill
    # -9, a lost machine) leaves it to be sent again when the claim runs out
    # (core/inbox/service.py).
    outbox_lease_seconds: int = Field(default=300, ge=1)

    # How old a notice may be when the outbox relay gets to send it (a worker down for days, a
    # channel configured on a database with history); older, it is recorded as expired and not
    # sent. Expiry alerts keep until the day they are about is over, outage reports until the
    # outage is repaired; core/inbox/freshness.py says which setting each kind follows.
    notice_max_age_payment_hours: int = Field(default=24, ge=1)
    notice_max_age_ticket_answer_hours: int = Field(default=7 * 24, ge=1)
    notice_max_age_rating_request_hours: int = Field(default=3 * 24, ge=1)
    notice_max_age_handoff_hours: int = Field(default=1, ge=1)
    notice_max_age_agent_grant_hours: int = Field(default=24, ge=1)
    notice_max_age_traffic_low_hours: int = Field(default=24, ge=1)
    notice_max_age_free_charge_ending_hours: int = Field(default=24, ge=1)
    notice_max_age_document_rejected_hours: int = Field(default=7 * 24, ge=1)
    notice_max_age_announcement_hours: int = Field(default=7 * 24, ge=1)
    notice_max_age_outage_repaired_hours: int = Field(default=24, ge=1)
    notice_max_age_bill_hours: int = Field(default=3 * 24, ge=1)
    # How far back the message box lists announcements to read again (ended ones too): older
    # ones are rarely still true.
    announcements_shown_days: int = Field(default=90, ge=1, le=3660)

    # The ISP as its receipts name it (the seller): legal name, address and tax number (VAT
    # registration). Stamped on each order's receipt when it is applied; unset, left off.
    isp_legal_name: str | None = Field(default=None, max_length=200)
    isp_address: str | None = Field(default=None, max_length=300)
    isp_tax_number: str | None = Field(default=None, max_length=40)

    @property
    def seller(self) -> dict[str, str]:
        """The ISP's identity a receipt shows, what of it is set."""
        fields = {
            "name": self.isp_legal_name,
            "address": self.isp_address,
            "tax_number": self.isp_tax_number,
        }
        return {key: value.strip() for key, value in fields.items() if value and value.strip()}

    attachment_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    attachment_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp", "application/pdf")
    # Voice notes and videos (Telegram's and WhatsApp's own formats): taken into a ticket or a
    # live hand-off for the agent to hear or watch, never as a document for review.
    voice_and_video_types: tuple[str, ...] = (
        "audio/ogg",
        "audio/mpeg",
        "audio/mp4",
        "audio/amr",
        "video/mp4",
        "video/3gpp",
        "video/webm",
    )
    files_dir: str = "var/files"

    # A payment link is good this long. A payment the provider confirms later than this is money
    # received for a price that may be gone: it goes to the wallet instead of being applied.
    payment_link_minutes: int = Field(default=30, ge=1)
    # `ispbot payments reconcile` asks the providers about pending orders older than this.
    reconcile_after_minutes: int = Field(default=10, ge=1)
    # The staff dashboard's figures are counted by the worker this often and kept
    # (core/staff/dashboard_snapshots.py): at a million subscribers they take seconds to count,
    # the page reads them in milliseconds. Kept figures twice this old (no worker running) are
    # counted again when the page is opened. A divisor of 60.
    dashboard_refresh_minutes: int = Field(default=5, ge=1, le=60)
    # Pay every order through this gateway (e.g. "sandbox"); unset: chosen by currency (IRR →
    # zarinpal, IDR → midtrans, others → stripe). The sandbox (the demo's pay page, which takes
    # no money) is used only when no real provider is configured, or when named here.
    payment_gateway: str | None = None

    # Agent hand-off: the support agents' working hours in the ISP's zone, as "HH:MM-HH:MM"
    # (unset: always open), and the days they work (mon..sun). Outside them a subscriber who
    # asks for an agent is told when to expect an answer; the message is kept on the ticket.
    office_hours: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")
    office_days: tuple[str, ...] = ("sat", "sun", "mon", "tue", "wed", "thu")
    # A live hand-off ends after this long without a message from the agent or the subscriber.
    agent_idle_minutes: int = Field(default=15, ge=1)
    # A ticket gets a topic in the agents' group while it waits for an answer, if it has not
    # waited longer than this: a group set up on a database with history gets no backlog of
    # old tickets (their subscriber's next message brings them).
    agent_topic_max_age_hours: int = Field(default=72, ge=1)

    # The static IPs the ISP hands out: CIDRs and first-last ranges, comma-separated
    # ("203.0.113.16/28,10.20.0.5-10.20.0.50"). Empty: none are sold (the demo sets its own).
    static_ip_pool: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
            raise ValueError("must start with sqlite:// or postgres://")
        return value

    @field_validator("dashboard_refresh_minutes")
    @classmethod
    def _divides_the_hour(cls, value: int) -> int:
        if 60 % value:  # the worker's schedule is minutes of the hour
            raise ValueError("must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)")
        return value

    @field_validator("pause_fee")
    @classmethod
    def _fees_by_known_currency(cls, value: dict[str, int]) -> dict[str, int]:
        # Subscribers' currencies are upper case: an "irr" key would match none of them and
        # every pause would be free without a word.
        fees: dict[str, int] = {}
        for code, amount in value.items():
            currency = code.strip().upper()
            if not is_currency(currency):
                raise ValueError(f"unknown currency code {code!r}")
            if currency in fees:
                raise ValueError(f"currency {currency} given twice")
            if amount < 0:
                raise ValueError("a fee cannot be negative")
            fees[currency] = amount
        return fees

    @model_validator(mode="after")
    def _pause_days_in_order(self) -> Settings:
        if self.pause_min_days > self.pause_max_days:
            raise ValueError("pause_min_days must not exceed pause_max_days")
        return self

    @field_validator("static_ip_pool")
    @classmethod
    def _valid_static_ip_pool(cls, value: str) -> str:
        parse_static_ip_pool(value)
        return value

    @property
    def static_ips(self) -> StaticIpPool:
        return parse_static_ip_pool(self.static_ip_pool)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def describe_error(error: ValidationError, prefix: str = "ISPBOT_") -> str:
    """One line that names each wrong setting, for a start-up failure without a traceback."""
    parts = []
    for item in error.errors():
        name = prefix + "_".join(str(p) for p in item["loc"]).upper()
        parts.append(f"{name}: {item['msg']}")
    return "invalid setting " + "; ".join(parts)

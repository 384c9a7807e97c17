"""The bot's settings: the core's, plus what only conversations need (prefix ``ISPBOT_``)."""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from core.config import Settings


class BotSettings(Settings):
    # How long a chat's state (language, login, where it is in a flow) is kept after its last
    # message. Language and login are also remembered on the chat identity in the database.
    state_ttl_seconds: float = Field(default=30 * 24 * 3600, gt=0)
    # A flow left alone this long is abandoned: the next message gets "session expired" and the
    # main menu rather than being read as the answer to a question asked long ago.
    flow_timeout_seconds: float = Field(default=30 * 60, gt=0)
    # A chat's lock expires by itself after this long, so a process that died holding it does
    # not block the chat for ever; no turn should take anywhere near this long.
    lock_timeout_seconds: float = Field(default=60, gt=0)
    # How long a message waits for the previous message of the same chat to finish.
    lock_wait_seconds: float = Field(default=30, gt=0)
    # Channels remember delivered update ids this long to drop the provider's redeliveries.
    dedup_ttl_seconds: float = Field(default=24 * 3600, gt=0)
    # A delivery being handled (a Telegram update: its turn and its replies; a Stripe event) is
    # claimed this long: a copy delivered meanwhile is answered 503, and if the process dies
    # the copy the provider delivers after the claim ran out is handled, not taken for done
    # (bot/handlers/telegram/updates.py, bot/payments/stripe.py). Longer than a turn can last
    # (its wait for the chat's lock plus the lock's own timeout), or a slow turn's copy would
    # be taken as new and run a second time. The store claims for twice lock_timeout_seconds
    # at least (bot/dialogs/state.py).
    delivery_lease_seconds: float = Field(default=120, gt=0)
    # Namespace of every Redis key this app writes (tests use a prefix of their own).
    redis_prefix: str = "ispbot:"
    # The log's level, and the level of the libraries that log every glyph table, request and
    # job at INFO (fontTools, fpdf, twilio, arq): see bot/observability/logs.py.
    log_level: str = "INFO"
    library_log_level: str = "WARNING"
    # Show rial amounts in toman (rials / 10) to Persian readers, as Iranians usually speak.
    money_in_toman: bool = False
    # With no SMS provider configured (the demo), SMS are written to this file instead.
    demo_sms_file: str = "var/demo-sms.txt"
    # Where the web server listens, and the address people's browsers reach it by (payment
    # links and the web chat). Behind a proxy, set ISPBOT_PUBLIC_URL to the outside address.
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = None
    # A web chat closed (the tab shut, or away on a payment page) still takes a notice when it
    # was seen within this long: the notice waits in the chat's mailbox and shows as soon as
    # the chat is open again. Seen longer ago, the notice tries the subscriber's next channel.
    webchat_away_seconds: float = Field(default=30 * 60, gt=0)
    # A web chat's mailbox keeps at most this many notices (the newest), for this long.
    webchat_mailbox_size: int = Field(default=50, ge=1)
    webchat_mailbox_ttl_seconds: float = Field(default=7 * 24 * 3600, gt=0)
    # `ispbot worker` serves its /metrics and /healthz on this port (of ``host``) when set.
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Files the bot sends (receipts, agents' files) reach the web chat, WhatsApp and SMS as
    # links under the public URL, signed with this secret and good for this many days. Unset,
    # a secret is made once and kept in the files directory (bot/handlers/files.py).
    file_link_secret: SecretStr | None = None
    file_link_days: int = Field(default=7, ge=1)
    # Twilio (WhatsApp and SMS): both channels are served only when the account SID and token
    # are set. The API base is a setting so tests reach a local server speaking Twilio's API.
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_api_base: str = "https://api.twilio.com"
    # Senders: E.164 numbers (WhatsApp's without "whatsapp:"), or a messaging service.
    twilio_sms_from: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    # WhatsApp template (content SID) per language, for alerts outside the 24-hour window:
    # JSON, e.g. {"fa": "HX...", "id": "HX...", "en": "HX..."}; its variable {{1}} is the text.
    twilio_whatsapp_templates: dict[str, str] = Field(default_factory=dict)
    # Telegram: the channel is on when the token is set. The API base is the public Bot API
    # unless a local Bot API server (or the tests' fake) stands in. Telegram sends the webhook
    # secret in X-Telegram-Bot-Api-Secret-Token; without it the webhook route is not served.
    # Polling (`ispbot serve --telegram-polling`) is for a developer without a public URL.
    telegram_token: SecretStr | None = None
    # The bot's @username, for the t.me links that log a chat in by a one-time link.
    telegram_bot_username: str | None = Field(default=None, pattern=r"^@?[A-Za-z0-9_]{5,32}$")
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_secret: SecretStr | None = None
    telegram_polling: bool = False
    # Updates the webhook handles at once in this process; beyond that it answers 503 and
    # Telegram delivers again later, so the turns it takes stay fast when it is overloaded
    # (a turn waits for about this many turns' CPU time: 16 keeps that well under a second).
    telegram_max_turns_in_flight: int = Field(default=16, ge=1)
    # The garbage collector's thresholds in ``serve`` (``gc.set_threshold``, JSON such as
    # [50000, 20, 100]). CPython's (700, 10, 10) ran the full collection, which scans every
    # object of every open web chat, again and again: pauses of 1.0-1.5 s for every session at
    # 10,000 open (bench/RESULTS.md, web chat capacity). Rarer young collections promote fewer
    # objects of turns in flight, so the full one runs far less often.
    gc_thresholds: tuple[int, int, int] = (50_000, 20, 100)
    # Connections Telegram may open to the webhook at once (setWebhook's max_connections,
    # 1–100, Telegram's default 40): what bounds the requests a refusing process must read.
    telegram_webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # Telegram's published limits for sending: about 30 messages a second overall, one a
    # second in a chat (short bursts pass), 20 a minute in a group.
    telegram_messages_per_second: float = Field(default=30, gt=0)
    telegram_chat_messages_per_second: float = Field(default=1, gt=0)
    telegram_chat_burst: int = Field(default=3, ge=1)
    telegram_group_messages_per_minute: float = Field(default=20, gt=0)
    # Agent hand-off: the forum supergroup (its chat id, negative) where each ticket gets a
    # topic, and who may act there: these Telegram user ids, and the group's administrators.
    # Only the billing agents may give a free charge or extend a service from a topic.
    agent_chat_id: int | None = None
    agent_user_ids: tuple[int, ...] = ()
    agent_billing_user_ids: tuple[int, ...] = ()
    # The language the desk's cards write money and dates in, as the subscribers' messages do
    # in theirs (amounts in toman too with ISPBOT_MONEY_IN_TOMAN).
    agent_language: str = Field(default="en", pattern=r"^(fa|id|en)$")
    # Twilio's sending rate per sender (messages a second, WhatsApp and SMS each): 1 for a
    # long code, more for a short code or a higher WhatsApp tier. The workers share it.
    twilio_messages_per_second: float = Field(default=1, gt=0)
    # Inbound WhatsApp and SMS a number, and all numbers together on each channel, may send a
    # minute; beyond that a message gets an empty answer (each one we answer costs an SMS).
    inbound_per_number_per_minute: int = Field(default=20, ge=1)
    inbound_per_minute: int = Field(default=600, ge=1)
    # A number that is no subscriber's mobile gets the SMS answer (how to register) once in
    # this window, however often it writes.
    unknown_sender_window_minutes: float = Field(default=60, gt=0)
    # Email (bot/handlers/email): notices and receipts go by email only when a mail server
    # and a sender are set; unset, email is not offered (an address in the profile is a
    # detail like any other). TLS: "starttls" upgrades a plain connection (port 587),
    # "tls" is TLS from the start (port 465), "none" is plain (a relay on the same host).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    # The From of every email: an address, or "Name <address>".
    email_from: str | None = None
    # Emails a second, every worker together (a mail provider's sending limit).
    email_messages_per_second: float = Field(default=5, gt=0)
    # Payment providers: each is used only when its keys are set (the sandbox otherwise). The
    # API bases are settings so tests reach local servers speaking the providers' APIs; unset,
    # they follow the provider's sandbox flag (its test environment) or production.
    zarinpal_merchant_id: SecretStr | None = None
    zarinpal_sandbox: bool = False
    zarinpal_api_base: str | None = None
    midtrans_server_key: SecretStr | None = None
    midtrans_sandbox: bool = False
    midtrans_snap_base: str | None = None
    midtrans_api_base: str | None = None
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"
    # The staff console (/staff): a session ends after this long without a request, and in any
    # case this long after its login.
    staff_session_idle_minutes: int = Field(default=60, ge=1)
    staff_session_max_hours: int = Field(default=12, ge=1)

    @field_validator("gc_thresholds")
    @classmethod
    def _collector_runs(cls, value: tuple[int, int, int]) -> tuple[int, int, int]:
        if value[0] < 1 or min(value) < 0:
            raise ValueError("the first threshold must be at least 1 (0 turns the collector off)")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret_telegram_accepts(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
        secret = value.get_secret_value() if value is not None else None
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError("use 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("email_from")
    @classmethod
    def _email_from_is_an_address(cls, value: str | None) -> str | None:
        if value is not None and "@" not in parseaddr(value)[1]:
            raise ValueError('use an address, or "Name <address>"')
        return value

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.email_from)

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

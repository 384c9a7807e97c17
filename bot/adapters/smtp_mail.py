"""Sending email through an SMTP server with aiosmtplib, one connection a message.

What the server answers decides what happens next (core.ports.EmailNotSent): a 5xx to the
recipient (RCPT) or to the message (DATA) is the address refused for good, a bounce; anything
else (a 4xx, no connection, a timeout, our own login or sender refused) may pass later, and the
outbox tries again.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage

import aiosmtplib

from bot.config import BotSettings
from core.ports import EmailNotSent

log = logging.getLogger(__name__)


class SmtpMailer:
    def __init__(self, settings: BotSettings) -> None:
        if not settings.email_configured:
            raise ValueError("email needs ISPBOT_SMTP_HOST and ISPBOT_EMAIL_FROM")
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        settings = self.settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password,
                use_tls=settings.smtp_tls == "tls",
                start_tls=settings.smtp_tls == "starttls",
                timeout=settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            refusals = error.recipients
            permanent = bool(refusals) and all(is_permanent(r.code) for r in refusals)
            said = "; ".join(f"{r.code} {r.message}" for r in refusals)
            raise EmailNotSent(said, permanent=permanent) from error
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as error:
            raise EmailNotSent(
                f"{error.code} {error.message}", permanent=is_permanent(error.code)
            ) from error
        except aiosmtplib.SMTPResponseException as error:
            # The server refused our login or our sender: not the recipient's fault.
            raise EmailNotSent(f"{error.code} {error.message}", permanent=False) from error
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise EmailNotSent(f"{type(error).__name__}: {error}", permanent=False) from error
        log.info("email %s to %s sent", message["Message-ID"], message["To"])


def is_permanent(code: int) -> bool:
    return 500 <= code < 600

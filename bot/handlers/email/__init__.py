"""The email channel: notices and receipts out by SMTP (nothing comes in by email; a bounce
that arrives later as a report is read by ``ispbot email bounce``, bot/cli/email.py).

The chat id is the subscriber's confirmed address (bot/notify.py routes a notice here when
``SubscriberView.email_usable``). A server that refuses the address for good marks it bounced
(core/accounts/email_addresses.py) and the notice tries the next channel; a refusal that may
pass later is raised, so the outbox tries again (bot/adapters/smtp_mail.py says which is which).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.adapters.smtp_mail import SmtpMailer
from bot.config import BotSettings
from bot.dialogs.contract import Reply
from bot.handlers.email.compose import code_message, notice_message
from core.accounts.email_addresses import EmailAddresses
from core.ports import EmailNotSent

log = logging.getLogger(__name__)

CHANNEL = "email"


class EmailChannelSender:
    channel = CHANNEL

    def __init__(
        self, settings: BotSettings, mailer: SmtpMailer, addresses: EmailAddresses
    ) -> None:
        self.settings = settings
        self.mailer = mailer
        self.addresses = addresses

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> bool:
        """One email for the notice; False once the address bounced (the next channel is
        tried); a failure that may pass later is raised."""
        if not replies:
            return True
        try:
            await self.mailer.send(notice_message(self.settings, chat_id, replies))
        except EmailNotSent as error:
            if not error.permanent:
                raise
            marked = await self.addresses.mark_bounced(chat_id, str(error))
            log.warning("email to %s bounced (%s subscribers marked): %s", chat_id, marked, error)
            return False
        return True


class EmailCodes:
    """The core's EmailCodeSender: the code that confirms a new address, by SMTP."""

    def __init__(self, settings: BotSettings, mailer: SmtpMailer) -> None:
        self.settings = settings
        self.mailer = mailer

    async def send_email_code(
        self, to: str, code: str, *, language: str, username: str, minutes: int
    ) -> None:
        message = code_message(
            self.settings, to, code, language=language, username=username, minutes=minutes
        )
        await self.mailer.send(message)

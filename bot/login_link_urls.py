"""Where a one-time login link (core/accounts/login_links.py) can be opened: the web chat's
URL always; Telegram's deep link when the bot's username is set; WhatsApp's click-to-chat link
with the code prefilled when WhatsApp is on. SMS takes the code as typed."""

from __future__ import annotations

from urllib.parse import quote

from bot.config import BotSettings
from core.accounts.login_links import IssuedLoginLink


def webchat_url(settings: BotSettings, link: IssuedLoginLink) -> str:
    return f"{settings.base_url}/?login={link.token}"


def login_link_urls(settings: BotSettings, link: IssuedLoginLink) -> dict[str, str]:
    urls = {"webchat": webchat_url(settings, link)}
    if settings.telegram_token and settings.telegram_bot_username:
        # Telegram's start parameter: A-Z, a-z, 0-9, _ and -, up to 64 characters.
        urls["telegram"] = (
            f"https://t.me/{settings.telegram_bot_username.lstrip('@')}?start=login-{link.token}"
        )
    if settings.twilio_account_sid and settings.twilio_whatsapp_from:
        number = "".join(c for c in settings.twilio_whatsapp_from if c.isdigit())
        urls["whatsapp"] = f"https://wa.me/{number}?text={quote(link.code)}"
    return urls

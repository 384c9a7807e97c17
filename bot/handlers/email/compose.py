"""Replies as an email: a multipart message (plain text, and simple HTML in the reader's
direction: Persian right to left) in the language the replies are in, its subject their first
line, a reply's file (a receipt's PDF) attached. Options cannot be pressed in an email: they
are listed as what can be done next, and the footer links to the chat.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

import jinja2

from bot.config import BotSettings
from bot.dialogs.contract import Link, Reply
from bot.handlers.plain_text import PlainText
from bot.i18n import Texts, translator

TEMPLATES = Path(__file__).resolve().parent / "templates"
# A subject longer than this is cut at a word (RFC 5322 recommends lines of 78 characters).
SUBJECT_MAX_CHARS = 78
# Options listed as bullets (nothing to answer with a number), links written out.
EMAIL_TEXT = PlainText(gap_before_options=True)


@dataclass(frozen=True, slots=True)
class FooterLine:
    text: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Block:
    paragraphs: list[list[str]]
    options: list[str]
    links: tuple[Link, ...]
    attachment: str | None


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def notice_message(settings: BotSettings, to: str, replies: Sequence[Reply]) -> EmailMessage:
    """A notice's replies as one email to ``to``."""
    language = replies[0].language if replies else "en"
    t = translator(language)
    subject = subject_of(replies) or t.gettext("A message about your Internet service")
    footer = [
        FooterLine(t.gettext("Open the chat"), settings.base_url + "/"),
        FooterLine(
            t.gettext(
                "You get this email because email notices are on in your profile. To stop "
                "them, turn them off in My profile in the chat."
            )
        ),
    ]
    text_parts = [
        EMAIL_TEXT.text(reply, numbered=False) for reply in replies if reply.text or reply.options
    ]
    text_parts.append("\n".join(_footer_text(line) for line in footer))
    html = (
        _templates()
        .get_template("message.html")
        .render(
            language=t.language,
            direction=t.direction,
            subject=subject,
            sender=settings.isp_legal_name or "",
            blocks=[_block(t, reply) for reply in replies],
            footer=footer,
        )
    )
    message = _message(settings, to, subject, "\n\n".join(text_parts), html)
    for reply in replies:
        if reply.attachment is not None:
            maintype, _, subtype = reply.attachment.content_type.partition("/")
            message.add_attachment(
                reply.attachment.data,
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=reply.attachment.filename,
            )
    # Last: making the message multipart moves the Content- headers into its first part.
    message["Content-Language"] = t.language
    return message


def code_message(
    settings: BotSettings, to: str, code: str, *, language: str, username: str, minutes: int
) -> EmailMessage:
    """The code that confirms ``to`` as the email address of ``username``."""
    t = translator(language)
    subject = t.gettext("Your code to confirm your email address: %(code)s", code=code)
    body = t.gettext(
        "Your code to make this address the email of %(username)s: %(code)s. Send it in the "
        "chat within %(minutes)s minutes. If you did not ask for it, ignore this message.",
        username=username,
        code=code,
        minutes=minutes,
    )
    html = (
        _templates()
        .get_template("message.html")
        .render(
            language=t.language,
            direction=t.direction,
            subject=subject,
            sender=settings.isp_legal_name or "",
            blocks=[Block([[body]], [], (), None)],
            footer=[],
        )
    )
    message = _message(settings, to, subject, body, html)
    message["Content-Language"] = t.language
    return message


def subject_of(replies: Sequence[Reply]) -> str:
    """The first line of the first text, cut at a word to fit a subject line."""
    for reply in replies:
        for line in reply.text.splitlines():
            line = " ".join(line.split())
            if line:
                return _shortened(line)
    return ""


def _shortened(line: str) -> str:
    if len(line) <= SUBJECT_MAX_CHARS:
        return line
    cut = line[: SUBJECT_MAX_CHARS - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def _block(t: Texts, reply: Reply) -> Block:
    paragraphs = [p.splitlines() for p in reply.text.split("\n\n") if p.strip()]
    attachment = (
        t.gettext("Attached: %(name)s", name=reply.attachment.filename)
        if reply.attachment is not None
        else None
    )
    return Block(paragraphs, [o.label for o in reply.options], reply.links, attachment)


def _footer_text(line: FooterLine) -> str:
    return f"{line.text}: {line.url}" if line.url else line.text


def _message(settings: BotSettings, to: str, subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    assert settings.email_from is not None
    message["Subject"] = subject
    message["From"] = settings.email_from
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(settings.email_from)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    # Sent by a program (RFC 3834): vacation replies and other robots do not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message

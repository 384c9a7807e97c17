"""A reply as plain lines, for the channels without buttons (WhatsApp, SMS, the console).

The fallback of buttons is written once: a reply's options become numbered lines ("1. label",
the engine maps a typed number back to its option), or bullets when no question waits for them
(an alert's options, ``Reply.numbered`` off); links are written out, and a file that cannot go
along becomes its name and link. What differs between channels is a ``PlainText`` layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialogs.contract import Reply
from bot.i18n import translator


@dataclass(frozen=True, slots=True)
class PlainText:
    """How a channel writes a reply: ``indent`` before each option and link line; ``options``
    off where they cannot be answered at all (SMS); a blank line before them and a hint to
    answer with the number (``answer_hint``); a link as "label: url" or only its url; the
    text's line kept when the reply has no text (``keep_empty_text``)."""

    indent: str = ""
    options: bool = True
    gap_before_options: bool = False
    answer_hint: bool = False
    link_labels: bool = True
    link_mark: str = ""
    keep_empty_text: bool = False

    def lines(
        self, reply: Reply, *, numbered: bool = True, file_url: str | None = None
    ) -> list[str]:
        """``numbered`` off writes even a question's options as bullets; ``file_url``: where
        the reply's file is, when the channel cannot carry the file itself."""
        lines = [reply.text] if reply.text or self.keep_empty_text else []
        if self.options and reply.options:
            numbered = numbered and reply.numbered
            if self.gap_before_options:
                lines.append("")
            for number, option in enumerate(reply.options, start=1):
                mark = f"{number}." if numbered else "•"
                lines.append(f"{self.indent}{mark} {option.label}")
            if numbered and self.answer_hint:
                t = translator(reply.language)
                lines.append(
                    t.gettext(
                        "Reply with the number of your choice (1–%(last)s).",
                        last=len(reply.options),
                    )
                )
        for link in reply.links:
            shown = f"{link.label}: {link.url}" if self.link_labels else link.url
            lines.append(f"{self.indent}{self.link_mark}{shown}")
        if file_url is not None and reply.attachment is not None:
            lines.append(file_line(reply, file_url))
        return lines

    def text(self, reply: Reply, *, numbered: bool = True, file_url: str | None = None) -> str:
        return "\n".join(self.lines(reply, numbered=numbered, file_url=file_url))


def file_line(reply: Reply, file_url: str) -> str:
    """A file the channel cannot carry, as its name and link."""
    assert reply.attachment is not None
    t = translator(reply.language)
    return t.gettext("File %(name)s: %(url)s", name=reply.attachment.filename, url=file_url)

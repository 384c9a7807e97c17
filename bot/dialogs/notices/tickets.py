"""What the bot says on its own about tickets: an answer came, a ticket was closed.

Their options start the tickets flow with the ticket they are about: "Reply" opens its reply,
a score rates it. An answer's files follow its text, one reply each (the text names them all,
so a file too large to send, or past the first few, is still known to be there).
"""

from __future__ import annotations

from typing import Any

from bot.dialogs.contract import Attachment, Option, Reply
from bot.dialogs.menu import flow_choice
from bot.dialogs.notices.renderer import FileNotice, Notice
from bot.i18n import Texts
from core.alerts import kinds
from core.errors import NotFound
from core.ports import FileStore
from core.tickets import queries
from core.tickets.enums import SATISFACTION_SCORES

# An answer longer than this is cut in the notice; the whole of it is in the thread.
ANSWER_SHOWN = 1500
# The files sent with a notice: at most this many, each at most this size (WhatsApp's limit
# for a picture; Telegram takes more). The others are only named.
FILES_SENT = 3
FILE_SENT_MAX_BYTES = 5 * 1024 * 1024


async def ticket_answered(t: Texts, params: dict[str, Any], files: FileStore | None) -> list[Reply]:
    number = t.digits(str(params["ticket_number"]))
    text = t.gettext(
        "Ticket %(number)s (%(subject)s) has a new answer from %(agent)s:",
        number=number,
        subject=params.get("subject", ""),
        agent=params.get("agent_name") or t.gettext("our support team"),
    )
    answer = await _answer(params)
    if answer is not None:
        body = answer.body
        if len(body) > ANSWER_SHOWN:
            body = (
                body[:ANSWER_SHOWN].rstrip()
                + "…\n"
                + t.gettext("(The full answer is in Support tickets.)")
            )
        text += "\n\n" + body
        if answer.attachments:
            names = ", ".join(a.filename for a in answer.attachments)
            text += "\n" + t.gettext("Files: %(names)s", names=names)
    number = int(params["ticket_number"])
    options = (
        Option(flow_choice("tickets", action="reply", ticket=number), t.gettext("Reply")),
        Option(flow_choice("tickets"), t.gettext("My tickets")),
    )
    replies = [Reply(text, options=options, language=t.language)]
    if answer is not None and files is not None:
        for attachment in await _files_sent(number, answer, files):
            replies.append(Reply("", attachment=attachment, language=t.language))
    return replies


async def ticket_closed(t: Texts, params: dict[str, Any]) -> list[Reply]:
    text = t.gettext(
        "Ticket %(number)s (%(subject)s) is now closed. How would you rate our help? "
        "Choose from 1 (poor) to 5 (excellent).",
        number=t.digits(str(params["ticket_number"])),
        subject=params.get("subject", ""),
    )
    number = int(params["ticket_number"])
    options = tuple(
        Option(flow_choice("tickets", action="rate", ticket=number, score=n), t.number(n))
        for n in SATISFACTION_SCORES
    )
    return [Reply(text, options=options, language=t.language)]


async def _files_sent(
    number: int, answer: queries.ThreadMessage, files: FileStore
) -> list[Attachment]:
    small = [a.id for a in answer.attachments if a.size <= FILE_SENT_MAX_BYTES][:FILES_SENT]
    found = await queries.attachment_files(files, number, small)
    return [Attachment(f.filename, f.content_type, f.data) for f in found]


async def _answer(params: dict[str, Any]) -> queries.ThreadMessage | None:
    """The answer the notice is about, as the subscriber sees it in the thread."""
    try:
        thread = await queries.thread(int(params["ticket_number"]), None)
    except NotFound:
        return None
    for message in thread.messages:
        if message.id == params.get("message_id"):
            return message
    return None


NOTICES = (
    FileNotice(kinds.TICKET_ANSWERED, ticket_answered),
    Notice(kinds.TICKET_CLOSED, ticket_closed),
)

"""Documents: the copies sent for review with their status, and uploading a new one.

A rejected copy must be replaced within the grace period, or the line is cut until a valid one
is approved; the list says until when.

```mermaid
flowchart LR
    list -->|Upload a document| kind --> file -->|received| done([thank you])
```
"""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogs.errors import size_limit_mb
from bot.dialogs.flow import Context, Flow, Step
from bot.i18n import N_
from core.accounts import queries
from core.accounts.enums import DocumentKind, DocumentStatus, RejectReason

KIND_LABELS: dict[str, str] = {
    DocumentKind.PHONE_BILL: N_("Phone bill"),
    DocumentKind.NATIONAL_ID_CARD: N_("National ID card"),
    DocumentKind.STUDENT_CARD: N_("Student card"),
    DocumentKind.LEASE: N_("Lease"),
}
REJECT_REASON_LABELS: dict[str, str] = {
    RejectReason.ILLEGIBLE: N_("the copy cannot be read (blurred, dark or cut off)"),
    RejectReason.WRONG_DOCUMENT: N_("it is not the document asked for"),
    RejectReason.EXPIRED: N_("the document has expired"),
    RejectReason.NAME_MISMATCH: N_("the name on it is not the subscriber's"),
    RejectReason.INCOMPLETE: N_("a page or a side is missing"),
    RejectReason.OTHER: N_("another reason"),
}
# How many copies the list shows, newest first.
_LISTED = 10


def kind_label(ctx: Context, kind: str) -> str:
    return ctx._(KIND_LABELS[kind])


def document_line(ctx: Context, doc: queries.DocumentView) -> str:
    label = kind_label(ctx, doc.kind)
    uploaded = ctx.t.day(doc.uploaded_at)
    if doc.status == DocumentStatus.APPROVED:
        return ctx._("%(kind)s (sent %(date)s): approved", kind=label, date=uploaded)
    if doc.status == DocumentStatus.PENDING:
        return ctx._("%(kind)s (sent %(date)s): waiting for review", kind=label, date=uploaded)
    line = ctx._("%(kind)s (sent %(date)s): rejected", kind=label, date=uploaded)
    if doc.reject_code is not None or doc.reject_reason:
        line += "\n" + ctx._("Reason: %(reason)s", reason=reject_reason_text(ctx._, doc))
    if doc.grace_until is not None:
        line += "\n" + ctx._(
            "Please send a valid copy by %(deadline)s, or the line will be cut until one is "
            "approved.",
            deadline=ctx.t.datetime(doc.grace_until),
        )
    return line


def reject_reason_text(
    gettext: Callable[..., str], doc: queries.DocumentView | None = None, **params: str
) -> str:
    """The reason from the list in words, then the reviewer's note; from a document, or from a
    notice's ``reason_code`` and ``reason``."""
    code = str(doc.reject_code or "") if doc is not None else params.get("reason_code", "")
    note = (doc.reject_reason if doc is not None else params.get("reason")) or ""
    label = REJECT_REASON_LABELS.get(code)
    parts = [gettext(label)] if label else []
    if note:
        parts.append(note)
    return ": ".join(parts)


class DocumentsFlow(Flow):
    name = "documents"
    menu_label = N_("My documents")
    menu_group = "account"
    menu_order = 65

    async def ask_list(self, ctx: Context) -> None:
        docs = await queries.documents(ctx.subscriber_id)
        if docs:
            lines = [ctx._("Your documents:")]
            lines += ["- " + document_line(ctx, doc) for doc in docs[:_LISTED]]
            text = "\n".join(lines)
        else:
            text = ctx._(
                "You have not sent any documents yet. We need copies of your documents "
                "(phone bill, national ID card, student card or lease) to keep your line active."
            )
        options = [
            ctx.option("upload", ctx._("Upload a document")),
            ctx.option("cmd:menu", ctx._("Main menu")),
        ]
        ctx.say(text, options=options)

    async def on_list(self, ctx: Context) -> None:
        if ctx.input.choice == "upload":
            await ctx.goto(self.KIND)
            return
        await ctx.refuse(ctx._("Please choose one of the options below."))

    async def ask_kind(self, ctx: Context) -> None:
        options = [ctx.option(f"kind:{kind}", kind_label(ctx, kind)) for kind in KIND_LABELS]
        ctx.say(ctx._("Which document do you want to send?"), options=options)

    async def on_kind(self, ctx: Context) -> None:
        kind = (ctx.input.choice or "").removeprefix("kind:")
        if kind not in KIND_LABELS:
            await ctx.refuse(ctx._("Please choose one of the document types below."))
            return
        ctx.data["kind"] = kind
        await ctx.goto(self.FILE)

    async def ask_file(self, ctx: Context) -> None:
        settings = ctx.services.settings
        ctx.say(
            ctx._(
                "Please send a clear photo or a PDF of your %(kind)s as an attachment "
                "(at most %(max_mb)s MB).",
                kind=kind_label(ctx, ctx.data["kind"]),
                max_mb=size_limit_mb(settings.attachment_max_bytes),
            )
        )

    async def on_file(self, ctx: Context) -> None:
        attachment = ctx.input.attachment
        if attachment is None:
            await ctx.refuse(ctx._("I did not receive a file. Please attach a photo or a PDF."))
            return
        kind = ctx.data["kind"]
        # Wrong type, empty or too large: explained by the engine, and the file asked again.
        await ctx.services.document_reviews.upload_document(
            ctx.subscriber_id,
            kind,
            attachment.filename,
            attachment.content_type,
            attachment.data,
        )
        await ctx.finish(
            ctx._(
                "Thank you! We received your %(kind)s. We will review it and let you know.",
                kind=kind_label(ctx, kind),
            )
        )

    # ---- the steps ---------------------------------------------------------------------------
    LIST = Step("list", ask_list, on_list)
    KIND = Step("kind", ask_kind, on_kind)
    FILE = Step("file", ask_file, on_file)
    first_step = LIST


FLOWS = [DocumentsFlow()]

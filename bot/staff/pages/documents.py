"""Documents: the copies waiting for review (oldest first) and those reviewed (latest verdict
first, with who gave it); a copy's page shows the picture (or links the PDF) with the verdict
form. The verdict is the review service's, as in the admin API and the agents' group: a
rejection tells the subscriber the reason and the days of grace, an approval ends the grace."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.staff.context import WIRING, actor, current_texts
from bot.staff.files import file_response, stored_bytes
from bot.staff.guard import requires
from bot.staff.labels import REJECT_REASONS
from bot.staff.messages import error_message
from bot.staff.rendering import render
from bot.staff.sessions import PATH
from core.accounts.document_reviews import REVIEW_NOTE_MAX_LENGTH
from core.accounts.enums import DocumentStatus
from core.accounts.queries import document_for_review, documents
from core.errors import Conflict, InvalidInput, NotFound
from core.staff.desk_queries import PageKey, document_queue
from core.staff.roles import Permission

routes = web.RouteTableDef()

MAX_ID = 2**31 - 1
DECISIONS = ("approve", "reject")
DONE = ("approved", "rejected")


@routes.get("/documents")
@requires(Permission.REVIEW_DOCUMENTS)
async def document_list(request: web.Request) -> web.StreamResponse:
    state = request.query.get("state", DocumentStatus.PENDING.value)
    if state not in {s.value for s in DocumentStatus}:
        raise InvalidInput("status_invalid", field="state")
    after = PageKey.parse(request.query.get("after"))
    page = await document_queue(DocumentStatus(state), after)
    done = request.query.get("done", "")
    context = {
        "section": "documents",
        "state": state,
        "states": [s.value for s in DocumentStatus],
        "page": page,
        "after": after,
        "done": done if done in DONE else "",
    }
    return render(request, "documents.html", context)


def _document_id(request: web.Request) -> int:
    value = int(request.match_info["document_id"])
    if value > MAX_ID:
        raise NotFound("document_not_found", document_id=value)
    return value


@routes.get(r"/documents/{document_id:\d{1,10}}")
@requires(Permission.REVIEW_DOCUMENTS)
async def document_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, {}, {})


async def _page(
    request: web.Request, errors: dict[str, str], form: dict[str, str], *, status: int = 200
) -> web.Response:
    item = await document_for_review(_document_id(request))
    others = [d for d in await documents(item.subscriber_id) if d.id != item.document.id]
    context: dict[str, Any] = {
        "section": "documents",
        "item": item,
        "doc": item.document,
        "others": others,
        "reasons": list(REJECT_REASONS),
        "note_max": REVIEW_NOTE_MAX_LENGTH,
        "errors": errors,
        "form": form,
        "is_pdf": item.document.content_type == "application/pdf",
        "is_image": item.document.content_type.startswith("image/"),
        "grace_days": request.app[WIRING].settings.document_grace_days,
    }
    return render(request, "document.html", context, status=status)


@routes.get(r"/documents/{document_id:\d{1,10}}/file")
@requires(Permission.REVIEW_DOCUMENTS)
async def document_file(request: web.Request) -> web.StreamResponse:
    item = await document_for_review(_document_id(request))
    doc = item.document
    data = await stored_bytes(request.app[WIRING].services.files, doc.file_key)
    return file_response(doc.filename, doc.content_type, data)


@routes.post(r"/documents/{document_id:\d{1,10}}/review")
@requires(Permission.REVIEW_DOCUMENTS)
async def review(request: web.Request) -> web.StreamResponse:
    document_id = _document_id(request)
    form = await request.post()
    decision = str(form.get("decision", ""))
    reason = str(form.get("reason", "")).strip()
    note = str(form.get("note", ""))
    typed = {"decision": decision, "reason": reason, "note": note}
    texts = current_texts(request)
    if decision not in DECISIONS:
        errors = {"decision": error_message(texts, InvalidInput("unknown_decision"))}
        return await _page(request, errors, typed, status=422)
    desk = request.app[WIRING].staff.desk
    try:
        await desk.review_document(
            actor(request), document_id, decision == "approve", reason or None, note or None
        )
    except InvalidInput as refused:
        field = str(refused.details.get("field", "reason"))
        return await _page(request, {field: error_message(texts, refused)}, typed, status=422)
    except Conflict as late:
        return await _page(request, {"form": error_message(texts, late)}, typed, status=409)
    done = "approved" if decision == "approve" else "rejected"
    raise web.HTTPSeeOther(f"{PATH}/documents?done={done}")

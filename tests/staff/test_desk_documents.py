"""The console's documents: the queue with the copy shown through the guard, a verdict by the
review service with who gave it, the reason required for a rejection (shown next to the field,
nothing changed), a copy reviewed once, the history, roles, CSRF and bad ids."""

from __future__ import annotations

import re

import pytest

from core.accounts.enums import DocumentStatus, LineStatus
from core.accounts.models import Document, Subscriber
from core.alerts import kinds
from core.inbox.models import OutboxMessage
from tests.core.test_accounts_support import make_subscriber

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
PDF = b"%PDF-1.4\n" + b"0" * 40


async def uploaded(console, filename="card.jpg", content_type="image/jpeg", data=JPEG) -> int:
    subscriber = await Subscriber.get_or_none(username="1132455123") or await make_subscriber()
    document = await console.wiring.services.document_reviews.upload_document(
        subscriber.id, "national_id_card", filename, content_type, data
    )
    return document.id


async def post(console, path: str, **fields: str):
    token = await console.csrf("/staff/documents")
    return await console.client.post(path, data={"csrf": token, **fields}, allow_redirects=False)


async def test_the_queue_shows_the_copy_through_the_guard(console):
    document_id = await uploaded(console)
    pdf_id = await uploaded(console, "bill.pdf", "application/pdf", PDF)
    await console.log_in("agent")

    queue = await (await console.client.get("/staff/documents")).text()
    assert f'href="/staff/documents/{document_id}"' in queue and "National ID card" in queue
    page = await (await console.client.get(f"/staff/documents/{document_id}")).text()
    assert f'<img src="/staff/documents/{document_id}/file"' in page
    picture = await console.client.get(f"/staff/documents/{document_id}/file")
    assert picture.status == 200 and await picture.read() == JPEG
    assert picture.headers["Content-Type"] == "image/jpeg"
    assert picture.headers["Content-Disposition"].startswith("inline")
    assert picture.headers["X-Content-Type-Options"] == "nosniff"
    pdf_page = await (await console.client.get(f"/staff/documents/{pdf_id}")).text()
    assert "Open the PDF" in pdf_page and "<img" not in pdf_page.split("document-view")[1][:200]
    pdf = await console.client.get(f"/staff/documents/{pdf_id}/file")
    assert pdf.headers["Content-Type"] == "application/pdf" and await pdf.read() == PDF
    assert pdf.headers["Content-Disposition"].startswith("attachment")


async def test_an_approval_is_the_review_service_s_with_the_reviewer_named(console):
    document_id = await uploaded(console)
    await console.log_in("agent")

    done = await post(console, f"/staff/documents/{document_id}/review", decision="approve")

    assert done.status == 303 and done.headers["Location"] == "/staff/documents?done=approved"
    row = await Document.get(id=document_id)
    assert (row.status, row.reviewed_by) == (DocumentStatus.APPROVED, "agent")
    history = await (await console.client.get("/staff/documents?state=approved")).text()
    assert f"#{document_id}" in history and "agent" in history
    assert "No document is waiting" in await (await console.client.get("/staff/documents")).text()


async def test_a_rejection_needs_a_reason_shown_next_to_the_field(console):
    document_id = await uploaded(console)
    await console.log_in("operator")

    refused = await post(console, f"/staff/documents/{document_id}/review", decision="reject")

    assert refused.status == 422
    page = await refused.text()
    assert re.search(r'id="reason-error">Choose a reason from the list', page)
    assert (await Document.get(id=document_id)).status == DocumentStatus.PENDING
    assert await OutboxMessage.filter(kind=kinds.DOCUMENT_REJECTED).count() == 0


async def test_a_rejection_tells_the_subscriber_the_reason_note_and_grace(console):
    document_id = await uploaded(console)
    await console.log_in("operator")

    done = await post(
        console,
        f"/staff/documents/{document_id}/review",
        decision="reject",
        reason="illegible",
        note="The photo is too dark",
    )

    assert done.headers["Location"] == "/staff/documents?done=rejected"
    row = await Document.get(id=document_id)
    assert (row.status, row.reject_code, row.reject_reason, row.reviewed_by) == (
        DocumentStatus.REJECTED,
        "illegible",
        "The photo is too dark",
        "operator",
    )
    [notice] = await OutboxMessage.filter(kind=kinds.DOCUMENT_REJECTED)
    assert notice.params["reason_code"] == "illegible" and notice.params["days_left"] == 7
    # Reviewed once: a second verdict (another tab) changes nothing and says so.
    late = await post(console, f"/staff/documents/{document_id}/review", decision="approve")
    assert late.status == 409 and "reviewed this document already" in await late.text()
    assert (await Document.get(id=document_id)).status == DocumentStatus.REJECTED
    history = await (await console.client.get("/staff/documents?state=rejected")).text()
    assert "cannot be read" in history and "The photo is too dark" in history


async def test_an_approval_gives_back_a_line_cut_for_its_documents(console, clock):
    subscriber = await make_subscriber(line_status=LineStatus.DOCUMENTS_SUSPENDED)
    document_id = await uploaded(console)
    await console.log_in("admin")
    await post(console, f"/staff/documents/{document_id}/review", decision="approve")
    assert (await Subscriber.get(id=subscriber.id)).line_status is LineStatus.IN_OPERATION


@pytest.mark.parametrize(
    ("role", "status"), [("billing", 403), ("agent", 200), ("operator", 200), ("admin", 200)]
)
async def test_only_the_desk_s_roles_open_the_documents(console, role, status):
    document_id = await uploaded(console)
    await console.log_in(role)
    for path in ("/staff/documents", f"/staff/documents/{document_id}"):
        assert (await console.client.get(path)).status == status
    file = await console.client.get(f"/staff/documents/{document_id}/file")
    assert file.status == status
    if status == 403:
        assert await file.read() != JPEG


async def test_a_verdict_without_its_csrf_token_changes_nothing(console):
    document_id = await uploaded(console)
    await console.log_in("admin")
    refused = await console.client.post(
        f"/staff/documents/{document_id}/review", data={"decision": "approve"}
    )
    assert refused.status == 403
    assert (await Document.get(id=document_id)).status == DocumentStatus.PENDING


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/staff/documents/999999", 404, "There is no such document."),
        ("/staff/documents/9999999999/file", 404, "There is no such document."),
        ("/staff/documents?state=lost", 400, "Choose one of the states."),
        ("/staff/documents?state=approved&after=x.1", 400, "That page link is not valid"),
    ],
)
async def test_a_bad_id_or_query_is_a_page_in_words(console, path, status, words):
    await console.log_in("admin")
    answer = await console.client.get(path)
    assert answer.status == status
    assert words in await answer.text()


async def test_a_decision_that_is_neither_is_refused_in_words(console):
    document_id = await uploaded(console)
    await console.log_in("admin")
    refused = await post(console, f"/staff/documents/{document_id}/review", decision="maybe")
    assert refused.status == 422 and "Choose approve or reject." in await refused.text()


async def test_the_queue_pages_by_key(console):
    ids = [await uploaded(console, data=JPEG + bytes([n])) for n in range(27)]
    await console.log_in("admin")
    first = await (await console.client.get("/staff/documents")).text()
    [after] = re.findall(r"after=([0-9.]+)", first)
    second = await (await console.client.get(f"/staff/documents?after={after}")).text()
    shown = {int(n) for n in re.findall(r'href="/staff/documents/(\d+)"', first + second)}
    assert shown == set(ids)
    assert "Next page" not in second

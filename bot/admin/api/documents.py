"""Admin API: the documents' review queue and the verdict on a copy (the same core service as
the agents' /docs command)."""

from __future__ import annotations

from bot.admin.api.context import ApiContext
from bot.admin.api.schemas import DocumentList, DocumentOut, DocumentQuery, DocumentReview
from bot.admin.api.spec import INT_PATH, Operation
from core.accounts.queries import DocumentForReview, document_for_review, documents_for_review


def document_out(item: DocumentForReview) -> DocumentOut:
    doc = item.document
    return DocumentOut(
        id=doc.id,
        username=item.username,
        full_name=item.full_name,
        kind=doc.kind,
        filename=doc.filename,
        content_type=doc.content_type,
        size=doc.size,
        status=doc.status,
        reject_code=doc.reject_code,
        reject_reason=doc.reject_reason,
        uploaded_at=doc.uploaded_at,
        reviewed_at=doc.reviewed_at,
        grace_until=doc.grace_until,
    )


async def list_documents(api: ApiContext, query: DocumentQuery) -> DocumentList:
    found = await documents_for_review(query.limit, query.offset, query.state)
    return DocumentList(items=[document_out(item) for item in found])


async def review_document(api: ApiContext, document_id: int, body: DocumentReview) -> DocumentOut:
    await api.services.document_reviews.review_document(
        document_id, body.decision == "approve", body.reason, body.note, actor=api.actor
    )
    return document_out(await document_for_review(document_id))


DOCUMENT_ID = {"document_id": INT_PATH}

OPERATIONS = [
    Operation(
        "GET",
        "/documents",
        list_documents,
        "Documents in a state, oldest first (the review queue: state=pending)",
        "documents",
        DocumentList,
        query=DocumentQuery,
        errors=(),
    ),
    Operation(
        "POST",
        "/documents/{document_id}/review",
        review_document,
        "Approve or reject a copy: a rejection tells the subscriber and starts the grace",
        "documents",
        DocumentOut,
        body=DocumentReview,
        path_params=DOCUMENT_ID,
        errors=(404, 409),
    ),
]

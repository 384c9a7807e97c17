"""The accounts' fixed vocabularies: languages, line states, documents.

Plain values, apart from the ORM models, so that channels and dialogs may name them."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    FA = "fa"
    ID = "id"
    EN = "en"


class LineStatus(StrEnum):
    IN_OPERATION = "in_operation"
    # Installed but blocked until the subscription deposit is paid (Indonesian "isolir").
    ISOLATED = "isolated"
    # Service ran out and was not renewed (Persian "در لیست جمع آوری").
    IN_COLLECTION_LIST = "in_collection_list"
    # Cut because a rejected document was not replaced within the grace period.
    DOCUMENTS_SUSPENDED = "documents_suspended"
    CLOSED = "closed"


class DocumentKind(StrEnum):
    PHONE_BILL = "phone_bill"
    NATIONAL_ID_CARD = "national_id_card"
    STUDENT_CARD = "student_card"
    LEASE = "lease"


class RejectReason(StrEnum):
    """Why a document copy was refused, from the reviewers' list (a free-text note may add
    to it)."""

    ILLEGIBLE = "illegible"
    WRONG_DOCUMENT = "wrong_document"
    EXPIRED = "expired"
    NAME_MISMATCH = "name_mismatch"
    INCOMPLETE = "incomplete"
    OTHER = "other"


class DocumentStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

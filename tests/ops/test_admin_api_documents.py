"""The documents' review through the admin API: the pending queue, a rejection with a reason
from the list (the subscriber is told at once, the grace starts), an approval, and refusals."""

# ruff: noqa: F811  (the admin API fixtures are passed by parameter name)

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts.enums import DocumentStatus, LineStatus
from core.accounts.models import Document, Subscriber
from core.inbox.models import OutboxMessage
from core.staff import audit
from tests.conftest import NOW
from tests.dialogs.conftest import make_subscriber
from tests.ops.test_admin_api import api, token  # noqa: F401  (fixtures)

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60


async def uploaded(services, subscriber: Subscriber, kind: str = "national_id_card") -> int:
    document = await services.document_reviews.upload_document(
        subscriber.id, kind, "card.jpg", "image/jpeg", JPEG
    )
    return document.id


async def test_the_queue_lists_pending_copies_oldest_first_with_their_subscriber(
    api, services, bot_settings
):
    sara = await make_subscriber(bot_settings, full_name="Sara Tehrani")
    first = await uploaded(services, sara)
    second = await uploaded(services, sara, "phone_bill")
    await services.document_reviews.review_document(second, approve=True)

    status, body = await api.call("GET", "/documents?state=pending")
    assert status == 200
    assert [(d["id"], d["username"], d["full_name"], d["kind"]) for d in body["items"]] == [
        (first, "5120001", "Sara Tehrani", "national_id_card")
    ]
    status, body = await api.call("GET", "/documents?state=approved")
    assert [d["id"] for d in body["items"]] == [second]
    status, body = await api.call("GET", "/documents?state=lost")
    assert status == 422 and body["fields"][0]["field"] == "query.state"


async def test_a_rejection_names_the_reason_tells_the_subscriber_and_starts_the_week(
    api, services, bot_settings
):
    sara = await make_subscriber(bot_settings)
    document_id = await uploaded(services, sara)

    status, body = await api.call(
        "POST",
        f"/documents/{document_id}/review",
        json={"decision": "reject", "reason": "illegible", "note": "The photo is dark"},
    )

    assert status == 200
    assert body["status"] == "rejected" and body["reject_code"] == "illegible"
    assert body["reject_reason"] == "The photo is dark"
    assert body["grace_until"].startswith((NOW + timedelta(days=7)).date().isoformat())
    [notice] = await OutboxMessage.filter(subscriber_id=sara.id)
    assert notice.kind == "document_rejected"
    assert notice.params["reason_code"] == "illegible" and notice.params["days_left"] == 7
    # The staff's audit log: who (the token's name), what, when, before and after.
    [entry] = await audit.entries_for(audit.SUBSCRIBER, sara.id)
    assert (entry.actor_name, entry.action, entry.at) == ("api:ops", "document.reject", NOW)
    assert entry.before == {"document": document_id, "status": "pending"}
    assert entry.after == {
        "document": document_id,
        "kind": "national_id_card",
        "status": "rejected",
        "reject_code": "illegible",
        "note": "The photo is dark",
        "grace_until": (NOW + timedelta(days=7)).isoformat(),
    }


async def test_refusals_change_nothing(api, services, bot_settings):
    sara = await make_subscriber(bot_settings)
    document_id = await uploaded(services, sara)
    path = f"/documents/{document_id}/review"

    status, body = await api.call("POST", path, json={"decision": "reject"})
    assert status == 422 and body["fields"] == [
        {"field": "reason", "message": "reject_reason_required"}
    ]
    status, body = await api.call("POST", path, json={"decision": "reject", "reason": "ugly"})
    assert status == 422 and body["fields"][0]["field"] == "reason"
    status, body = await api.call(
        "POST", path, json={"decision": "reject", "reason": "other", "note": "x" * 501}
    )
    assert status == 422 and body["fields"][0]["field"] == "note"
    status, body = await api.call("POST", "/documents/999/review", json={"decision": "approve"})
    assert status == 404 and body["error"] == "document_not_found"
    assert (await Document.get(id=document_id)).status == DocumentStatus.PENDING
    assert not await OutboxMessage.exists()
    assert await audit.entries_for(audit.SUBSCRIBER, sara.id) == []  # a refusal leaves no entry

    assert (await api.call("POST", path, json={"decision": "approve"}))[0] == 200
    status, body = await api.call("POST", path, json={"decision": "reject", "reason": "other"})
    assert status == 409 and body["error"] == "document_already_reviewed"


@pytest.mark.parametrize("state", ["pending", "approved", "rejected"])
async def test_the_document_describes_the_queue(client, state):
    document = await (await client.get("/api/v1/openapi.json")).json()
    review = document["paths"]["/api/v1/documents/{document_id}/review"]["post"]
    assert set(review["responses"]) >= {"200", "401", "404", "409", "422"}
    [state_param] = [
        p
        for p in document["paths"]["/api/v1/documents"]["get"]["parameters"]
        if p["name"] == "state"
    ]
    assert state in document["components"]["schemas"]["DocumentStatus"]["enum"]
    assert state_param["schema"]["$ref"].endswith("DocumentStatus")


async def test_approving_after_the_cut_gives_the_line_back(api, services, bot_settings, clock):
    sara = await make_subscriber(bot_settings)
    rejected = await uploaded(services, sara)
    await api.call(
        "POST", f"/documents/{rejected}/review", json={"decision": "reject", "reason": "expired"}
    )
    clock.advance(timedelta(days=8))
    assert await services.document_reviews.enforce_document_grace() == 1
    assert (await Subscriber.get(id=sara.id)).line_status == LineStatus.DOCUMENTS_SUSPENDED

    replacement = await uploaded(services, sara)
    status, _ = await api.call(
        "POST", f"/documents/{replacement}/review", json={"decision": "approve"}
    )

    assert status == 200
    assert (await Subscriber.get(id=sara.id)).line_status == LineStatus.IN_OPERATION
    approved, rejection = await audit.entries_for(audit.SUBSCRIBER, sara.id)
    assert (approved.actor_name, approved.action) == ("api:ops", "document.approve")
    assert approved.after is not None and approved.after["status"] == "approved"
    assert approved.after["document"] == replacement and approved.after["grace_until"] is None
    assert rejection.action == "document.reject"

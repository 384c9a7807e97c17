"""Agents review documents from their Telegram group: /docs lists what waits, a button posts
the file with Approve and Reject, Reject offers the reasons, and the subscriber hears the
reason and the days of grace on their channel. /reject writes a note too; a non-agent's press
changes nothing.

The real app with the Bot API and Twilio as local fakes, as in test_agent_group.py."""

# ruff: noqa: F811  (fixtures are passed by parameter name)

from __future__ import annotations

from bot.handlers.telegram.webhook import PATH, SECRET_HEADER
from core.accounts.enums import DocumentStatus, LineStatus
from core.accounts.models import Document, Subscriber
from core.inbox.models import OutboxMessage
from core.staff import audit
from tests.dialogs.test_flows_billing_support import USERNAME
from tests.fakes_telegram import group_callback_update, topic_message_update
from tests.fakes_twilio import twilio_fake  # noqa: F401  (fixtures)
from tests.handoff.test_agent_group import (  # noqa: F401  (fixtures)
    GROUP,
    REZA,
    SECRET,
    STRANGER,
    Desk,
    bot_api,
    bot_settings,
    desk,
    logged_in_whatsapp,
    whatsapp_says,
)

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60


async def deliver(desk: Desk, update: dict) -> None:
    response = await desk.client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
    assert response.status == 200


async def write_in_general(desk: Desk, user_id: int, text: str) -> None:
    update = topic_message_update(GROUP, 1, user_id, text)
    del update["message"]["message_thread_id"], update["message"]["is_topic_message"]
    await deliver(desk, update)


async def press(desk: Desk, user_id: int, label: str) -> None:
    """Press the button like ``label`` on the bot's last message in the group that has it."""
    for call in reversed(desk.api.sent(GROUP)):
        if any(label.casefold() in b["text"].casefold() for b in call.buttons):
            data = call.button(label)["callback_data"]
            message_id = call.result["message_id"]
            await deliver(
                desk, group_callback_update(GROUP, None, user_id, data, message_id=message_id)
            )
            return
    raise AssertionError(f"no button like {label!r} in the group")


async def uploaded(services, kind: str = "national_id_card") -> int:
    sara = await Subscriber.get(username=USERNAME)
    document = await services.document_reviews.upload_document(
        sara.id, kind, "card.jpg", "image/jpeg", JPEG
    )
    return document.id


async def test_an_agent_rejects_with_a_reason_from_the_buttons_and_the_subscriber_hears_it(
    desk, services, bot_settings
):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    document_id = await uploaded(services)

    await write_in_general(desk, REZA, "/docs")
    listing = desk.api.last(GROUP)
    assert listing.params.get("message_thread_id") is None
    assert f"#{document_id} National ID card of {USERNAME}" in listing.params["text"]

    await press(desk, REZA, f"Show #{document_id}")
    [photo] = desk.api.calls_of("sendPhoto", chat_id=GROUP)
    assert list(photo.files.values()) == [("card.jpg", JPEG)]
    assert [b["text"] for b in photo.buttons] == ["Approve", "Reject"]

    await press(desk, REZA, "Reject")
    assert "Why is document" in desk.api.last(GROUP).params["text"]
    await press(desk, REZA, "cannot be read")

    assert "rejected (the copy cannot be read" in desk.api.last(GROUP).params["text"]
    stored = await Document.get(id=document_id)
    assert stored.status == DocumentStatus.REJECTED and stored.reject_code == "illegible"
    await whatsapp_says(desk, chat, "was not accepted")
    assert "Reason: the copy cannot be read (blurred, dark or cut off)" in chat.text
    assert "within 7 days" in chat.text
    # The staff's audit log names the agent who pressed the reason, and what changed.
    [entry] = await audit.entries_for(audit.SUBSCRIBER, stored.subscriber_id)  # type: ignore[attr-defined]
    assert (entry.actor_name, entry.action) == (f"telegram:{REZA} Reza", "document.reject")
    assert entry.before == {"document": document_id, "status": "pending"}
    assert entry.after is not None and entry.after["reject_code"] == "illegible"


async def test_a_written_rejection_carries_a_note_and_an_approval_ends_the_grace(
    desk, services, bot_settings
):
    await logged_in_whatsapp(desk, services, bot_settings)
    first = await uploaded(services)
    await write_in_general(desk, REZA, f"/reject {first} expired the card ended in 2024")
    assert "rejected (the document has expired)" in desk.api.last(GROUP).params["text"]
    [notice] = await OutboxMessage.filter(kind="document_rejected")
    assert notice.params["reason"] == "the card ended in 2024"

    second = await uploaded(services)
    await write_in_general(desk, REZA, "/docs")
    await press(desk, REZA, f"Show #{second}")
    await press(desk, REZA, "Approve")

    assert f"Document #{second} approved" in desk.api.last(GROUP).params["text"]
    assert (await Document.get(id=second)).status == DocumentStatus.APPROVED
    sara = await Subscriber.get(username=USERNAME)
    assert sara.line_status == LineStatus.IN_OPERATION
    approval, rejection = await audit.entries_for(audit.SUBSCRIBER, sara.id)
    assert (approval.action, approval.after) == (
        "document.approve",
        {
            "document": second,
            "kind": "national_id_card",
            "status": "approved",
            "reject_code": None,
            "note": None,
            "grace_until": None,
        },
    )
    assert approval.actor_name == rejection.actor_name == f"telegram:{REZA} Reza"
    assert rejection.after is not None and rejection.after["note"] == "the card ended in 2024"


async def test_refusals_are_said_and_change_nothing(desk, services, bot_settings):
    await logged_in_whatsapp(desk, services, bot_settings)
    document_id = await uploaded(services)

    await write_in_general(desk, REZA, f"/reject {document_id} ugly")
    assert "/reject ID REASON" in desk.api.last(GROUP).params["text"]
    await write_in_general(desk, REZA, "/approve 999")
    assert "There is no document #999" in desk.api.last(GROUP).params["text"]
    await write_in_general(desk, STRANGER, "/docs")
    assert "Only support agents" in desk.api.last(GROUP).params["text"]
    await write_in_general(desk, REZA, "/docs")
    await press(desk, REZA, f"Show #{document_id}")
    await press(desk, STRANGER, "Approve")
    assert (await Document.get(id=document_id)).status == DocumentStatus.PENDING

    sara = await Subscriber.get(username=USERNAME)
    assert await audit.entries_for(audit.SUBSCRIBER, sara.id) == []  # refusals: no entry
    await press(desk, REZA, "Approve")
    await press(desk, REZA, "Approve")
    assert "was already reviewed (approved)" in desk.api.last(GROUP).params["text"]
    assert len(await audit.entries_for(audit.SUBSCRIBER, sara.id)) == 1  # one verdict, one entry

"""Changes staff make on a subscriber go through the chat's own services, each with its audit
entry in the same transaction: both written, or (on a refusal) neither."""

from __future__ import annotations

import pytest

from core.accounts import queries
from core.accounts.chats import Chats
from core.accounts.enums import LineStatus
from core.accounts.line_status import LineStatuses
from core.errors import InvalidInput, NotFound
from core.staff import audit
from core.staff.actions import StaffActions
from core.staff.audit import Actor
from core.staff.models import AuditEntry
from tests.core.test_accounts_support import make_subscriber

SARA = Actor(None, "sara")


@pytest.fixture
def actions(clock) -> StaffActions:
    return StaffActions(clock, LineStatuses(clock), Chats(clock))


async def test_a_line_status_change_is_recorded_with_before_and_after(db, actions, clock):
    subscriber = await make_subscriber()

    assert await actions.set_line_status(SARA, subscriber.id, "isolated", "deposit unpaid")

    assert (await queries.subscriber_view(subscriber.id)).line_status is LineStatus.ISOLATED
    [change] = await queries.line_status_history(subscriber.id)
    assert change.reason == "deposit unpaid"
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert (entry.actor_name, entry.action, entry.at) == (
        "sara",
        "subscriber.line_status",
        clock.now(),
    )
    assert entry.before == {"line_status": "in_operation"}
    assert entry.after == {"line_status": "isolated", "reason": "deposit unpaid"}


async def test_the_same_status_again_changes_and_records_nothing(db, actions):
    subscriber = await make_subscriber()

    assert not await actions.set_line_status(SARA, subscriber.id, "in_operation")

    assert await AuditEntry.all().count() == 0


@pytest.mark.parametrize(
    ("status", "reason", "code"),
    [("sleeping", "", "unknown_line_status"), ("closed", "x" * 201, "reason_too_long")],
)
async def test_a_refused_change_writes_nothing(db, actions, status, reason, code):
    subscriber = await make_subscriber()

    with pytest.raises(InvalidInput) as caught:
        await actions.set_line_status(SARA, subscriber.id, status, reason)

    assert caught.value.code == code
    assert await queries.line_status_history(subscriber.id) == []
    assert await AuditEntry.all().count() == 0


async def test_unlinking_a_chat_logs_it_out_and_is_recorded(db, actions, clock):
    subscriber = await make_subscriber()
    await Chats(clock).link_by_operator("telegram", "555", subscriber.id)
    [chat] = await queries.chats_of(subscriber.id)

    await actions.unlink_chat(SARA, subscriber.id, chat.id)

    assert await queries.chats_of(subscriber.id) == []
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert entry.action == "subscriber.unlink_chat"
    assert entry.before == {"chat": {"id": chat.id, "channel": "telegram"}, "linked": True}


async def test_unlinking_a_chat_that_is_not_theirs_is_not_found_and_unrecorded(db, actions, clock):
    subscriber = await make_subscriber()
    other = await make_subscriber("2100000009")
    await Chats(clock).link_by_operator("telegram", "555", other.id)
    [chat] = await queries.chats_of(other.id)

    with pytest.raises(NotFound):
        await actions.unlink_chat(SARA, subscriber.id, chat.id)
    with pytest.raises(NotFound):
        await actions.unlink_chat(SARA, other.id + 100, chat.id)
    assert len(await queries.chats_of(other.id)) == 1
    assert await AuditEntry.all().count() == 0

"""Broadcasts from the console: an announcement previewed (how many, on which channel each is
tried first, by the notifier's own order) and only then sent, through the Broadcasts service
the admin API uses, audited; its progress counted per channel while it goes out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.alerts.broadcast import Broadcasts
from core.alerts.preview import Previews
from core.errors import FieldErrors
from core.inbox.models import Announcement, InboxMessage, OutboxMessage
from core.staff import audit
from core.staff.alerts import Audience, StaffAlerts
from core.staff.audit import Actor
from core.staff.models import AuditEntry
from tests.alerts import builders as b
from tests.staff.ops_support import OPERATORS_ONLY, ops_console_fixture  # noqa: F401

SARA = Actor(None, "sara")
TEXTS = {"en": "New prices from next month.", "id": "Harga baru mulai bulan depan."}


async def test_a_preview_counts_whom_a_send_reaches_on_their_first_channel(db, settings, clock):
    telegram = await b.subscriber(exchange_centre="Gambir")
    sms_only = await b.subscriber(exchange_centre="Gambir", mobile="+6281234567890")
    preferred = await b.subscriber(
        exchange_centre="Gambir", mobile="+6281234567891", preferred_channel="sms"
    )
    nowhere = await b.subscriber(exchange_centre="Gambir")
    await b.subscriber(exchange_centre="Kota")
    await b.chat(telegram, "telegram", "1", seen=clock.now())
    await b.chat(preferred, "telegram", "2", seen=clock.now())
    previews = Previews(settings, clock, page_size=2)

    centre = await previews.preview({"telegram", "sms", "web"}, exchange_centre="gambir")
    everyone = await previews.preview({"telegram"})

    assert (centre.exchange_centre, centre.subscribers) == ("Gambir", 4)
    assert centre.first_channels == (("sms", 2), ("telegram", 1), (None, 1))
    assert centre.unreachable == 1
    assert everyone.subscribers == 5
    assert everyone.first_channels == (("telegram", 2), (None, 3))
    assert await OutboxMessage.all().count() == 0  # a preview writes nothing
    assert sms_only.mobile and nowhere.mobile is None


async def test_a_preview_of_a_plan_counts_its_current_subscribers(db, settings, clock):
    on_plan = await b.subscriber()
    await b.service(on_plan, clock.now() + timedelta(days=3), plan_code="fiber-100")
    await b.subscriber()

    preview = await Previews(settings, clock).preview({"telegram"}, plan_code="fiber-100")

    assert (preview.plan_code, preview.subscribers) == ("fiber-100", 1)


async def test_an_announcement_sent_is_audited_with_its_messages_in_one_batch(db, settings, clock):
    people = [await b.subscriber(exchange_centre="Gambir") for _ in range(3)]
    await b.subscriber(exchange_centre="Kota")
    alerts = StaffAlerts(clock, Broadcasts(settings, clock, page_size=2))

    sent = await alerts.broadcast(SARA, TEXTS, Audience(exchange_centre="Gambir"))

    assert sent.messages == 3 and sent.batch == f"announcement:{sent.target_id}"
    rows = await OutboxMessage.filter(batch=sent.batch)
    assert sorted(r.subscriber_id for r in rows) == [p.id for p in people]  # type: ignore[attr-defined]
    [entry] = await audit.entries_for("announcement", sent.target_id)
    assert (entry.actor_name, entry.action) == ("sara", "announcement.send")
    assert entry.after == {"exchange_centre": "Gambir", "plan_code": None, "texts": TEXTS}


async def test_a_refused_announcement_writes_nothing(db, settings, clock):
    await b.subscriber(exchange_centre="Gambir")
    alerts = StaffAlerts(clock, Broadcasts(settings, clock))

    with pytest.raises(FieldErrors) as refused:
        await alerts.broadcast(SARA, {"en": " "}, Audience(exchange_centre="Nowhere"))
    with pytest.raises(FieldErrors) as nobody:
        await alerts.broadcast(SARA, TEXTS, Audience(exchange_centre="Nowhere"))

    assert refused.value.details["fields"] == [("text_en", "text_required")]
    assert nobody.value.details["fields"] == [
        ("exchange_centre", "no_subscriber_at_exchange_centre")
    ]
    assert await Announcement.all().count() == 0
    assert await AuditEntry.all().count() == 0
    assert await OutboxMessage.all().count() == 0


# ---- the pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), OPERATORS_ONLY)
async def test_only_operators_and_admins_open_the_broadcasts(console, role, status):
    await console.log_in(role)

    assert (await console.client.get("/staff/broadcasts")).status == status


async def test_a_broadcast_previewed_then_sent_reaches_the_subscribers(ops_console):
    console = ops_console
    told = await b.subscriber(exchange_centre="Gambir", language="id")
    waiting = await b.subscriber(exchange_centre="Gambir")
    await console.wiring.services.chats.link_by_operator("telegram", "555", told.id)
    await console.log_in("operator")
    token = await console.csrf("/staff/broadcasts")
    form = {"csrf": token, "audience": "exchange_centre", "exchange_centre": "GAMBIR",
            "text_en": TEXTS["en"], "text_id": TEXTS["id"]}  # fmt: skip

    preview = await console.client.post("/staff/broadcasts/preview", data=form)

    page = await preview.text()
    assert preview.status == 200
    assert "2 subscribers would receive it." in page
    assert "Telegram</td><td>1</td>" in page
    assert "No channel can reach them now (kept until one can)</td><td>1</td>" in page
    assert 'formaction="/staff/broadcasts">Send to 2 subscribers' in page
    assert await Announcement.all().count() == 0

    send_key = re.search(r'name="send_key" value="([^"]+)"', page)
    assert send_key, "the preview offers the send"
    form["send_key"] = send_key.group(1)
    sent = await console.client.post("/staff/broadcasts", data=form, allow_redirects=False)
    twice = await console.client.post("/staff/broadcasts", data=form, allow_redirects=False)

    announcement = await Announcement.get()  # one, however often the form is sent
    assert sent.headers["Location"] == f"/staff/broadcasts/{announcement.id}?sent=2"
    assert twice.headers["Location"] == "/staff/broadcasts?done=already_sent"
    assert await OutboxMessage.all().count() == 2
    progress_path = f"/staff/broadcasts/{announcement.id}/progress"
    before = await (await console.client.get(progress_path)).text()
    assert "waiting: 2" in before and 'hx-trigger="every 3s"' in before

    await console.wiring.relay.relay_pending()

    [(chat_id, replies)] = console.telegram.sent
    # In the subscriber's language, its reason after it.
    assert chat_id == "555" and replies[0].text.startswith(TEXTS["id"])
    assert await InboxMessage.filter(subscriber_id=told.id, kind="announcement").count() == 1
    after = await (await console.client.get(progress_path)).text()
    assert "Telegram</td>\n      <td>1</td><td>0</td>" in after
    assert "No channel could take it yet</td>\n      <td>0</td><td>0</td>" not in after
    assert "sent: 1" in after and "waiting: 1" in after
    listed = await (await console.client.get("/staff/broadcasts")).text()
    assert "1 of 2 sent" in listed
    [entry] = await audit.entries_for("announcement", announcement.id)
    assert entry.actor_name == "operator"
    assert await InboxMessage.filter(subscriber_id=waiting.id).count() == 0


async def test_a_bad_broadcast_form_shows_its_errors_and_sends_nothing(console):
    await b.subscriber(exchange_centre="Gambir")
    await console.log_in("operator")
    token = await console.csrf("/staff/broadcasts")

    blank_centre = await console.client.post(
        "/staff/broadcasts/preview",
        data={"csrf": token, "audience": "exchange_centre", "text_en": "Hello"},
    )
    no_plan = await console.client.post(
        "/staff/broadcasts/preview",
        data={"csrf": token, "audience": "plan", "plan_code": "nope", "text_en": "Hello"},
    )
    nobody = await console.client.post(
        "/staff/broadcasts/preview",
        data={"csrf": token, "audience": "exchange_centre", "exchange_centre": "Nowhere",
              "text_en": "Hello"},
    )  # fmt: skip
    unpreviewed = await console.client.post(
        "/staff/broadcasts", data={"csrf": token, "audience": "everyone", "text_en": "Hello"}
    )
    without_token = await console.client.post(
        "/staff/broadcasts", data={"audience": "everyone", "text_en": "Hello"}
    )

    assert (blank_centre.status, no_plan.status, nobody.status) == (422, 422, 422)
    assert 'id="exchange_centre-error">Name an exchange centre' in await blank_centre.text()
    assert 'id="plan_code-error">There is no plan with that code.' in await no_plan.text()
    assert 'id="exchange_centre-error">No subscriber is served by that exchange centre.' in (
        await nobody.text()
    )
    assert unpreviewed.status == 422
    assert "Preview the announcement first, then send it from the preview." in (
        await unpreviewed.text()
    )
    assert without_token.status == 403
    assert await Announcement.all().count() == 0


async def test_an_unknown_announcement_is_a_page_in_words(console):
    await console.log_in("admin")

    missing = await console.client.get("/staff/broadcasts/4242/progress")

    assert missing.status == 404
    assert "There is no such announcement." in await missing.text()

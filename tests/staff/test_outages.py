"""Outages from the console: opened for an exchange centre or a plan with an estimated time of
repair, reported, resolved, each step audited with the Broadcasts service the admin API uses;
every report's reach counted per channel and state as its messages go out; bad input shown
next to its field, nothing half-written; only operators and admins."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts.enums import LineStatus
from core.alerts.broadcast import Broadcasts
from core.alerts.models import Outage
from core.alerts.progress import outage_reports
from core.alerts.queries import exchange_centres, outages_before
from core.errors import Conflict, FieldErrors
from core.inbox.models import InboxMessage, OutboxMessage
from core.staff import audit
from core.staff.alerts import Audience, StaffAlerts
from core.staff.audit import Actor
from core.staff.models import AuditEntry
from tests.alerts import builders as b
from tests.staff.ops_support import FAILING_CHAT, OPERATORS_ONLY, ops_console_fixture  # noqa: F401

SARA = Actor(None, "sara")
TEXTS = {"en": "The fibre to Vanak was cut.", "fa": "فیبر نوری ونک قطع شده است."}


@pytest.fixture
def alerts(settings, clock) -> StaffAlerts:
    return StaffAlerts(clock, Broadcasts(settings, clock, page_size=2))


async def test_an_outage_opened_reported_and_resolved_is_audited_at_each_step(db, alerts, clock):
    vanak = [await b.subscriber(exchange_centre="Vanak") for _ in range(3)]
    await b.subscriber(exchange_centre="Tajrish")
    eta = clock.now() + timedelta(hours=4)

    opened = await alerts.open_outage(SARA, TEXTS, Audience(exchange_centre=" vanak "), eta)
    progress = await alerts.report_progress(SARA, opened.target_id, {"en": "Splicing now."})
    resolved = await alerts.resolve(SARA, opened.target_id, {})

    assert (opened.messages, progress.messages, resolved.messages) == (3, 3, 3)
    assert (opened.batch, progress.batch, resolved.batch) == (
        f"outage:{opened.target_id}:1",
        f"outage:{opened.target_id}:2",
        f"outage:{opened.target_id}:3",
    )
    outage = await Outage.get(id=opened.target_id)
    assert outage.exchange_centre == "Vanak" and outage.repaired_at == clock.now()
    entries = await audit.entries_for("outage", opened.target_id)
    assert [e.action for e in reversed(entries)] == [
        "outage.open",
        "outage.progress",
        "outage.resolve",
    ]
    assert entries[-1].after["exchange_centre"] == "Vanak"
    assert entries[-1].after["estimated_repair_at"] == eta.isoformat()
    assert entries[1].after["texts"] == {"en": "Splicing now."}
    assert entries[0].before["repaired_at"] is None and entries[0].after["repaired"] is True
    assert {m.subscriber_id for m in await OutboxMessage.all()} == {s.id for s in vanak}


async def test_a_resolved_outage_takes_no_more_reports_and_records_nothing(db, alerts):
    await b.subscriber(exchange_centre="Vanak")
    opened = await alerts.open_outage(SARA, TEXTS, Audience(exchange_centre="Vanak"))
    await alerts.resolve(SARA, opened.target_id, {})

    with pytest.raises(Conflict):
        await alerts.report_progress(SARA, opened.target_id, TEXTS)

    assert await AuditEntry.all().count() == 2
    assert await OutboxMessage.all().count() == 2


@pytest.mark.parametrize(
    ("texts", "audience", "problems"),
    [
        ({}, Audience(exchange_centre="Vanak"), [("text_en", "text_required")]),
        (
            {"fa": "x" * 2001},
            Audience(),
            [("text_fa", "text_too_long"), ("exchange_centre", "name_exchange_centre_or_plan")],
        ),
        (TEXTS, Audience("Vanak", "std-1m"), [("plan_code", "name_exchange_centre_or_plan")]),
        (TEXTS, Audience(exchange_centre="Nowhere"),
         [("exchange_centre", "no_subscriber_at_exchange_centre")]),
        (TEXTS, Audience(plan_code="no-such-plan"), [("plan_code", "plan_not_found")]),
        (TEXTS, Audience(plan_code="has space"), [("plan_code", "invalid_plan_code")]),
    ],
)  # fmt: skip
async def test_a_refused_outage_writes_nothing(db, alerts, texts, audience, problems):
    await b.subscriber(exchange_centre="Vanak")

    with pytest.raises(FieldErrors) as refused:
        await alerts.open_outage(SARA, texts, audience)

    assert refused.value.details["fields"] == problems
    assert await Outage.all().count() == 0
    assert await AuditEntry.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_each_report_counts_what_was_sent_failed_and_waits_per_channel(db, alerts):
    who = [await b.subscriber(exchange_centre="Vanak") for _ in range(4)]
    opened = await alerts.open_outage(SARA, TEXTS, Audience(exchange_centre="Vanak"))
    messages = await OutboxMessage.filter(batch=opened.batch).order_by("subscriber_id")
    # As the relay records them: sent on Telegram, on SMS, failed on WhatsApp, still waiting.
    await OutboxMessage.filter(id=messages[0].id).update(
        sent_at=alerts.clock.now(), channel="telegram"
    )
    await OutboxMessage.filter(id=messages[1].id).update(sent_at=alerts.clock.now(), channel="sms")
    await OutboxMessage.filter(id=messages[2].id).update(
        last_error="NotDelivered: whatsapp: X", channel="whatsapp", attempts=1
    )
    await alerts.report_progress(SARA, opened.target_id, TEXTS)  # fmt: skip

    latest, first = await outage_reports(opened.target_id, 2, repaired=False)

    assert (latest.number, str(latest.stage), latest.progress.total) == (2, "progress", 4)
    assert latest.progress.waiting == 4 and latest.progress.channels == ()
    p = first.progress
    assert (str(first.stage), p.total, p.sent, p.waiting, p.failed, p.expired) == (
        "started", 4, 2, 2, 1, 0,
    )  # fmt: skip
    assert [(c.channel, c.sent, c.failed) for c in p.channels] == [
        ("sms", 1, 0),
        ("telegram", 1, 0),
        ("whatsapp", 0, 1),
    ]
    assert len(who) == 4


# ---- the pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), OPERATORS_ONLY)
async def test_only_operators_and_admins_open_the_outages(console, role, status):
    await console.log_in(role)

    page = await console.client.get("/staff/outages")

    assert page.status == status
    nav_link = 'href="/staff/outages"' in await (await console.client.get("/staff/")).text()
    assert nav_link is (status == 200)


async def test_an_outage_opened_in_the_console_reaches_a_subscriber_on_telegram(ops_console, clock):
    console = ops_console
    told = await b.subscriber(exchange_centre="Vanak")
    failing = await b.subscriber(exchange_centre="Vanak")
    await console.wiring.services.chats.link_by_operator("telegram", "555", told.id)
    await console.wiring.services.chats.link_by_operator("telegram", FAILING_CHAT, failing.id)
    await console.log_in("operator")
    token = await console.csrf("/staff/outages")

    opened = await console.client.post(
        "/staff/outages",
        data={"csrf": token, "exchange_centre": "vanak", "eta_hours": "۳",
              "text_en": TEXTS["en"], "text_fa": TEXTS["fa"]},
        allow_redirects=False,
    )  # fmt: skip
    assert opened.status == 303
    outage = await Outage.get()
    assert opened.headers["Location"] == f"/staff/outages/{outage.id}?sent=2"
    assert outage.estimated_repair_at == clock.now() + timedelta(hours=3)

    await console.wiring.relay.relay_pending()

    [(chat_id, replies)] = console.telegram.sent
    assert chat_id == "555" and TEXTS["en"] in replies[0].text
    [seen] = await InboxMessage.filter(subscriber_id=told.id)
    assert (seen.kind, seen.channel, seen.address) == ("outage", "telegram", "555")
    page = await (await console.client.get(opened.headers["Location"])).text()
    assert "The report was written for 2 subscribers" in page
    reach = await (await console.client.get(f"/staff/outages/{outage.id}/reach")).text()
    assert "Telegram</td>\n      <td>1</td><td>1</td>" in reach
    assert "sent: 1" in reach and "failing: 1" in reach
    assert 'hx-trigger="every 3s"' in reach  # one still waits: the panel keeps polling
    [entry] = await audit.entries_for("outage", outage.id)
    assert (entry.actor_name, entry.action) == ("operator", "outage.open")


async def test_progress_and_repair_from_the_console_then_no_more(ops_console):
    console = ops_console
    await b.subscriber(exchange_centre="Vanak")
    await console.log_in("admin")
    outage, _ = await console.wiring.admin.broadcasts.start_outage(TEXTS, exchange_centre="Vanak")
    path = f"/staff/outages/{outage.id}"
    token = await console.csrf(path)

    progress = await console.client.post(
        f"{path}/progress", data={"csrf": token, "text_en": "Half done.", "eta_hours": "2"},
        allow_redirects=False,
    )  # fmt: skip
    resolved = await console.client.post(
        f"{path}/resolve", data={"csrf": token}, allow_redirects=False
    )
    again = await console.client.post(f"{path}/progress", data={"csrf": token, "text_en": "Still?"})

    assert (progress.status, resolved.status) == (303, 303)
    assert again.status == 409
    assert "This outage is resolved already; nothing was sent." in await again.text()
    assert (await Outage.get()).reports == 3
    page = await (await console.client.get(path)).text()
    assert "Report 3 · Repaired" in page and "Report 2 · Progress report" in page
    assert "Report the repair" not in page


async def test_a_bad_outage_form_shows_each_error_at_its_field_and_writes_nothing(console):
    await b.subscriber(exchange_centre="Vanak")
    await console.log_in("operator")
    token = await console.csrf("/staff/outages")

    refused = await console.client.post(
        "/staff/outages",
        data={"csrf": token, "exchange_centre": "Nowhere", "eta_hours": "0", "text_id": "x" * 2001},
    )
    no_centre = await console.client.post(
        "/staff/outages", data={"csrf": token, "text_en": "Down."}
    )
    no_token = await console.client.post(
        "/staff/outages", data={"exchange_centre": "Vanak", "text_en": "Down."}
    )

    assert refused.status == 422
    page = await refused.text()
    assert (
        'id="eta_hours-error">Give the hours until the repair as a whole number from 1 to 720.'
        in page
    )
    assert 'id="text_id-error">The text is too long (at most 2,000 characters).' in page
    assert 'value="Nowhere"' in page
    assert no_centre.status == 422
    assert (
        'id="exchange_centre-error">Name an exchange centre or a plan, not both.'
        in await no_centre.text()
    )
    assert no_token.status == 403
    assert await Outage.all().count() == 0
    assert await AuditEntry.filter(target_type="outage").count() == 0


async def test_an_unknown_outage_or_a_bad_page_key_is_a_page_in_words(console):
    await console.log_in("operator")

    missing = await console.client.get("/staff/outages/999999")
    huge = await console.client.get("/staff/outages/9999999999/reach")
    bad_key = await console.client.get("/staff/outages?before=-1")

    assert (missing.status, huge.status, bad_key.status) == (404, 404, 400)
    assert "There is no such outage." in await missing.text()
    assert "That page link is not valid." in await bad_key.text()


async def test_a_persian_operator_reads_the_outage_in_persian_digits_and_jalali_dates(console):
    await b.subscriber(exchange_centre="Vanak")
    await console.log_in("operator")
    outage, _ = await console.wiring.admin.broadcasts.start_outage(TEXTS, exchange_centre="Vanak")
    token = await console.csrf("/staff/")
    await console.client.post("/staff/language", data={"language": "fa", "csrf": token})

    page = await (await console.client.get(f"/staff/outages/{outage.id}")).text()

    assert '<html lang="fa" dir="rtl">' in page
    assert "۱۴۰" in page  # the Jalali year of the start
    assert "گزارش ۱" in page


async def test_the_centres_suggested_are_the_subscribers_own_most_populous_first(db, alerts):
    for centre in ("Vanak", "Tajrish", "Vanak", None):
        await b.subscriber(exchange_centre=centre)
    await b.subscriber(exchange_centre="Closed", line_status=LineStatus.CLOSED)
    first = await alerts.open_outage(SARA, TEXTS, Audience(exchange_centre="Vanak"))
    second = await alerts.open_outage(SARA, TEXTS, Audience(exchange_centre="Tajrish"))

    assert await exchange_centres() == ["Vanak", "Tajrish"]
    assert [o.id for o in await outages_before()] == [second.target_id, first.target_id]
    assert [o.id for o in await outages_before(second.target_id)] == [first.target_id]


async def test_the_outage_form_sent_twice_opens_one_and_says_so_the_second_time(console):
    await b.subscriber(exchange_centre="Vanak")
    await console.log_in("operator")
    token = await console.csrf("/staff/outages")
    form = {"csrf": token, "exchange_centre": "Vanak", "text_en": TEXTS["en"]}

    first = await console.client.post("/staff/outages", data=form, allow_redirects=False)
    second = await console.client.post("/staff/outages", data=form, allow_redirects=False)

    assert first.status == 303
    assert second.status == 422
    assert "An outage is open for these subscribers already" in await second.text()
    assert await Outage.all().count() == 1
    assert await OutboxMessage.filter(kind="outage").count() == 1

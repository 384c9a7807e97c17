"""Outage reports reach exactly the subscribers of the affected exchange centre (or plan), once
per report; the notices read in the subscriber's language with the next step offered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogs.notices import render_notice
from bot.i18n import translator
from core.accounts.enums import LineStatus
from core.alerts import kinds
from core.alerts.broadcast import Broadcasts
from core.inbox.models import Announcement, OutboxMessage
from tests.alerts import builders as b

TEXTS = {"en": "The fibre to Pasdaran was cut.", "fa": "فیبر نوری پاسداران قطع شده است."}


async def recipients(kind: str) -> list[int]:
    rows = await OutboxMessage.filter(kind=kind).order_by("subscriber_id")
    return [row.subscriber_id for row in rows]  # type: ignore[attr-defined]


async def test_an_outage_reaches_exactly_the_affected_exchange_centre_once_per_report(
    db, settings, clock
):
    pasdaran = [await b.subscriber(exchange_centre="Pasdaran") for _ in range(5)]
    await b.subscriber(exchange_centre="Pasdaran", line_status=LineStatus.CLOSED)
    await b.subscriber(exchange_centre="Tajrish")
    await b.subscriber()
    broadcasts = Broadcasts(settings, clock, page_size=2)

    outage, written = await broadcasts.start_outage(
        TEXTS, exchange_centre="Pasdaran", estimated_repair_at=clock.now() + timedelta(hours=3)
    )
    again = await broadcasts.report_progress(outage.id, TEXTS)
    repaired = await broadcasts.repaired(outage.id)

    assert (written, again, repaired) == (5, 5, 5)
    assert await recipients(kinds.OUTAGE) == sorted([p.id for p in pasdaran] * 3)
    stages = await OutboxMessage.filter(subscriber_id=pasdaran[0].id).values_list(
        "params", flat=True
    )
    assert [p["stage"] for p in stages] == ["started", "progress", "repaired"]


async def test_an_outage_of_a_plan_reaches_its_current_subscribers(db, settings, clock):
    on_plan, other = await b.subscriber(), await b.subscriber()
    await b.service(on_plan, clock.now() + timedelta(days=5), plan_code="fiber-100")
    await b.service(other, clock.now() + timedelta(days=5))

    _, written = await Broadcasts(settings, clock).start_outage(TEXTS, plan_code="fiber-100")

    assert written == 1
    assert await recipients(kinds.OUTAGE) == [on_plan.id]


async def test_an_announcement_for_everyone_is_written_once_per_subscriber(db, settings, clock):
    people = [await b.subscriber() for _ in range(3)]
    note = await Announcement.create(texts=TEXTS, starts_at=clock.now())
    broadcasts = Broadcasts(settings, clock, page_size=2)

    assert await broadcasts.announce(note.id) == 3
    assert await broadcasts.announce(note.id) == 0
    assert await recipients(kinds.ANNOUNCEMENT) == [p.id for p in people]


async def test_the_outage_notice_speaks_persian_and_offers_a_ticket():
    t = translator("fa", zone="Asia/Tehran")
    params = {
        "stage": "started",
        "texts": TEXTS,
        "estimated_repair_at": "2026-11-24T10:00:00+00:00",
    }

    [reply] = await render_notice(t, kinds.OUTAGE, params)  # type: ignore[misc]

    assert TEXTS["fa"] in reply.text
    assert "۱۳:۳۰" in reply.text  # 10:00 UTC in Tehran, in Persian digits
    assert [o.id for o in reply.options] == ["flow:tickets"]


async def test_the_repair_told_to_who_asked_says_why_and_offers_the_check_again():
    t = translator("en", zone="Asia/Tehran")
    asked = {"stage": "repaired", "texts": TEXTS, "asked": "watch"}
    on_ticket = {**asked, "asked": "ticket", "ticket_number": 469627}

    [watched] = await render_notice(t, kinds.OUTAGE_REPAIRED, asked)  # type: ignore[misc]
    [ticketed] = await render_notice(t, kinds.OUTAGE_REPAIRED, on_ticket)  # type: ignore[misc]

    assert watched.text.startswith("The service disruption you asked about is repaired.")
    assert TEXTS["en"] in watched.text
    assert "you asked to be told when this disruption is repaired" in watched.text
    assert "your ticket 469627 is about this disruption" in ticketed.text
    assert [o.id for o in watched.options] == ["flow:connection_check"]


async def test_an_ended_service_offers_renewal_and_the_free_charge():
    t = translator("en", zone="Asia/Jakarta")
    params = {"days_before": 0, "ends_at": "2026-11-24T01:00:00+00:00", "ended": True}

    [reply] = await render_notice(t, kinds.EXPIRY, params)  # type: ignore[misc]

    # Babel puts a narrow no-break space before AM.
    assert (
        reply.text
        == "Your internet service ended today at 8:00\u202fAM. Renew it to connect again.\n\n"
        "Why you got this: your service ended today"
    )
    assert [o.id for o in reply.options] == ["flow:buy", "flow:free_charge", "flow:status"]


async def test_an_outage_for_an_unknown_plan_is_refused_with_its_code(db, settings, clock):
    from core.alerts.broadcast import Broadcasts
    from core.errors import NotFound

    broadcasts = Broadcasts(settings, clock)
    with pytest.raises(NotFound) as refused:
        await broadcasts.start_outage({"en": "x"}, plan_code="no-such-plan")
    assert refused.value.code == "plan_not_found"
    assert refused.value.details == {"plan_code": "no-such-plan"}


async def test_a_centre_is_matched_as_people_type_it_and_one_nobody_has_is_refused(
    db, settings, clock
):
    from core.errors import InvalidInput

    pasdaran = await b.subscriber(exchange_centre="Pasdaran")
    await b.subscriber(exchange_centre="Tajrish")
    broadcasts = Broadcasts(settings, clock)

    outage, written = await broadcasts.start_outage(TEXTS, exchange_centre="  pasdaran ")
    assert (outage.exchange_centre, written) == ("Pasdaran", 1)
    assert await recipients(kinds.OUTAGE) == [pasdaran.id]
    _, announced = await broadcasts.broadcast(TEXTS, exchange_centre="PASDARAN")
    assert announced == 1
    assert await Announcement.filter(exchange_centre="Pasdaran").count() == 1

    with pytest.raises(InvalidInput) as refused:
        await broadcasts.start_outage(TEXTS, exchange_centre="STO Nowhere")
    assert (refused.value.code, refused.value.details) == (
        "no_subscriber_at_exchange_centre",
        {"field": "exchange_centre"},
    )
    with pytest.raises(InvalidInput):
        await broadcasts.broadcast(TEXTS, exchange_centre="STO Nowhere")
    forced, none_told = await broadcasts.start_outage(
        TEXTS, exchange_centre="STO  Nowhere ", force=True
    )
    assert (forced.exchange_centre, none_told) == ("STO Nowhere", 0)


async def test_a_plan_nobody_is_on_is_refused_unless_forced(db, settings, clock):
    from core.errors import InvalidInput

    await b.plan("fiber-100")
    broadcasts = Broadcasts(settings, clock)
    with pytest.raises(InvalidInput) as refused:
        await broadcasts.start_outage(TEXTS, plan_code="fiber-100")
    assert refused.value.details == {"field": "plan_code"}
    with pytest.raises(InvalidInput):
        await broadcasts.broadcast(TEXTS, plan_code="fiber-100")
    _, written = await broadcasts.start_outage(TEXTS, plan_code="fiber-100", force=True)
    assert written == 0


@pytest.mark.parametrize(
    ("language", "reason", "days"),
    [
        ("en", "Reason: the copy cannot be read (blurred, dark or cut off): Too dark", "5 days"),
        ("fa", "تصویر خوانا نیست (تار، تاریک یا بریده): Too dark", "۵"),
        ("id", "salinan tidak terbaca (buram, gelap, atau terpotong): Too dark", "5 hari"),
    ],
)
async def test_a_rejected_document_s_notice_gives_the_reason_and_the_days_left(
    language, reason, days
):
    params = {
        "document_kind": "national_id_card",
        "reason_code": "illegible",
        "reason": "Too dark",
        "grace_until": "2026-11-29T10:00:00+00:00",
        "days_left": 5,
    }

    [reply] = await render_notice(translator(language), kinds.DOCUMENT_REJECTED, params)  # type: ignore[misc]

    assert reason in reply.text and days in reply.text
    assert reply.options[0].id == "flow:documents"

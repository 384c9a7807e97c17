"""Every notice says why it was sent (issue 20, item 5): each kind has its reason, in every
language, at the end of its text on every channel. SMS takes the shorter form: the reason fits
one part on its own and adds at most one part to the notice (Persian, in UCS-2, is where it
costs one)."""

from __future__ import annotations

import pytest

from bot.dialogs.notice_reasons import REASONS, reason, reason_line
from bot.dialogs.notices import RENDERERS, known_kinds, render_notice
from bot.handlers.sms import sms_text
from bot.i18n import translator
from bot.sms_segments import fits, sms_size
from core.alerts import kinds

# Parameters as the core writes them, for the notices rendered without reading the database.
SAMPLES = {
    kinds.EXPIRY: {"days_before": 2, "ends_at": "2026-11-26T20:29:00+00:00", "ended": False},
    kinds.LOW_TRAFFIC: {"remaining_bytes": 500 * 1024**2, "allowance_bytes": 50 * 1024**3},
    kinds.FREE_CHARGE_ENDING: {"expires_at": "2026-11-25T20:29:00+00:00"},
    kinds.DOCUMENT_REJECTED: {
        "document_kind": "national_id_card",
        "reason_code": "illegible",
        "reason": "",
        "grace_until": "2026-12-01T07:00:00+00:00",
        "days_left": 7,
    },
    kinds.OUTAGE: {"stage": "started", "texts": {}, "audience": "exchange_centre"},
    kinds.BILL_DUE: {
        "starts_on": "2026-09-23",
        "ends_on": "2026-10-22",
        "due_on": "2026-11-01",
        "total": 234_350,
        "currency": "IRR",
    },
    kinds.BILL_UNPAID_ISOLATED: {
        "starts_on": "2026-09-23",
        "ends_on": "2026-10-22",
        "due_on": "2026-11-01",
        "total": 234_350,
        "currency": "IRR",
    },
    kinds.TICKET_CLOSED: {"ticket_number": 512340, "subject": "No Internet"},
    kinds.HANDOFF_STARTED: {"ticket_number": 512340, "agent_name": "Reza"},
    kinds.HANDOFF_ENDED: {"ticket_number": 512340, "reason": "idle"},
}


def test_every_notice_kind_has_its_reason():
    assert known_kinds() <= set(REASONS)


@pytest.mark.parametrize("language", ["fa", "id"])
@pytest.mark.parametrize("kind", sorted(REASONS))
def test_each_reason_is_said_in_the_subscriber_s_language(kind, language):
    params = {**SAMPLES.get(kind, {}), "ticket_number": 12, "tracking_number": 469627}
    english = reason(translator("en"), kind, params)
    said = reason(translator(language), kind, params)
    assert said and said != english


@pytest.mark.parametrize("kind", sorted(SAMPLES))
async def test_a_notice_ends_with_its_reason_and_by_sms_costs_at_most_one_part_more(kind):
    for language in ("fa", "id", "en"):
        t = translator(language)
        [full, *_] = await render_notice(t, kind, SAMPLES[kind])  # type: ignore[misc]
        assert full.text.endswith("\n\n" + reason_line(t, kind, SAMPLES[kind]))
        [short, *_] = await render_notice(t, kind, SAMPLES[kind], short_reason=True)  # type: ignore[misc]
        line = reason_line(t, kind, SAMPLES[kind], short=True)
        assert short.text.endswith("\n\n" + line)
        assert len(line) < len(reason_line(t, kind, SAMPLES[kind]))
        assert fits(line, parts=1)
        [bare, *_] = await RENDERERS[kind].render(t, SAMPLES[kind])  # type: ignore[call-arg]
        before, after = sms_size(sms_text(bare)).segments, sms_size(sms_text(short)).segments
        assert after <= before + 1, (language, kind, sms_text(short))


def test_the_reasons_name_what_the_notice_is_about():
    en = translator("en")
    assert reason(en, kinds.EXPIRY, SAMPLES[kinds.EXPIRY]) == "your service ends in 2 days"
    assert reason(en, kinds.TICKET_ANSWERED, {"ticket_number": 12}) == "you opened ticket 12"
    assert reason(en, kinds.ANNOUNCEMENT, {"audience": "plan"}) == (
        "it is an announcement for the subscribers of your plan"
    )
    fa = translator("fa")
    assert "۱۲" in reason(fa, kinds.TICKET_ANSWERED, {"ticket_number": 12})
    assert reason(en, "a_kind_long_gone", {}) == "it is a message from us"

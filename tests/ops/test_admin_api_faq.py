"""The admin API's FAQ (create, read, change, remove; each audited under the token's name) and
its list of texts the bot did not understand; an entry changed there is what the bot answers
next."""

from __future__ import annotations

import pytest

from bot.bootstrap import build_engine
from bot.dialogs.state import MemoryStateStore
from core.admin.tokens import AdminTokens
from core.staff.models import AuditEntry
from core.understanding.models import FaqEntry, UnmatchedText
from core.understanding.service import UnmatchedTexts
from tests.dialogs.client import ChatClient

ENTRY = {
    "topic": "router_reset",
    "questions": {
        "en": ["how do I reset my router", "factory reset the modem"],
        "fa": ["ریست کردن مودم"],
    },
    "answers": {
        "en": "Hold the reset button for ten seconds.",
        "fa": "دکمهٔ ریست را ده ثانیه نگه دارید.",
    },
    "link": "https://example.com/reset",
}


@pytest.fixture
async def token(services) -> str:
    return (await AdminTokens(services.clock).create("ops")).token


@pytest.fixture
def api(client, token):
    headers = {"Authorization": f"Bearer {token}"}

    class Api:
        async def call(self, method: str, path: str, **kwargs):
            response = await client.request(method, "/api/v1" + path, headers=headers, **kwargs)
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body

    return Api()


async def test_an_faq_entry_is_created_read_changed_and_removed(api):
    status, created = await api.call("POST", "/faq", json=ENTRY)
    assert status == 201, created
    assert created["topic"] == "router_reset" and created["link"] == "https://example.com/reset"
    entry_id = created["id"]
    assert (await api.call("GET", f"/faq/{entry_id}"))[1]["answers"] == ENTRY["answers"]
    status, listed = await api.call("GET", "/faq")
    assert [item["topic"] for item in listed["items"]] == ["router_reset"]

    status, changed = await api.call(
        "PATCH",
        f"/faq/{entry_id}",
        json={"answers": {"id": "Tahan tombol reset 10 detik."}, "link": None},
    )
    assert status == 200, changed
    assert changed["answers"] == {"id": "Tahan tombol reset 10 detik."}
    assert changed["link"] is None
    assert changed["questions"] == ENTRY["questions"]  # not given: kept

    assert (await api.call("DELETE", f"/faq/{entry_id}"))[0] == 204
    assert (await api.call("GET", f"/faq/{entry_id}"))[0] == 404
    assert (await api.call("DELETE", f"/faq/{entry_id}"))[0] == 404
    audited = await AuditEntry.filter(target_id=str(entry_id)).order_by("id")
    assert [(a.action, a.actor_name) for a in audited] == [
        ("faq.add", "api:ops"),
        ("faq.edit", "api:ops"),
        ("faq.remove", "api:ops"),
    ]


async def test_a_topic_is_one_entry_and_bad_fields_are_refused_by_name(api):
    assert (await api.call("POST", "/faq", json=ENTRY))[0] == 201
    status, body = await api.call("POST", "/faq", json=ENTRY)
    assert status == 409 and body["error"] == "faq_topic_taken"
    for wrong, field in (
        ({**ENTRY, "topic": "Router Reset"}, "topic"),
        ({**ENTRY, "answers": {}}, "answers"),
        ({**ENTRY, "answers": {"de": "Hallo"}}, "answers"),
        ({**ENTRY, "questions": {"en": [""]}}, "questions"),
        ({**ENTRY, "link": "javascript:alert(1)"}, "link"),
    ):
        status, body = await api.call("POST", "/faq", json=wrong)
        assert status == 422, (wrong, body)
        assert any(field in error["field"] for error in body["fields"]), body
    assert await FaqEntry.all().count() == 1


async def test_a_new_entry_is_what_the_bot_answers_next(api, services):
    chat = ChatClient(build_engine(services, MemoryStateStore()))
    await chat.send("hi")
    assert (await api.call("POST", "/faq", json=ENTRY))[0] == 201
    await chat.send("how do i reset my router")
    assert "Hold the reset button for ten seconds." in chat.text
    assert "This did not help: talk to an agent" in chat.labels


async def test_texts_the_bot_did_not_understand_are_listed_newest_first_without_numbers(
    api, services
):
    unmatched = UnmatchedTexts(services.clock)
    await unmatched.record("my number is 0912 345 6789 call me", "en", "web")
    await unmatched.record(
        "mail me at ali@example.com about ABC123", "en", "telegram", "agent", 0.5
    )
    status, body = await api.call("GET", "/unmatched-texts?limit=10")
    assert status == 200
    texts = [item["text"] for item in body["items"]]
    assert texts == [
        "mail me at [email] about [number]",
        "my number is [number] [number] [number] call me",
    ]
    assert body["items"][0]["best_label"] == "agent"
    assert await UnmatchedText.all().count() == 2

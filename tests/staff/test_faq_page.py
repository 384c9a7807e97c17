"""The console's FAQ page: entries listed, added, edited and removed per language (answer, link,
picture), each audited and answered by the bot at once; the texts the bot did not understand,
newest first with their count, turned into an entry (the form filled with the text, which then
leaves the list) or dismissed; roles, CSRF and bad input in words."""

from __future__ import annotations

import re

import pytest

from core.staff.models import AuditEntry
from core.understanding.models import FaqEntry, UnmatchedText


async def post(console, path: str, **fields: str):
    token = await console.csrf("/staff/faq")
    return await console.client.post(path, data={"csrf": token, **fields}, allow_redirects=False)


def entry_form(**fields: str) -> dict[str, str]:
    form = {
        "topic": "router_lights",
        "questions_en": "what do the router lights mean\nred light on my modem",
        "questions_fa": "چراغ قرمز مودم",
        "questions_id": "",
        "answer_en": "Green is online; red means no line: call us.",
        "answer_fa": "سبز یعنی وصل؛ قرمز یعنی خط قطع است.",
        "answer_id": "",
        "link": "https://example.com/help/lights",
        "picture_url": "",
    }
    return {**form, **fields}


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("operator", 200), ("billing", 403), ("agent", 403)]
)
async def test_the_faq_pages_are_an_admin_s_and_an_operator_s(console, role, status):
    await console.log_in(role)
    for path in ("/staff/faq", "/staff/faq/unmatched"):
        assert (await console.client.get(path)).status == status
    nav = await (await console.client.get("/staff/")).text()
    assert ('href="/staff/faq"' in nav) is (status == 200)


async def test_an_entry_added_is_listed_audited_and_answered_by_the_bot(console):
    await console.log_in("operator")

    done = await post(console, "/staff/faq", **entry_form())

    assert done.status == 303 and done.headers["Location"] == "/staff/faq?done=added"
    entry = await FaqEntry.get(topic="router_lights")
    assert entry.questions == {
        "en": ["what do the router lights mean", "red light on my modem"],
        "fa": ["چراغ قرمز مودم"],
    }
    assert entry.answers["fa"].startswith("سبز") and "id" not in entry.answers
    assert entry.link == "https://example.com/help/lights" and entry.picture_url is None
    audit = await AuditEntry.get(action="faq.add")
    assert audit.actor_name == "operator" and audit.target_id == str(entry.id)
    page = await (await console.client.get("/staff/faq?done=added")).text()
    assert "router_lights" in page and "The entry was added" in page
    verdict = await console.wiring.services.understanding.understand("what do router lights mean")
    assert verdict.label == "faq:router_lights"


async def test_bad_fields_are_refused_in_words_and_nothing_is_kept(console):
    await console.log_in("admin")

    refused = await post(
        console,
        "/staff/faq",
        **entry_form(
            topic="Router Lights!",
            answer_en="",
            answer_fa="",
            link="javascript:alert(1)",
            questions_id="x" * 201,
        ),
    )

    page = await refused.text()
    assert refused.status == 422
    assert re.search(r'id="new-topic-error">Give a topic of lower-case Latin letters', page)
    assert re.search(r'id="new-answers-error">Write the answer in at least one language', page)
    assert re.search(r'id="new-questions-error">Write one question a line: at most 50', page)
    assert re.search(r'id="new-link-error">Give an address that starts with http', page)
    assert "Router Lights!" in page  # what was typed stays in the form
    assert await FaqEntry.all().count() == 0
    assert not await AuditEntry.filter(action__startswith="faq").exists()

    await post(console, "/staff/faq", **entry_form())
    taken = await post(console, "/staff/faq", **entry_form())
    assert taken.status == 422
    assert "There is an entry with that topic already" in await taken.text()
    assert await FaqEntry.all().count() == 1


async def test_an_entry_is_edited_and_removed_each_audited(console):
    await console.log_in("admin")
    await post(console, "/staff/faq", **entry_form())
    entry = await FaqEntry.get(topic="router_lights")

    refused = await post(
        console, f"/staff/faq/{entry.id}", **entry_form(picture_url="ftp://example.com/a.png")
    )
    assert refused.status == 422
    assert re.search(
        rf'id="e{entry.id}-picture_url-error">Give an address that starts', await refused.text()
    )

    edited = await post(
        console,
        f"/staff/faq/{entry.id}",
        **entry_form(
            topic="ignored", answer_id="Hijau artinya tersambung.", questions_id="lampu modem"
        ),
    )
    assert edited.status == 303 and edited.headers["Location"] == "/staff/faq?done=edited"
    await entry.refresh_from_db()
    assert entry.topic == "router_lights"  # the topic is the bot's label: it stays
    assert entry.answers["id"] == "Hijau artinya tersambung."
    assert entry.questions["id"] == ["lampu modem"]
    change = await AuditEntry.get(action="faq.edit")
    assert change.actor_name == "admin" and "id" not in change.before["answers"]
    assert change.after["answers"]["id"] == "Hijau artinya tersambung."

    removed = await post(console, f"/staff/faq/{entry.id}/remove")
    assert removed.status == 303 and removed.headers["Location"] == "/staff/faq?done=removed"
    assert await FaqEntry.all().count() == 0
    assert (await AuditEntry.get(action="faq.remove")).before["topic"] == "router_lights"

    for path in (
        f"/staff/faq/{entry.id}",
        f"/staff/faq/{entry.id}/remove",
        "/staff/faq/9999999999",
    ):
        missing = await post(console, path, **entry_form())
        assert missing.status == 404 and "There is no such FAQ entry." in await missing.text()


async def test_unmatched_texts_are_listed_newest_first_and_turned_into_an_entry(console):
    unmatched = console.wiring.services.understanding.unmatched
    await unmatched.record("چراغ مودمم قرمزه", "fa", "telegram", "check_connection", 0.41)
    await unmatched.record("what is the weather", "en", "web")
    await unmatched.record("lampu modem merah", "id", "whatsapp", None, None)
    await console.log_in("operator")

    listed = await (await console.client.get("/staff/faq/unmatched")).text()
    assert "3 texts in all, newest first" in listed
    assert listed.index("lampu modem merah") < listed.index("what is the weather")
    assert listed.index("what is the weather") < listed.index("چراغ مودمم قرمزه")
    assert "check_connection (0.41)" in listed
    persian = await UnmatchedText.get(language="fa")
    assert f'href="/staff/faq?from={persian.id}"' in listed

    form = await (await console.client.get(f"/staff/faq?from={persian.id}")).text()
    assert re.search(r'name="questions_fa"[^>]*>چراغ مودمم قرمزه</textarea>', form)
    assert f'name="from" value="{persian.id}"' in form

    done = await post(
        console,
        "/staff/faq",
        **entry_form(questions_fa="چراغ مودمم قرمزه", questions_en=""),
        **{"from": str(persian.id)},
    )
    assert done.status == 303
    assert await FaqEntry.filter(topic="router_lights").exists()
    assert not await UnmatchedText.filter(id=persian.id).exists()  # answered: off the list
    assert "2 texts in all" in await (await console.client.get("/staff/faq/unmatched")).text()


async def test_an_unmatched_text_is_dismissed_and_a_gone_one_is_a_page_in_words(console):
    await console.wiring.services.understanding.unmatched.record("lol", "en", "web")
    text = await UnmatchedText.get()
    await console.log_in("admin")

    done = await post(console, f"/staff/faq/unmatched/{text.id}/dismiss")

    assert done.status == 303 and done.headers["Location"] == "/staff/faq/unmatched?done=dismissed"
    assert await UnmatchedText.all().count() == 0
    assert (await AuditEntry.get(action="unmatched.dismiss")).before == {
        "text": "lol",
        "language": "en",
    }
    page = await (await console.client.get("/staff/faq/unmatched?done=dismissed")).text()
    assert "The text was dismissed." in page and "Nothing here" in page
    again = await post(console, f"/staff/faq/unmatched/{text.id}/dismiss")
    assert again.status == 404 and "That text is no longer in the list." in await again.text()
    for query in (str(text.id), "abc", "-1", "99999999999"):
        gone = await console.client.get(f"/staff/faq?from={query}")
        assert gone.status == 404


async def test_writes_without_the_csrf_token_change_nothing(console):
    await console.wiring.services.understanding.unmatched.record("lol", "en", "web")
    text = await UnmatchedText.get()
    await console.log_in("admin")
    for path in ("/staff/faq", f"/staff/faq/unmatched/{text.id}/dismiss"):
        refused = await console.client.post(path, data=entry_form(), allow_redirects=False)
        assert refused.status == 403
    assert await FaqEntry.all().count() == 0 and await UnmatchedText.all().count() == 1


async def test_the_unmatched_list_pages_by_fifty(console):
    unmatched = console.wiring.services.understanding.unmatched
    for number in range(51):
        # Digits are scrubbed from kept texts: the number spelled in letters instead.
        spelled = "".join(chr(ord("a") + int(digit)) for digit in str(number))
        await unmatched.record(f"text {spelled}", "en", "web")
    await console.log_in("admin")
    first = await (await console.client.get("/staff/faq/unmatched")).text()
    assert "51 texts in all" in first and 'href="/staff/faq/unmatched?page=2"' in first
    second = await (await console.client.get("/staff/faq/unmatched?page=2")).text()
    assert second.count("Turn into an FAQ entry") == 1
    for odd in ("0", "-3", "abc", "99999999999999"):
        assert (await console.client.get(f"/staff/faq/unmatched?page={odd}")).status == 200


async def test_in_persian_the_pages_and_their_refusals_read_persian_with_persian_digits(console):
    await console.wiring.services.understanding.unmatched.record("hajm kojast", "fa", "sms")
    await console.log_in("admin")
    token = await console.csrf("/staff/")
    await console.client.post("/staff/language", data={"language": "fa", "csrf": token})

    listed = await (await console.client.get("/staff/faq/unmatched")).text()
    assert "متن‌هایی که ربات نفهمید" in listed and "۱ متن" in listed
    refused = await post(console, "/staff/faq", **entry_form(questions_en="x" * 201))
    assert refused.status == 422
    assert "حداکثر ۵۰ پرسش" in await refused.text()

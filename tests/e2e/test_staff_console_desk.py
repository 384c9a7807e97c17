"""The console's desk in Chromium, on the demo's data: an agent and an operator, in Persian and
in English, open the tickets' inbox and a ticket, answer it with a canned reply they add, see
the picture of a document waiting for review, reject it with a reason and approve another,
and find both in the history with their own name. Screenshots of every page are saved in the
test's tmp dir and test-artifacts/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.async_api import expect

from bot.adapters.files import DiskFileStore
from bot.config import BotSettings
from core.accounts.document_reviews import DocumentReviews
from core.accounts.models import Subscriber
from core.clock import SystemClock
from tests.e2e.test_staff_console_browser import TIMEOUT_MS, log_in, make_staff

pytestmark = pytest.mark.browser

SUBSCRIBER = "2177889900"  # the demo's English subscriber whose ID card was rejected
# A subscriber of each language with a ticket in the demo.
TICKET_OF = {"en": "2131770404", "fa": "2188001234"}
WORDS = {
    "en": {"tickets": "Tickets", "documents": "Documents", "sent": "The answer was sent",
           "rejected": "The document was rejected", "approved": "The document was approved",
           "canned": "Canned replies", "added": "The reply was added", "title": "Restart",
           "body": "Please switch the modem off and on again."},
    "fa": {"tickets": "تیکت‌ها", "documents": "مدارک", "sent": "پاسخ برای مشترک فرستاده شد",
           "rejected": "مدرک رد شد", "approved": "مدرک تأیید شد", "canned": "پاسخ‌های آماده",
           "added": "پاسخ آماده افزوده شد", "title": "راه‌اندازی دوباره",
           "body": "لطفاً مودم را یک بار خاموش و روشن کنید."},
}  # fmt: skip


def card_picture(text: str) -> bytes:
    """A small picture of a card, as a subscriber's phone would send it."""
    picture = Image.new("RGB", (480, 300), (236, 242, 250))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((16, 16, 464, 284), outline=(31, 95, 191), width=4)
    draw.text((40, 40), text, fill=(28, 36, 48))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


async def upload_two(files_dir: Path) -> None:
    settings = BotSettings(_env_file=None, files_dir=str(files_dir))
    reviews = DocumentReviews(settings, SystemClock(), DiskFileStore(files_dir))
    sara = await Subscriber.get(username=SUBSCRIBER)
    for name in ("ID card, new copy", "Lease"):
        data = card_picture(name)
        await reviews.upload_document(sara.id, "national_id_card", f"{name}.png", "image/png", data)


@pytest.mark.parametrize("language", ["en", "fa"])
@pytest.mark.parametrize("role", ["agent", "operator"])
async def test_staff_work_the_desk(server, browser, artifacts, tmp_path, role, language):
    words = WORDS[language]
    username = f"desk-{role}-{language}"
    await make_staff(username, role, language)
    await upload_two(tmp_path / "files")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()

    async def shot(name: str) -> None:
        for folder in (tmp_path, artifacts):
            path = folder / f"staff-desk-{role}-{language}-{name}.png"
            await page.screenshot(path=str(path), full_page=True)

    await log_in(page, server, username, language)

    # Canned replies: one added in the member's language.
    await page.click(f"nav.nav a:has-text('{words['tickets']}')")
    await expect(page.locator("h1")).to_have_text(words["tickets"], timeout=TIMEOUT_MS)
    await expect(page.locator("table.list tbody tr").first).to_be_visible()
    await shot("tickets")
    await page.click(f".heading a:has-text('{words['canned']}')")
    add = page.locator("form[action='/staff/canned-replies']")
    await add.locator("select[name=language]").select_option(language)
    await add.locator("input[name=title]").fill(words["title"])
    await add.locator("textarea[name=body]").fill(words["body"])
    await add.locator("button.primary").click()
    await expect(page.locator(".notice")).to_contain_text(words["added"], timeout=TIMEOUT_MS)
    await shot("canned-replies")

    # A ticket of the member's language answered with it: the demo's Persian and English
    # subscribers have tickets waiting.
    await page.goto(f"{server}/staff/tickets?status=all")
    row = page.locator("table.list tbody tr", has_text=TICKET_OF[language])
    await row.first.locator("a").first.click()
    await expect(page.locator("ol.thread li").first).to_be_visible(timeout=TIMEOUT_MS)
    canned = page.locator("p.canned a", has_text=words["title"])
    if await canned.count():  # offered when the ticket speaks the member's language
        await canned.click()
        await expect(page.locator("textarea[name=body]")).to_have_value(words["body"])
    else:
        await page.fill("textarea[name=body]", words["body"])
    await page.click("form.answer button.primary")
    await expect(page.locator(".notice")).to_contain_text(words["sent"], timeout=TIMEOUT_MS)
    await expect(page.locator("ol.thread li").last).to_contain_text(words["body"])
    await shot("ticket")

    # Documents: the picture shown, one rejected with a reason, one approved.
    await page.click(f"nav.nav a:has-text('{words['documents']}')")
    waiting = page.locator("table.list tbody tr")
    await expect(waiting).to_have_count(2, timeout=TIMEOUT_MS)
    await shot("documents")
    await waiting.first.locator("a").first.click()
    picture = page.locator(".document-view img")
    await expect(picture).to_be_visible(timeout=TIMEOUT_MS)
    assert await picture.evaluate("img => img.naturalWidth") == 480
    await shot("document")
    await page.select_option("select[name=reason]", "illegible")
    await page.fill("textarea[name=note]", "Too dark")
    await page.click("form.verdict button.danger")
    await expect(page.locator(".notice")).to_contain_text(words["rejected"], timeout=TIMEOUT_MS)
    await page.locator("table.list tbody tr").first.locator("a").first.click()
    await page.click("form.verdict button.primary")
    await expect(page.locator(".notice")).to_contain_text(words["approved"], timeout=TIMEOUT_MS)
    await page.click(".tabs a:nth-child(3)")  # rejected
    await expect(page.locator("table.list tbody")).to_contain_text(username)
    await expect(page.locator("table.list tbody")).to_contain_text("Too dark")
    await shot("documents-rejected")
    await context.close()

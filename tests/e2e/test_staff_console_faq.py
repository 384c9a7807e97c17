"""The FAQ page in Chromium, on the demo's data, in Persian, for an operator: a text the bot did
not understand found in its list, turned into an FAQ entry (the form filled with it), the entry
added and the text gone from the list. Screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from core.clock import SystemClock
from core.understanding.service import UnmatchedTexts
from tests.e2e.test_staff_console_browser import TIMEOUT_MS, log_in, make_staff

pytestmark = pytest.mark.browser

TEXT = "چراغ قرمز مودمم چشمک میزنه"


async def test_an_operator_turns_a_text_the_bot_missed_into_an_faq_entry(
    server, browser, artifacts
):
    await make_staff("faq-operator", "operator", "fa")
    await UnmatchedTexts(SystemClock()).record(TEXT, "fa", "telegram", "check_connection", 0.42)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await log_in(page, server, "faq-operator", "fa")

    await page.click("nav.nav a[href='/staff/faq']")
    await expect(page.locator("h1")).to_have_text("پرسش‌های متداول", timeout=TIMEOUT_MS)
    await page.click(".heading a[href='/staff/faq/unmatched']")
    row = page.locator("tr", has_text=TEXT)
    await expect(row).to_be_visible(timeout=TIMEOUT_MS)
    await page.screenshot(path=str(artifacts / "staff-faq-unmatched-fa.png"), full_page=True)

    await row.locator("a").click()
    add = page.locator("form[action='/staff/faq']")
    await expect(add.locator("textarea[name=questions_fa]")).to_have_value(TEXT)
    await add.locator("input[name=topic]").fill("modem_red_light")
    await add.locator("textarea[name=answer_fa]").fill(
        "چراغ قرمز یعنی خط قطع است: تیکت فنی ثبت کنید."
    )
    await add.locator("button.primary").click()
    await expect(page.locator(".notice")).to_contain_text("پرسش افزوده شد", timeout=TIMEOUT_MS)
    await expect(page.locator("summary", has_text="modem_red_light")).to_be_visible()
    await page.screenshot(path=str(artifacts / "staff-faq-fa.png"), full_page=True)

    await page.goto(f"{server}/staff/faq/unmatched")
    await expect(page.locator("tr", has_text=TEXT)).to_have_count(0)
    await context.close()

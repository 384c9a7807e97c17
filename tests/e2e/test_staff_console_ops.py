"""The Outages, Broadcasts and Plans pages in Chromium, on the demo's data, in Persian and in
English, for the roles that use them (operator, admin): an outage opened for an exchange centre
and its first report counted; an announcement previewed, then sent, its progress shown; a plan
created and retired. Screenshots of each page in test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.test_staff_console_browser import TIMEOUT_MS, log_in, make_staff

pytestmark = pytest.mark.browser

CENTRE = "ونک"  # three of the demo's Persian subscribers
WORDS = {
    "en": {"report": "Report 1", "preview": "Preview", "would": "would receive it",
           "created": "The plan was created", "retired": "The plan was retired"},
    "fa": {"report": "گزارش ۱", "preview": "پیش‌نمایش", "would": "آن را دریافت می‌کنند",
           "created": "طرح ایجاد شد", "retired": "فروش طرح متوقف شد"},
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "fa"])
@pytest.mark.parametrize("role", ["operator", "admin"])
async def test_outages_broadcasts_and_plans_in_the_browser(
    server, browser, artifacts, role, language
):
    words = WORDS[language]
    username = f"ops-{role}-{language}"
    await make_staff(username, role, language)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()

    async def shot(name: str) -> None:
        path = artifacts / f"staff-ops-{role}-{language}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)

    await log_in(page, server, username, language)

    await page.click("nav.nav a[href='/staff/outages']")
    await page.fill("input[name=exchange_centre]", CENTRE)
    await page.fill("input[name=eta_hours]", "3")
    await page.fill("textarea[name=text_fa]", "فیبر نوری ونک قطع شده است.")
    await page.fill("textarea[name=text_en]", "The fibre to Vanak was cut.")
    await shot("outages")
    await page.click("form.stacked button.primary")
    await expect(page.locator(".notice")).to_be_visible(timeout=TIMEOUT_MS)
    await expect(page.locator(".report h3").first).to_contain_text(words["report"])
    await expect(page.locator("blockquote").first).to_be_visible()
    await shot("outage")

    await page.click("nav.nav a[href='/staff/broadcasts']")
    await page.fill("textarea[name=text_en]", "Maintenance tonight from 01:00 to 03:00.")
    await page.click(f"form.stacked button:has-text('{words['preview']}')")
    await expect(page.locator(".preview")).to_contain_text(words["would"], timeout=TIMEOUT_MS)
    await shot("broadcasts-preview")
    await page.click(".preview button.primary")
    await expect(page.locator(".progress-panel table.list")).to_be_visible(timeout=TIMEOUT_MS)
    await shot("broadcast")

    await page.click("nav.nav a[href='/staff/plans']")
    code = f"e2e-{role}-{language}"
    await page.fill("form.fields input[name=code]", code)
    await page.fill(f"form.fields input[name=name_{language}]", "Fiber 100")
    await page.fill("form.fields input[name=price]", "2500000")
    await page.click("form.fields button.primary")
    await expect(page.locator(".notice")).to_contain_text(words["created"], timeout=TIMEOUT_MS)
    row = page.locator(f"tr#plan-{code}")
    await expect(row).to_be_visible()
    await shot("plans")
    await row.locator("button.danger").click()
    await expect(page.locator(".notice")).to_contain_text(words["retired"], timeout=TIMEOUT_MS)
    await expect(page.locator(f"tr#plan-{code} button.danger")).to_have_count(0)
    await context.close()

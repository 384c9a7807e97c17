"""The console's money pages in Chromium, on the demo's data, in Persian and in English: a
billing member walks the billing tabs, opens an order, refunds it to the wallet and runs
"reconcile now", then refunds from a subscriber's page; an admin imports a plans CSV and
watches its progress to the end and its report. Screenshots of each page go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.e2e.test_staff_console_browser import TIMEOUT_MS, log_in, make_staff

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"refund": "Refund", "refunded": "The refund is in the wallet", "found": "What it found",
           "done": "Done:", "orders": "Orders"},
    "fa": {"refund": "بازپرداخت", "refunded": "مبلغ به کیف پول برگشت", "found": "آنچه یافت شد",
           "done": "انجام شد:", "orders": "سفارش‌ها"},
}  # fmt: skip
PLANS_CSV = (
    "code,kind,currency,name_en,traffic_mb,duration_days,price\n"
    "e2e-1m,service,IRR,E2E month,5120,30,250000\n"
    "e2e-bad,service,IRR,Bad,lots,30,100\n"
)


async def _shot(page: Page, artifacts, tmp_path, name: str) -> None:
    for folder in (tmp_path, artifacts):
        await page.screenshot(path=str(folder / f"staff-money-{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "fa"])
async def test_billing_walks_the_money_pages_and_refunds(
    server, browser, artifacts, tmp_path, language
):
    words = WORDS[language]
    await make_staff(f"billing-{language}", "billing", language)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await log_in(page, server, f"billing-{language}", language)

    await page.goto(f"{server}/staff/billing?status=applied")
    await expect(page.locator("nav.tabs a[aria-current=page]")).to_have_text(words["orders"])
    await _shot(page, artifacts, tmp_path, f"{language}-orders")
    await page.locator("table.list tbody tr td a").first.click()
    await expect(page.locator("a.button[href$='receipt.pdf']")).to_be_visible()
    await _shot(page, artifacts, tmp_path, f"{language}-order")
    await page.fill("input[name=note]", "e2e goodwill")
    await page.fill("input[name=amount]", "1000")
    await page.click(f"form.action button:has-text('{words['refund']}')")
    await expect(page.locator("p.notice")).to_contain_text(words["refunded"], timeout=TIMEOUT_MS)

    await page.goto(f"{server}/staff/billing/refunds")
    await expect(page.locator("table.list")).to_contain_text("e2e goodwill")
    await _shot(page, artifacts, tmp_path, f"{language}-refunds")
    await page.goto(f"{server}/staff/billing/bills")
    await _shot(page, artifacts, tmp_path, f"{language}-bills")
    await page.goto(f"{server}/staff/billing/deposits")
    await expect(page.locator("table.list")).to_contain_text("2135550303")
    await _shot(page, artifacts, tmp_path, f"{language}-deposits")
    await page.goto(f"{server}/staff/billing/reconcile")
    await page.click("form button.primary")
    await expect(page.locator("h2.report-title")).to_have_text(words["found"])
    await _shot(page, artifacts, tmp_path, f"{language}-reconcile")

    # The subscriber page's actions: the demo's English line with a wallet.
    await page.goto(f"{server}/staff/subscribers?q=2177889900")
    await page.locator("table.list tbody tr a").first.click()
    actions = page.locator("#actions")
    await expect(actions).to_be_visible()
    await _shot(page, artifacts, tmp_path, f"{language}-subscriber-actions")
    await context.close()


@pytest.mark.parametrize("language", ["en", "fa"])
async def test_an_admin_imports_plans_and_downloads_the_report(
    server, browser, artifacts, tmp_path, language
):
    await make_staff(f"admin-{language}", "admin", language)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await log_in(page, server, f"admin-{language}", language)
    source = tmp_path / "plans.csv"
    source.write_text(PLANS_CSV, encoding="utf-8")

    await page.click("nav.nav a[href='/staff/imports']")
    await page.select_option("select[name=kind]", "plans")
    await page.set_input_files("input[name=file]", str(source))
    await _shot(page, artifacts, tmp_path, f"{language}-imports")
    await page.click("#import-form button.primary")
    await expect(page.locator("p.notice")).to_contain_text(
        WORDS[language]["done"], timeout=TIMEOUT_MS
    )
    await _shot(page, artifacts, tmp_path, f"{language}-import-done")
    async with page.expect_download() as download:
        await page.click("a.button[href$='report.csv']")
    saved = tmp_path / "report.csv"
    await (await download.value).save_as(saved)
    assert "e2e-bad" in saved.read_text(encoding="utf-8")
    await context.close()


async def test_an_operator_has_no_imports_page(server, browser):
    await make_staff("operator-en", "operator", "en")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await log_in(page, server, "operator-en", "en")

    assert await page.locator("nav.nav a[href='/staff/imports']").count() == 0
    for path in ("/staff/imports", "/staff/billing"):
        refused = await page.goto(f"{server}{path}")
        assert refused is not None and refused.status == 403
    await context.close()

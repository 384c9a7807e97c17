"""The staff console in Chromium, on the demo's data: an admin and an agent each log in, in
Persian and in English, see the dashboard, find a subscriber and open their page; the agent
sees personal data masked and is refused the billing page. Screenshots of every page are
saved in the test's tmp dir (and test-artifacts/)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from bot.config import BotSettings
from core.accounts.lockout import Lockout
from core.clock import SystemClock
from core.staff.audit import CLI_ACTOR
from core.staff.service import StaffAccounts

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
PASSWORD = "console-pass-1"
SUBSCRIBER = "2188001234"  # the demo's first Persian subscriber
# What each language calls the things the walk looks for.
WORDS = {
    "en": {"dashboard": "Dashboard", "active": "Active subscribers", "search": "Search",
           "service": "Service", "forbidden": "Not allowed"},
    "fa": {"dashboard": "پیشخوان", "active": "مشترکان فعال", "search": "جستجو",
           "service": "سرویس", "forbidden": "دسترسی ندارید"},
}  # fmt: skip


async def make_staff(username: str, role: str, language: str) -> None:
    settings = BotSettings(_env_file=None, argon2_memory_kib=1024, argon2_time_cost=1)
    clock = SystemClock()
    accounts = StaffAccounts(settings, clock, Lockout(settings, clock))
    await accounts.create(CLI_ACTOR, username, PASSWORD, role, language=language)


async def log_in(page: Page, server: str, username: str, language: str) -> None:
    await page.goto(f"{server}/staff/login?lang={language}")
    await expect(page.locator("html")).to_have_attribute(
        "dir", "rtl" if language == "fa" else "ltr"
    )
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button.primary")
    await expect(page.locator("h1")).to_have_text(WORDS[language]["dashboard"], timeout=TIMEOUT_MS)


@pytest.mark.parametrize("language", ["en", "fa"])
@pytest.mark.parametrize("role", ["admin", "agent"])
async def test_staff_walk_the_console(server, browser, artifacts, tmp_path, role, language):
    words = WORDS[language]
    username = f"{role}-{language}"
    await make_staff(username, role, language)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    shots = []

    async def shot(name: str) -> None:
        for folder in (tmp_path, artifacts):
            path = folder / f"staff-{role}-{language}-{name}.png"
            await page.screenshot(path=str(path), full_page=True)
        shots.append(name)

    await log_in(page, server, username, language)
    await expect(page.locator(".tile").first).to_contain_text(words["active"])
    await expect(page.locator("svg.chart").first).to_be_visible()
    if language == "fa":
        # Persian digits in the figures, the Jalali year in the period.
        await expect(page.locator(".period")).to_contain_text("۱۴۰")
    await shot("dashboard")

    await page.click(".periods a:nth-child(3)")  # 30 days, swapped in place by htmx
    await expect(page.locator(".periods a[aria-current=true]")).to_have_attribute(
        "href", "/staff/?period=30d", timeout=TIMEOUT_MS
    )
    await shot("dashboard-30d")

    await page.click("nav.nav a:nth-child(2)")
    await page.fill("input[name=q]", SUBSCRIBER)
    await page.click(f"form.search button:has-text('{words['search']}')")
    row = page.locator("table.list tbody tr").first
    await expect(row).to_contain_text(SUBSCRIBER, timeout=TIMEOUT_MS)
    mobile = row.locator("td").nth(2)
    if role == "agent":
        await expect(mobile).to_contain_text("***")
    else:
        await expect(mobile).not_to_contain_text("***")
    await shot("subscribers")

    await row.locator("a").click()
    await expect(page.locator("h2", has_text=words["service"]).first).to_be_visible()
    await expect(page.locator("article", has_text=words["service"]).first).to_be_visible()
    await shot("subscriber")

    billing = await page.goto(f"{server}/staff/billing")
    assert billing is not None
    if role == "agent":
        assert billing.status == 403
        await expect(page.locator("h1")).to_have_text(words["forbidden"])
    else:
        assert billing.status == 200
    await shot("billing")
    await context.close()
    assert len(shots) == 5

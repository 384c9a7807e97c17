"""The demo in a browser, as a newcomer uses it: log in, check traffic, buy traffic, pay on
the sandbox page, see the confirmation in the chat, open a ticket."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
# The smallest valid PNG (1x1 pixel): the core checks a picture's signature, not only its name.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def press(page: Page, label: str) -> None:
    """Press the newest option button whose label matches."""
    button = page.locator("button.msg__option:not([disabled])", has_text=label).last
    await expect(button).to_be_visible(timeout=TIMEOUT_MS)
    await button.click()


async def choose(page: Page, option_id: str) -> None:
    """Press the newest option with this id (the same in every language)."""
    button = page.locator(f'button.msg__option[data-option="{option_id}"]:not([disabled])').last
    await expect(button).to_be_visible(timeout=TIMEOUT_MS)
    await button.click()


async def type_line(page: Page, text: str) -> None:
    await page.fill("#input", text)
    await page.press("#input", "Enter")


async def expect_bot_says(page: Page, pattern: str) -> None:
    await expect(page.locator("li.msg--bot", has_text=re.compile(pattern)).last).to_be_visible(
        timeout=TIMEOUT_MS
    )


async def test_log_in_check_traffic_buy_and_pay_then_open_a_ticket(server, browser, artifacts):
    context = await browser.new_context(locale="en-US", viewport={"width": 800, "height": 1000})
    page = await context.new_page()
    await page.goto(server + "/")

    await press(page, "Log in")
    await type_line(page, "2177889900")
    await expect(page.locator("#input")).to_have_attribute("type", "password")
    await type_line(page, "demo1234")
    await expect_bot_says(page, "Welcome")
    assert "demo1234" not in await page.locator("#log").inner_text()

    await press(page, "My service")
    await expect_bot_says(page, r"GB")

    await press(page, "Buy or renew")
    await press(page, "Buy traffic")
    await press(page, "5 GB")  # more than the demo wallet's credit covers
    await expect_bot_says(page, "Pre-invoice")
    await expect_bot_says(page, "VAT 9%")
    await expect_bot_says(page, "From your wallet")
    await press(page, "Confirm and pay")
    link = page.locator("a.msg__link").last
    await expect(link).to_be_visible(timeout=TIMEOUT_MS)

    async with context.expect_page() as opened:
        await link.click()
    pay_page = await opened.value
    await pay_page.wait_for_load_state()
    await expect(pay_page.locator("table")).to_contain_text("Tracking number")
    await pay_page.click("#pay")
    await expect(pay_page.locator("main")).to_contain_text("Payment received")
    await pay_page.close()

    # The confirmation comes to the chat by itself, through the outbox, its receipt linked.
    await expect_bot_says(page, "Added to your account")
    receipt = page.locator("li.msg--bot a.msg__file-link", has_text="receipt-").last
    await expect(receipt).to_be_visible(timeout=TIMEOUT_MS)
    download = await context.request.get(await receipt.get_attribute("href") or "")
    assert download.ok and download.headers["content-type"] == "application/pdf"
    assert (await download.body()).startswith(b"%PDF-")

    await press(page, "Support tickets")
    await press(page, "New ticket")
    await press(page, "Technical")
    await press(page, "Medium")
    await press(page, "6 months, 2048")  # the related service: her plan
    await type_line(page, "Slow in the evenings")
    await type_line(page, "Since Monday the speed drops after 8 pm.")
    await expect_bot_says(page, "one per message")
    await page.set_input_files(
        "#file", files=[{"name": "speedtest.png", "mimeType": "image/png", "buffer": PNG}]
    )
    await expect_bot_says(page, "speedtest.png")
    await press(page, "Done")
    await expect_bot_says(page, r"\d{4,}")

    await page.screenshot(path=str(artifacts / "webchat-en.png"), full_page=True)
    await context.close()


async def test_persian_is_laid_out_right_to_left_with_persian_digits(server, browser, artifacts):
    context = await browser.new_context(locale="fa-IR", viewport={"width": 800, "height": 1000})
    page = await context.new_page()
    await page.goto(server + "/")
    await expect(page.locator("li.msg--bot").last).to_be_visible(timeout=TIMEOUT_MS)
    assert await page.evaluate("document.documentElement.dir") == "rtl"
    await choose(page, "flow:login")
    await type_line(page, "2188001234")
    await expect(page.locator("#input")).to_have_attribute("type", "password")
    await type_line(page, "demo1234")
    await choose(page, "flow:status")
    # The seed's panel: 4.24 GB left, in Persian digits.
    await expect_bot_says(page, "۴٫۲۴")
    await page.screenshot(path=str(artifacts / "webchat-fa.png"), full_page=True)
    await context.close()


@pytest.fixture
def no_relay_tick(monkeypatch):
    """The app's relay reads the outbox only when woken, not every couple of seconds: what
    reaches the chat here was sent by the payment's own page."""
    monkeypatch.setattr("bot.app.RELAY_INTERVAL_SECONDS", 3600.0)


async def test_paying_in_the_same_tab_then_back_shows_the_confirmation_before_the_menu(
    no_relay_tick, server, browser
):
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    await page.goto(server + "/")
    await press(page, "Log in")
    await type_line(page, "2177889900")
    await type_line(page, "demo1234")
    await expect_bot_says(page, "Welcome")
    await press(page, "Buy or renew")
    await press(page, "Buy traffic")
    await press(page, "5 GB")
    await press(page, "Confirm and pay")
    link = page.locator("a.msg__link").last
    await expect(link).to_be_visible(timeout=TIMEOUT_MS)

    await page.goto(await link.get_attribute("href") or "")  # the same tab leaves the chat
    await page.click("#pay")
    await expect(page.locator("main")).to_contain_text("Payment received")
    await page.click("#back")

    await expect_bot_says(page, "Added to your account")
    said = await page.locator("li.msg--bot").all_inner_texts()
    confirmation = max(i for i, text in enumerate(said) if "Added to your account" in text)
    assert any("what would you like to do?" in text for text in said[confirmation + 1 :])
    await context.close()


async def test_a_login_link_opens_the_chat_logged_in_and_leaves_the_address_bar(
    server, browser, artifacts
):
    import aiohttp

    from core.admin.tokens import AdminTokens
    from core.clock import SystemClock

    token = (await AdminTokens(SystemClock()).create("site")).token
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        response = await http.post(f"{server}/api/v1/subscribers/2188001234/login-link", json={})
        assert response.status == 201
        links = (await response.json())["links"]
    context = await browser.new_context(locale="en-US", viewport={"width": 420, "height": 800})
    page = await context.new_page()

    await page.goto(links["webchat"])

    await expect_bot_says(page, "You are logged in")
    assert "login=" not in page.url
    await page.reload()  # the address no longer carries the link: nothing is redeemed again
    await expect(page.locator("li.msg--bot", has_text="already used")).to_have_count(0)
    await page.screenshot(path=artifacts / "webchat-login-link.png")
    await context.close()

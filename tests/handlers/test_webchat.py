"""The web chat over a real socket, and the sandbox pay page."""

from __future__ import annotations

import asyncio

from aiohttp import WSMsgType

from bot.handlers.webchat import COOKIE
from core.billing.enums import OrderKind, OrderStatus, PlanKind
from core.billing.models import Plan
from core.inbox.models import InboxMessage
from core.ports import ChatRef
from tests.dialogs.conftest import make_subscriber


async def _next_reply(ws) -> dict:
    message = await asyncio.wait_for(ws.receive(), timeout=5)
    assert message.type == WSMsgType.TEXT, message
    return message.json()


async def _replies_until_options(ws) -> list[dict]:
    frames = [await _next_reply(ws)]
    while not frames[-1]["options"] and not frames[-1]["secret"]:
        frames.append(await _next_reply(ws))
    return frames


async def test_the_page_gives_the_browser_a_chat_cookie(client):
    response = await client.get("/")
    assert response.status == 200
    assert "ispbot_chat" in response.cookies
    assert "<html" in await response.text()


async def test_the_page_has_a_title_and_an_icon_served_by_the_app(client):
    page = await (await client.get("/")).text()
    assert "<title>Support chat" in page
    assert 'rel="icon" href="/static/favicon.svg"' in page
    for path in ("/static/favicon.svg", "/favicon.ico"):
        icon = await client.get(path)
        assert icon.status == 200, path
        assert icon.content_type == "image/svg+xml"
        assert (await icon.text()).startswith("<svg")


async def test_a_socket_from_another_site_is_refused(client):
    await client.get("/")
    response = await client.get("/ws", headers={"Origin": "https://evil.example"})
    assert response.status == 403


async def test_a_socket_without_the_page_cookie_is_refused(client):
    response = await client.get("/ws")
    assert response.status == 400


async def test_log_in_through_the_socket_and_the_password_is_never_echoed(client, bot_settings):
    await make_subscriber(bot_settings)
    await client.get("/")
    async with client.ws_connect("/ws?lang=en") as ws:
        greeting = await _replies_until_options(ws)
        labels = [o["label"] for o in greeting[-1]["options"]]
        assert "Log in" in labels
        login = next(o["id"] for o in greeting[-1]["options"] if o["label"] == "Log in")
        await ws.send_json({"type": "choice", "id": login})
        await _next_reply(ws)
        await ws.send_json({"type": "text", "text": "5120001"})
        assert (await _next_reply(ws))["secret"] is True
        await ws.send_json({"type": "text", "text": "Secret-2468"})
        frames = await _replies_until_options(ws)
        assert "Welcome, Sara Rahimi" in frames[0]["text"]
        assert all("Secret-2468" not in f["text"] for f in frames)


async def test_logging_in_keeps_the_subscribers_language_not_the_browsers(client, bot_settings):
    from core.accounts.models import Subscriber

    subscriber = await make_subscriber(bot_settings, language="fa")
    await client.get("/")
    async with client.ws_connect("/ws?lang=en") as ws:
        greeting = await _replies_until_options(ws)
        login = next(o["id"] for o in greeting[-1]["options"] if o["label"] == "Log in")
        await ws.send_json({"type": "choice", "id": login})
        await _next_reply(ws)
        await ws.send_json({"type": "text", "text": "5120001"})
        await _next_reply(ws)
        await ws.send_json({"type": "text", "text": "Secret-2468"})
        frames = await _replies_until_options(ws)
        assert "Welcome, Sara Rahimi" in frames[0]["text"]

    assert (await Subscriber.get(id=subscriber.id)).language == "fa"


async def test_a_persian_chat_is_laid_out_right_to_left(client):
    await client.get("/")
    async with client.ws_connect("/ws?lang=fa") as ws:
        frame = (await _replies_until_options(ws))[-1]
        assert frame["language"] == "fa" and frame["dir"] == "rtl"


async def test_a_frame_that_is_not_understood_is_ignored_and_the_chat_goes_on(client):
    await client.get("/")
    async with client.ws_connect("/ws?lang=en") as ws:
        await _replies_until_options(ws)
        await ws.send_str("not json")
        await ws.send_json({"type": "file", "data": "%%%"})
        await ws.send_json({"type": "text", "text": "menu"})
        assert (await _replies_until_options(ws))[-1]["options"]


async def test_the_sandbox_page_shows_the_order_and_paying_applies_it(
    client, services, bot_settings
):
    subscriber = await make_subscriber(bot_settings)
    order = await _place_traffic_order(services, subscriber.id)
    page = await client.get(_path(order.pay_url))
    body = await page.text()
    assert page.status == 200
    assert str(order.tracking_number) in body
    response = await client.post(_path(order.pay_url), data={"action": "pay"})
    assert response.status == 200
    assert "Payment received" in await response.text()
    view = await services.billing_queries.order_by_tracking(order.tracking_number)
    assert view.status == OrderStatus.APPLIED
    # Paying twice (a double click, a provider's retry) changes nothing more.
    again = await client.post(_path(order.pay_url), data={"action": "pay"})
    assert again.status == 200


async def test_the_sandbox_page_speaks_the_payers_language(client, services, bot_settings):
    subscriber = await make_subscriber(bot_settings, language="fa")
    order = await _place_traffic_order(services, subscriber.id)

    body = await (await client.get(_path(order.pay_url))).text()

    assert 'lang="fa"' in body and 'dir="rtl"' in body
    for persian in ("این صفحهٔ پرداخت نمایشی است", ">پرداخت</button>", ">لغو پرداخت</button>"):
        assert persian in body
    assert "demo payment page" not in body and "Cancel payment" not in body


async def test_the_receipt_comes_to_the_open_chat_as_a_link_that_downloads_it(
    client, services, bot_settings
):
    subscriber = await make_subscriber(bot_settings)
    await client.get("/")
    async with client.ws_connect("/ws?lang=en") as ws:
        await _log_in(ws)
        order = await _place_traffic_order(services, subscriber.id)
        await client.post(_path(order.pay_url), data={"action": "pay"})
        # The outbox relay brings the notice with its receipt to the open socket.
        frame = await _next_reply(ws)
        while frame["file"] is None:
            frame = await _next_reply(ws)
    assert "Added to your account" in frame["text"]
    file = frame["file"]
    assert file["name"] == f"receipt-{order.tracking_number}.pdf"
    assert file["type"] == "application/pdf" and file["size"] > 0
    assert file["url"].startswith(bot_settings.base_url + "/files/")
    response = await client.get(file["url"].removeprefix(bot_settings.base_url))
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert file["name"] in response.headers["Content-Disposition"]
    pdf = await response.read()
    assert pdf.startswith(b"%PDF-") and len(pdf) == file["size"]


async def test_replies_without_a_file_carry_none(client):
    await client.get("/")
    async with client.ws_connect("/ws?lang=en") as ws:
        assert all(frame["file"] is None for frame in await _replies_until_options(ws))


async def _log_in(ws) -> None:
    greeting = await _replies_until_options(ws)
    login = next(o["id"] for o in greeting[-1]["options"] if o["label"] == "Log in")
    await ws.send_json({"type": "choice", "id": login})
    await _next_reply(ws)
    await ws.send_json({"type": "text", "text": "5120001"})
    await _next_reply(ws)
    await ws.send_json({"type": "text", "text": "Secret-2468"})
    await _replies_until_options(ws)


async def test_cancelling_on_the_sandbox_page_applies_nothing(client, services, bot_settings):
    subscriber = await make_subscriber(bot_settings)
    order = await _place_traffic_order(services, subscriber.id)
    response = await client.post(_path(order.pay_url), data={"action": "cancel"})
    assert "cancelled" in await response.text()
    view = await services.billing_queries.order_by_tracking(order.tracking_number)
    assert view.status == OrderStatus.FAILED


async def test_an_unknown_payment_link_says_so(client):
    response = await client.get("/payments/sandbox/pay/nothing-here")
    assert response.status == 404
    assert "not valid" in await response.text()


def _path(url: str) -> str:
    return url.removeprefix("http://bot.test")


async def _place_traffic_order(services, subscriber_id: int, chat: ChatRef | None = None):
    """A pending order to pay: 10 GB of traffic on top of a month of service."""
    await Plan.create(
        code="month-1",
        kind=PlanKind.SERVICE,
        names={"en": "One month"},
        traffic_mb=50 * 1024,
        duration_days=30,
        price=2_000_000,
        currency="IRR",
    )
    await Plan.create(
        code="traffic-10",
        kind=PlanKind.TRAFFIC,
        names={"en": "10 GB traffic"},
        traffic_mb=10 * 1024,
        price=1_000_000,
        currency="IRR",
    )
    await services.subscriptions.grant_service(subscriber_id, "month-1")
    return await services.orders.place_order(
        subscriber_id, OrderKind.BUY_TRAFFIC, "traffic-10", chat=chat
    )


async def test_a_server_with_an_open_chat_stops_within_a_couple_of_seconds(services, bot_settings):
    # As ``ispbot serve`` stops (run_app's runner, aiohttp's 60 s wait for handlers to end): an
    # open socket's handler ends only when the socket is closed, so shutdown closes it first.
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app import init_app
    from bot.bootstrap import bootstrap
    from bot.dialogs.state import MemoryStateStore

    app = init_app(
        bootstrap(bot_settings, services=services, store=MemoryStateStore()), manage_database=False
    )
    server = TestServer(app)
    async with TestClient(server) as client:
        await client.get("/")
        ws = await client.ws_connect("/ws")
        await _replies_until_options(ws)
        # The browser answers the close while the server stops, as a browser does.
        closed = asyncio.create_task(ws.receive())
        started = asyncio.get_running_loop().time()
        await asyncio.wait_for(server.close(), timeout=10)
        assert asyncio.get_running_loop().time() - started < 2
        message = await asyncio.wait_for(closed, timeout=2)
        assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED), message
        assert ws.close_code == 1001  # going away: the server stops


async def test_the_pay_page_answers_after_the_confirmation_went_to_the_chat_it_left(
    client, services, bot_settings
):
    subscriber = await make_subscriber(bot_settings)
    await client.get("/")
    chat_id = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    async with client.ws_connect("/ws?lang=en") as ws:
        await _log_in(ws)
    # The tab went to the pay page: the chat is open nowhere.
    order = await _place_traffic_order(services, subscriber.id, chat=ChatRef("web", chat_id))

    response = await client.post(_path(order.pay_url), data={"action": "pay"})

    assert "Payment received" in await response.text()
    sent = await InboxMessage.get(kind="order_applied")
    assert (sent.channel, sent.address) == ("web", chat_id)
    async with client.ws_connect("/ws?lang=en") as ws:  # "Back to the chat"
        frames = await _replies_until_options(ws)
    assert "Added to your account" in frames[0]["text"]
    assert "what would you like to do?" in frames[-1]["text"]

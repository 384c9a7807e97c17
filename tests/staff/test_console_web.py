"""The console over HTTP: logging in and out, the session cookie and its flags, CSRF on every
form, each role kept to its pages, a web chat cookie worth nothing, audited changes with
errors shown next to their field, masked personal data, and the member's language."""

from __future__ import annotations

import pytest
from yarl import URL

from core.accounts import queries
from core.accounts.enums import LineStatus
from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order
from core.staff import audit
from core.staff.models import AuditEntry, StaffMember
from tests.core.test_accounts_support import MOBILE, make_subscriber
from tests.staff.conftest import PASSWORD


async def test_pages_need_a_login_and_send_back_after_it(console):
    page = await console.client.get("/staff/subscribers?q=21", allow_redirects=False)
    assert page.status == 303
    to = URL(page.headers["Location"])
    assert (to.path, to.query["next"]) == ("/staff/login", "/staff/subscribers?q=21")
    form = await (await console.client.get(to)).text()
    assert 'name="next" value="/staff/subscribers?q=21"' in form

    logged_in = await console.log_in("admin")

    assert logged_in.status == 303
    cookie = logged_in.headers.getall("Set-Cookie")
    staff_cookie = next(c for c in cookie if c.startswith("ispbot_staff="))
    assert "HttpOnly" in staff_cookie and "SameSite=Strict" in staff_cookie
    assert "Path=/staff" in staff_cookie
    home = await console.client.get("/staff/")
    assert home.status == 200
    assert "Active subscribers" in await home.text()
    assert home.headers["Content-Security-Policy"].startswith("default-src 'self'")


async def test_a_wrong_password_says_how_many_tries_are_left_then_locks(console):
    first = await console.log_in("admin", "wrong-password-1")
    assert first.status == 401
    assert "Attempts left: 2." in await first.text()
    await console.log_in("admin", "wrong-password-2")
    locked = await console.log_in("admin", "wrong-password-3")
    assert locked.status == 429
    assert "blocked for 30 minutes" in await locked.text()
    assert (await console.log_in("admin")).status == 429


async def test_a_login_form_without_its_token_is_refused(console):
    refused = await console.client.post(
        "/staff/login", data={"username": "admin", "password": "console-pass-1"}
    )
    assert refused.status == 403
    assert "did not come from the console" in await refused.text()


async def test_a_form_posted_without_its_csrf_token_changes_nothing(console):
    subscriber = await make_subscriber()
    await console.log_in("operator")

    refused = await console.client.post(
        f"/staff/subscribers/{subscriber.id}/line-status", data={"status": "closed"}
    )
    forged = await console.client.post(
        f"/staff/subscribers/{subscriber.id}/line-status",
        data={"status": "closed", "csrf": "a-guessed-token"},
    )

    assert (refused.status, forged.status) == (403, 403)
    assert (await queries.subscriber_view(subscriber.id)).line_status is LineStatus.IN_OPERATION
    assert await AuditEntry.filter(action="subscriber.line_status").count() == 0


@pytest.mark.parametrize(
    ("role", "status"), [("agent", 403), ("operator", 403), ("billing", 200), ("admin", 200)]
)
async def test_only_the_roles_that_handle_money_open_the_billing_page(console, role, status):
    await console.log_in(role)

    page = await console.client.get("/staff/billing")

    assert page.status == status
    if status == 403:
        assert "Your role does not give access" in await page.text()


async def test_an_agent_cannot_change_a_line_status(console):
    subscriber = await make_subscriber()
    await console.log_in("agent")
    token = await console.csrf(f"/staff/subscribers/{subscriber.id}")

    refused = await console.client.post(
        f"/staff/subscribers/{subscriber.id}/line-status",
        data={"status": "closed", "csrf": token},
    )

    assert refused.status == 403
    assert (await queries.subscriber_view(subscriber.id)).line_status is LineStatus.IN_OPERATION


async def test_a_subscribers_web_chat_cookie_opens_nothing(console):
    # A subscriber's browser: the web chat's cookie, even replayed as the console's.
    page = await console.client.get("/")
    chat_cookie = page.cookies["ispbot_chat"].value

    for cookies in ({"ispbot_chat": chat_cookie}, {"ispbot_staff": chat_cookie}):
        console.client.session.cookie_jar.clear()
        refused = await console.client.get("/staff/", cookies=cookies, allow_redirects=False)
        assert refused.status == 303
        assert refused.headers["Location"].startswith("/staff/login")


async def test_a_line_status_change_is_audited_and_a_bad_one_is_shown_at_its_field(console):
    subscriber = await make_subscriber()
    await console.log_in("operator")
    path = f"/staff/subscribers/{subscriber.id}"
    token = await console.csrf(path)

    too_long = await console.client.post(
        f"{path}/line-status", data={"status": "isolated", "reason": "x" * 201, "csrf": token}
    )
    unknown = await console.client.post(
        f"{path}/line-status", data={"status": "asleep", "csrf": token}
    )
    changed = await console.client.post(
        f"{path}/line-status",
        data={"status": "isolated", "reason": "deposit unpaid", "csrf": token},
        allow_redirects=False,
    )

    assert too_long.status == 422
    assert 'id="reason-error">The reason is too long (at most 200 characters).' in (
        await too_long.text()
    )
    assert unknown.status == 422
    assert 'id="status-error">Choose one of the line statuses.' in await unknown.text()
    assert changed.status == 303
    assert changed.headers["Location"] == f"{path}?done=line_status"
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert (entry.actor_name, entry.before, entry.after) == (
        "operator",
        {"line_status": "in_operation"},
        {"line_status": "isolated", "reason": "deposit unpaid"},
    )
    page = await (await console.client.get(f"{path}?done=line_status")).text()
    assert "The line's status was changed." in page
    assert "deposit unpaid" in page


async def test_an_agent_unlinks_a_chat_and_sees_no_personal_data(console):
    subscriber = await make_subscriber()
    await console.wiring.services.chats.link_by_operator("whatsapp", MOBILE, subscriber.id)
    [chat] = await queries.chats_of(subscriber.id)
    await console.log_in("agent")
    path = f"/staff/subscribers/{subscriber.id}"

    page = await (await console.client.get(path)).text()
    assert MOBILE not in page and "+98912***4567" in page and "…4567" in page
    listed = await (await console.client.get("/staff/subscribers?q=" + subscriber.username)).text()
    assert MOBILE not in listed and "+98912***4567" in listed

    token = await console.csrf(path)
    unlinked = await console.client.post(
        f"{path}/chats/{chat.id}/unlink", data={"csrf": token}, allow_redirects=False
    )
    again = await console.client.post(f"{path}/chats/{chat.id}/unlink", data={"csrf": token})

    assert unlinked.status == 303
    assert await queries.chats_of(subscriber.id) == []
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert (entry.actor_name, entry.action) == ("agent", "subscriber.unlink_chat")
    assert again.status == 404
    assert "That chat is no longer linked to this subscriber." in await again.text()


async def test_an_admin_sees_personal_data(console):
    subscriber = await make_subscriber()
    await console.log_in("admin")

    page = await (await console.client.get(f"/staff/subscribers/{subscriber.id}")).text()

    assert MOBILE in page


async def test_the_language_switch_turns_the_console_persian_and_right_to_left(console):
    await console.log_in("admin")
    token = await console.csrf("/staff/")

    switched = await console.client.post(
        "/staff/language",
        data={"language": "fa", "next": "/staff/?period=7d", "csrf": token},
        allow_redirects=False,
    )
    page = await (await console.client.get("/staff/?period=7d")).text()

    assert switched.headers["Location"] == "/staff/?period=7d"
    assert '<html lang="fa" dir="rtl">' in page
    assert "۱۴۰۵/۰۸/۲۷ – ۱۴۰۵/۰۹/۰۳" in page  # the week, Jalali, Persian digits
    admin = await StaffMember.get(username="admin")
    latest = (await audit.entries_for("staff", admin.id))[0]
    assert (latest.action, latest.after) == ("staff.language", {"language": "fa"})


async def test_bad_input_gets_a_clear_answer_not_a_500(console):
    await console.log_in("admin")
    token = await console.csrf("/staff/")

    period = await console.client.get("/staff/?period=forever")
    page = await console.client.get("/staff/subscribers?after=abc")
    missing = await console.client.get("/staff/subscribers/99999")
    language = await console.client.post("/staff/language", data={"language": "de", "csrf": token})
    unknown = await console.client.get("/staff/nothing-here")

    assert (period.status, page.status, missing.status, language.status, unknown.status) == (
        400, 400, 404, 400, 404,
    )  # fmt: skip
    assert "Choose one of the periods." in await period.text()
    assert "There is no such subscriber." in await missing.text()
    assert "Choose one of the languages." in await language.text()


async def test_logging_out_ends_the_session(console):
    await console.log_in("admin")
    token = await console.csrf("/staff/")
    cookie = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/staff/"))
    session_id = cookie["ispbot_staff"].value

    await console.client.post("/staff/logout", data={"csrf": token})
    console.client.session.cookie_jar.clear()
    replayed = await console.client.get(
        "/staff/", cookies={"ispbot_staff": session_id}, allow_redirects=False
    )

    assert replayed.status == 303


async def test_a_failed_login_keeps_the_page_it_was_going_to(console):
    token = await console.csrf("/staff/login?next=/staff/billing")

    failed = await console.client.post(
        "/staff/login",
        data={
            "csrf": token,
            "username": "admin",
            "password": "wrong-one-1",
            "next": "/staff/billing",
        },
    )
    elsewhere = await console.client.post(
        "/staff/login",
        data={"csrf": token, "username": "admin", "password": PASSWORD, "next": "//evil.example"},
        allow_redirects=False,
    )

    assert 'name="next" value="/staff/billing"' in await failed.text()
    assert elsewhere.headers["Location"] == "/staff/"


async def test_a_deposit_order_without_a_plan_is_listed(console, clock):
    subscriber = await make_subscriber()
    await Order.create(
        tracking_number=4242, subscriber=subscriber, kind=OrderKind.DEPOSIT, plan=None,
        currency="IRR", subtotal=750_000, vat=0, payable=750_000, status=OrderStatus.PENDING,
        gateway="sandbox", created_at=clock.now(),
    )  # fmt: skip
    await console.log_in("billing")

    page = await console.client.get(f"/staff/subscribers/{subscriber.id}")
    billing = await console.client.get("/staff/billing")

    assert page.status == billing.status == 200
    assert "Deposit and installation fee" in await page.text()
    assert "Deposit and installation fee" in await billing.text()

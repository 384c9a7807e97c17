"""The staff console's subscriber page shows a paused service: until when, for how many days,
and the pauses of the last 12 months against the limit; staff who may change the service
resume it early (audited, CSRF-guarded)."""

from __future__ import annotations

from bot.i18n import translator
from core.billing.enums import SubscriptionSource
from core.billing.models import ServicePause
from core.staff import audit
from core.staff.models import AuditEntry
from tests.core.test_billing_support import make_plans, make_subscriber


async def test_the_subscriber_page_shows_the_pause_in_force(console):
    await make_plans()
    subscriber = await make_subscriber()
    services = console.wiring.services
    await services.subscriptions.grant_service(
        subscriber.id, "year-2m", source=SubscriptionSource.ONLINE
    )
    await console.log_in("agent")
    path = f"/staff/subscribers/{subscriber.id}"
    page = await (await console.client.get(path)).text()
    assert "Paused until" not in page
    assert "Pauses in the last 12 months: 0 of 2" in page

    await services.pauses.pause(subscriber.id, 21)
    page = await (await console.client.get(path)).text()

    assert "Paused until" in page and "(21 days)" in page
    assert "Pauses in the last 12 months: 1 of 2" in page


async def paused_line(console):
    await make_plans()
    subscriber = await make_subscriber()
    services = console.wiring.services
    await services.subscriptions.grant_service(
        subscriber.id, "year-2m", source=SubscriptionSource.ONLINE
    )
    await services.pauses.pause(subscriber.id, 21)
    return subscriber


async def test_billing_staff_resume_a_paused_line_from_its_page(console):
    subscriber = await paused_line(console)
    await console.log_in("billing")
    path = f"/staff/subscribers/{subscriber.id}"
    token = await console.csrf(path)
    assert f'action="{path}/pause/resume"' in await (await console.client.get(path)).text()

    done = await console.client.post(
        f"{path}/pause/resume", data={"csrf": token}, allow_redirects=False
    )

    assert (done.status, done.headers["Location"]) == (303, f"{path}?done=resumed")
    [pause] = await ServicePause.all()
    assert pause.resumed_by == "staff"
    page = await (await console.client.get(f"{path}?done=resumed")).text()
    assert "The service runs again" in page and "Paused until" not in page
    assert f'action="{path}/pause/resume"' not in page
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert entry.action == "subscriber.resume_pause"

    again = await console.client.post(f"{path}/pause/resume", data={"csrf": token})
    assert again.status == 409
    assert "The service is not paused" in await again.text()


async def test_an_agent_neither_sees_nor_may_resume_a_paused_line(console):
    subscriber = await paused_line(console)
    await console.log_in("agent")
    path = f"/staff/subscribers/{subscriber.id}"
    token = await console.csrf(path)
    assert "/pause/resume" not in await (await console.client.get(path)).text()

    refused = await console.client.post(f"{path}/pause/resume", data={"csrf": token})

    assert refused.status == 403
    assert (await ServicePause.get()).resumed_at is None
    assert await AuditEntry.filter(target_type="subscriber").count() == 0


async def test_a_resume_without_its_csrf_token_changes_nothing(console):
    subscriber = await paused_line(console)
    await console.log_in("billing")

    refused = await console.client.post(f"/staff/subscribers/{subscriber.id}/pause/resume")

    assert refused.status == 403
    assert (await ServicePause.get()).resumed_at is None


async def test_the_header_of_a_paused_line_says_until_when_in_the_members_calendar(console):
    """The line is "in operation" (not blocked), but paused: it cannot connect until then."""
    subscriber = await paused_line(console)
    [pause] = await ServicePause.all()
    zone = console.wiring.settings.timezone
    await console.log_in("agent")
    path = f"/staff/subscribers/{subscriber.id}"
    header = _header(await (await console.client.get(path)).text())
    assert "Paused until " + translator("en", zone=zone).day(pause.resume_at) in header
    assert "In operation" not in header

    token = await console.csrf(path)
    await console.client.post("/staff/language", data={"language": "fa", "csrf": token})
    header = _header(await (await console.client.get(path)).text())

    # Jalali, in Persian digits.
    assert "متوقف تا " + translator("fa", zone=zone).day(pause.resume_at) in header

    await console.wiring.services.pauses.resume(subscriber.id)
    header = _header(await (await console.client.get(path)).text())
    assert "متوقف" not in header and "status-in_operation" in header


def _header(page: str) -> str:
    return page[page.index('<div class="heading">') : page.index("</div>", page.index("heading"))]

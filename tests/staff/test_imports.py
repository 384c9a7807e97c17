"""Imports in the console: a CSV uploaded, imported in the background by the CLI's importer
with its progress in the state store, the result and the rejected rows' report to download;
audited; only the roles that import open it; a bad upload answered next to its field."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from aiohttp import FormData

from bot.dialogs.state import ChatKey
from bot.staff.import_jobs import STORE_CHANNEL
from core.accounts.models import Subscriber
from core.billing.models import Plan
from core.staff.models import AuditEntry

PLANS_CSV = (
    "code,kind,currency,name_en,traffic_mb,duration_days,price\n"
    "ir-std-1m,service,IRR,Standard,5120,30,250000\n"
    "ir-bad,service,IRR,Bad,lots,30,100\n"
    "ir-year,service,IRR,Year,40960,365,2000000\n"
)
SUBSCRIBERS_CSV = (
    "username,full_name,mobile,language,plan\n"
    "2188001234,Kamal Nasiri,09121234567,fa,ir-std-1m\n"
    "2166402020,Nobody,123,fa,\n"
)


async def upload(console, kind: str, text: str | None, *, htmx: bool = True):
    token = await console.csrf("/staff/imports")
    form = FormData()
    form.add_field("kind", kind)
    if text is not None:
        form.add_field("file", text.encode(), filename="plans.csv", content_type="text/csv")
    headers = {"X-CSRF-Token": token, **({"HX-Request": "true"} if htmx else {})}
    return await console.client.post(
        "/staff/imports", data=form, headers=headers, allow_redirects=False
    )


async def finished(console, job_path: str) -> str:
    """The job's progress as htmx polls it, until it stops polling (the import ended)."""
    for _ in range(200):
        part = await (await console.client.get(job_path, headers={"HX-Request": "true"})).text()
        if "hx-trigger" not in part:
            return part
        await asyncio.sleep(0.05)
    raise AssertionError("the import never finished")


@pytest.mark.parametrize(
    ("role", "status"), [("agent", 403), ("billing", 403), ("operator", 403), ("admin", 200)]
)
async def test_only_the_roles_that_import_open_imports(console, role, status):
    await console.log_in(role)

    assert (await console.client.get("/staff/imports")).status == status


async def test_a_plans_csv_is_imported_with_progress_and_a_report_of_rejected_rows(console):
    await console.log_in("admin")

    started = await upload(console, "plans", PLANS_CSV)

    assert started.status == 204
    job_path = started.headers["HX-Redirect"]
    page = await console.client.get(job_path)
    assert page.status == 200 and "<progress" in await page.text()
    done = await finished(console, job_path)
    assert "Done: 2 created, 0 updated, 0 unchanged, 1 rejected." in done
    assert set(await Plan.all().values_list("code", flat=True)) == {"ir-std-1m", "ir-year"}
    report = await console.client.get(f"{job_path}/report.csv")
    assert report.status == 200
    assert 'filename="plans.rejected.csv"' in report.headers["Content-Disposition"]
    [header, row] = list(csv.reader(io.StringIO(await report.text())))
    assert header[:3] == ["line", "reason", "code"]
    assert (row[0], row[2]) == ("3", "ir-bad")
    assert "traffic_mb must be a whole number" in row[1]
    [entry] = await AuditEntry.filter(action="import.plans")
    assert (entry.actor_name, entry.after) == (
        "admin",
        {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1},
    )
    # The progress lives in the state store: what any process of the app reads.
    job_id = job_path.rsplit("/", 1)[1]
    stored = await console.wiring.store.load(ChatKey(STORE_CHANNEL, job_id))
    assert stored is not None and stored["status"] == "done"


async def test_subscribers_are_imported_through_the_page(console):
    await Plan.create(code="ir-std-1m", price=250_000, duration_days=30, names={"en": "Std"})
    await console.log_in("admin")

    started = await upload(console, "subscribers", SUBSCRIBERS_CSV)
    done = await finished(console, started.headers["HX-Redirect"])

    assert "1 created" in done and "1 rejected" in done
    kamal = await Subscriber.get(username="2188001234")
    assert kamal.mobile == "+989121234567"


async def test_a_file_that_is_no_csv_is_refused_whole(console):
    await console.log_in("admin")

    started = await upload(console, "plans", "name,colour\nx,blue\n")
    done = await finished(console, started.headers["HX-Redirect"])

    assert "nothing was changed" in done and "unknown column(s): colour" in done
    assert await Plan.all().count() == 0
    assert await AuditEntry.filter(action="import.plans").count() == 0


async def test_a_bad_upload_is_answered_next_to_its_field(console):
    await console.log_in("admin")

    no_file = await upload(console, "plans", None, htmx=False)
    bad_kind = await upload(console, "tickets", PLANS_CSV)
    not_multipart = await console.client.post(
        "/staff/imports",
        data={"kind": "plans", "csrf": await console.csrf("/staff/imports")},
    )

    assert no_file.status == 400  # a form with no file part is not even multipart
    assert 'id="file-error">Choose a CSV file to import.' in await no_file.text()
    assert bad_kind.status == 200  # htmx swaps the form in with its errors
    assert 'id="kind-error">Choose what the file holds.' in await bad_kind.text()
    assert not_multipart.status == 400
    assert await Plan.all().count() == 0


async def test_an_upload_without_its_csrf_token_is_refused(console):
    await console.log_in("admin")
    form = FormData()
    form.add_field("kind", "plans")
    form.add_field("file", PLANS_CSV.encode(), filename="plans.csv")

    refused = await console.client.post("/staff/imports", data=form)

    assert refused.status == 403
    assert await Plan.all().count() == 0


async def test_an_unknown_job_or_report_is_a_404(console):
    await console.log_in("admin")

    missing = await console.client.get("/staff/imports/nothing-here")
    no_report = await console.client.get("/staff/imports/nothing-here/report.csv")

    assert (missing.status, no_report.status) == (404, 404)
    assert "There is no such import." in await missing.text()

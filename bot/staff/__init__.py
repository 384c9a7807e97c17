"""The staff console under /staff: server-rendered pages (aiohttp-jinja2) on the core's
services and queries, for the ISP's people in their language. Its own sessions, CSRF tokens and
roles (bot/staff/guard.py); a subscriber's web chat cookie opens nothing here.

Knows no channel: it imports no handler package, and none imports it.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.staff.context import DASHBOARD, SESSIONS, STAFF_SETTINGS, WIRING
from bot.staff.guard import guard
from bot.staff.import_jobs import IMPORT_JOBS, ImportJobs
from bot.staff.pages import (
    auth,
    billing,
    billing_ledgers,
    broadcasts,
    canned_replies,
    card_charges,
    dashboard,
    documents,
    faq,
    imports,
    outages,
    plans,
    subscriber_actions,
    subscribers,
    tickets,
)
from bot.staff.rendering import setup_templates
from bot.staff.sessions import PATH, StaffSessions
from bot.wiring import Wiring
from core.staff.dashboard import Dashboard
from core.staff.dashboard_snapshots import DashboardSnapshots

STATIC = Path(__file__).resolve().parent / "static"
# Persian text needs a font that has it; the receipts' own (Vazirmatn, OFL) serves the pages too.
FONTS = Path(__file__).resolve().parent.parent / "rendering" / "fonts"


def build_console(wiring: Wiring) -> web.Application:
    console = web.Application(middlewares=[guard])
    console[WIRING] = wiring
    console[STAFF_SETTINGS] = wiring.settings
    console[SESSIONS] = StaffSessions(wiring.store, wiring.clock, wiring.settings)
    console[DASHBOARD] = DashboardSnapshots(Dashboard(wiring.settings, wiring.clock))
    console[IMPORT_JOBS] = jobs = ImportJobs(
        wiring.store, wiring.clock, wiring.staff.imports, wiring.settings.files_dir
    )
    console.on_cleanup.append(lambda _app: jobs.close())
    setup_templates(console)
    pages = (
        auth,
        dashboard,
        subscribers,
        subscriber_actions,
        billing,
        billing_ledgers,
        card_charges,
        imports,
        documents,
        tickets,
        canned_replies,
        outages,
        broadcasts,
        plans,
        faq,
    )
    for page in pages:
        console.add_routes(page.routes)
    console.router.add_static("/static", STATIC)
    console.router.add_static("/fonts", FONTS)
    return console


def setup(app: web.Application, wiring: Wiring) -> None:
    async def to_console(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect(f"{PATH}/")

    app.router.add_get(PATH, to_console)
    app.add_subapp(PATH, build_console(wiring))

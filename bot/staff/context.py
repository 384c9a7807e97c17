"""What the console's handlers take from their app and request: the container's parts (set
once in ``setup``) and, per request, the member, their session and the language they read."""

from __future__ import annotations

from aiohttp import web

from bot.config import BotSettings
from bot.i18n import Texts, translator
from bot.staff.sessions import StaffSession, StaffSessions
from bot.wiring import StaffServices, Wiring
from core.staff.audit import Actor
from core.staff.dashboard_snapshots import DashboardSnapshots
from core.staff.queries import StaffView

WIRING = web.AppKey("staff_wiring", Wiring)
STAFF_SETTINGS = web.AppKey("staff_settings", BotSettings)
SESSIONS = web.AppKey("staff_sessions", StaffSessions)
DASHBOARD = web.AppKey("staff_dashboard", DashboardSnapshots)
# Set on every request by the guard (bot/staff/guard.py).
STAFF: web.RequestKey[StaffView | None] = web.RequestKey("staff")
SESSION: web.RequestKey[StaffSession | None] = web.RequestKey("staff_session")
CSRF: web.RequestKey[str] = web.RequestKey("staff_csrf", str)
TEXTS: web.RequestKey[Texts] = web.RequestKey("staff_texts", Texts)


def services(request: web.Request) -> StaffServices:
    return request.app[WIRING].staff


def current_texts(request: web.Request) -> Texts:
    texts = request.get(TEXTS)
    return texts if isinstance(texts, Texts) else translator("en")


def member(request: web.Request) -> StaffView:
    """The logged-in member (the handler is behind ``requires``)."""
    staff = request.get(STAFF)
    assert isinstance(staff, StaffView)
    return staff


def session(request: web.Request) -> StaffSession:
    found = request.get(SESSION)
    assert isinstance(found, StaffSession)
    return found


def actor(request: web.Request) -> Actor:
    staff = member(request)
    return Actor(staff.id, staff.username)

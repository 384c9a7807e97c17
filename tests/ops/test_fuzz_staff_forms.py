"""The staff console fuzzed from the inside: a member of each role logged in, with the session's
valid CSRF token, posts random forms to every POST route of the console and opens every GET
route with random query strings and path values. No answer may be a 5xx, nothing may be logged
at ERROR, and a refused request (a 4xx) changes no table and calls no outside service; a wrong
login (401, 429) may only count toward its lockout.

The routes and the form fields are read from the console itself (its router and the ``name``s
of its templates' fields), so the pages added later are fuzzed with their own fields too.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.web_urldispatcher import PrefixedSubAppResource, StaticResource
from hypothesis import given
from hypothesis import strategies as st

import bot.staff
from bot.staff.sessions import COOKIE, LOGIN_COOKIE, PATH
from core.accounts.lockout import Lockout
from core.staff.audit import CLI_ACTOR
from core.staff.service import StaffAccounts
from tests.ops.fuzz_app import FuzzClient, fuzz_settings
from tests.ops.fuzz_strategies import odd_text, percent, query

ROLES = ("admin", "operator", "billing", "agent")
PASSWORD = "fuzz-console-pass-1"
TEMPLATES = Path(bot.staff.__file__).parent / "templates"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
# Every field a console form has, and the query parameters its pages read.
FIELDS = sorted(
    set(re.findall(r'name="([^"]+)"', "".join(p.read_text() for p in TEMPLATES.glob("*.html"))))
    | {"q", "after", "period", "lang", "next", "page", "id"}
)
# Values that get past the first check of a field: ids of the seeded rows, the words of the
# console's choices, a console path.
PLAUSIBLE = (
    "1", "2", "3", "0", "-1", "2147483648", "1.5", "fa", "en", "id", "today", "7d", "30d",
    "in_operation", "isolated", "in_collection_list", "closed", "/staff/", "//evil.example",
    "2188001234", "09121234567", "reza",
)  # fmt: skip
values = st.one_of(st.sampled_from(PLAUSIBLE), odd_text)
path_values = st.one_of(
    st.sampled_from(("1", "2", "3", "0", "9999999999")), st.integers(0, 10**10).map(str)
)


def console_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path pattern) of every page and form of the console, HEAD and files aside."""
    found = set()
    for resource in app.router.resources():
        if not isinstance(resource, PrefixedSubAppResource):
            continue
        if resource.get_info()["prefix"] != PATH:
            continue
        for route in resource.get_info()["app"].router.routes():
            if isinstance(route.resource, StaticResource) or route.method == "HEAD":
                continue
            info = route.resource.get_info() if route.resource else {}
            # The sub-app's resources carry its prefix once it is mounted.
            found.add((route.method, info.get("formatter") or info.get("path", "")))
    return sorted(found)


@dataclass
class LoggedIn:
    session_id: str
    csrf: str


@dataclass
class StaffFuzz:
    app: FuzzClient
    sessions: dict[str, LoggedIn] = field(default_factory=dict)

    async def session(self, role: str) -> LoggedIn:
        """The role's session, logging in (again, after a fuzzed logout) when it has none."""
        if role not in self.sessions:
            client = self.app.client
            client.session.cookie_jar.clear()
            login = await client.get(f"{PATH}/login")
            token = _CSRF.search(await login.text())
            assert token is not None
            answer = await client.post(
                f"{PATH}/login",
                data={"csrf": token.group(1), "username": role, "password": PASSWORD},
                cookies={LOGIN_COOKIE: login.cookies[LOGIN_COOKIE].value},
                allow_redirects=False,
            )
            assert answer.status == 303, await answer.text()
            session_id = answer.cookies[COOKIE].value
            client.session.cookie_jar.clear()
            home = await client.get(f"{PATH}/subscribers", cookies={COOKIE: session_id})
            csrf = _CSRF.search(await home.text())
            assert csrf is not None
            self.sessions[role] = LoggedIn(session_id, csrf.group(1))
        return self.sessions[role]


@pytest.fixture
async def staff_fuzz(demo_app: FuzzClient, clock) -> AsyncIterator[StaffFuzz]:
    accounts = StaffAccounts(demo_app.settings, clock, Lockout(demo_app.settings, clock))
    for role in ROLES:
        await accounts.create(CLI_ACTOR, role, PASSWORD, role, full_name=role.title())
    yield StaffFuzz(demo_app)


def refused_without_a_login(status: int, _body: bytes) -> bool:
    """A 4xx refuses; a wrong login (401, or 429 once locked) counts toward the lockout."""
    return 400 <= status < 500 and status not in (401, 429)


def filled(pattern: str, segments: list[str]) -> str:
    parts = iter(segments)
    return re.sub(r"\{[^}]+\}", lambda _: percent(next(parts, "1")), pattern)


def test_the_console_routes_are_read_from_its_router(demo_app):
    known = console_routes(demo_app.client.app)

    for route in [
        ("GET", "/staff/"),
        ("GET", "/staff/subscribers/{subscriber_id}"),
        ("POST", "/staff/logout"),
        ("POST", "/staff/subscribers/{subscriber_id}/line-status"),
    ]:
        assert route in known, known
    assert all(path.startswith("/staff/") for _, path in known)


@fuzz_settings
@given(data=st.data())
async def test_every_console_route_with_a_session_of_each_role(staff_fuzz, data):
    role = data.draw(st.sampled_from(ROLES), label="role")
    method, pattern = data.draw(st.sampled_from(console_routes(staff_fuzz.app.client.app)))
    logged_in = await staff_fuzz.session(role)
    path = filled(pattern, data.draw(st.lists(path_values, min_size=2, max_size=2)))
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(FIELDS), values), max_size=5))
    staff_fuzz.app.client.session.cookie_jar.clear()
    cookies = {COOKIE: logged_in.session_id}
    if method == "GET":
        status, _ = await staff_fuzz.app.send(
            f"staff {role}: GET {pattern}",
            "GET",
            f"{path}?{query(pairs)}" if pairs else path,
            cookies=cookies,
            allow_redirects=False,
        )
        if pattern != f"{PATH}/login":  # the session held: not sent to the login page
            assert status != 303, (role, path)
        return
    body = query([*pairs, ("csrf", logged_in.csrf)]).encode()
    await staff_fuzz.app.send(
        f"staff {role}: POST {pattern}",
        "POST",
        path,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        cookies=cookies,
        allow_redirects=False,
        refused=refused_without_a_login,
    )
    if pattern in (f"{PATH}/logout", f"{PATH}/login"):
        staff_fuzz.sessions.pop(role, None)  # logged out (or maybe): log in again next time


async def test_fuzz_a_search_for_a_number_longer_than_a_username_finds_nobody(staff_fuzz):
    # Found by this fuzz: a 40-digit search was compared with the 32-character usernames, which
    # the ORM refuses: a 500 and a traceback.
    logged_in = await staff_fuzz.session("agent")
    status, body = await staff_fuzz.app.send(
        "staff agent: GET /staff/subscribers (regression)",
        "GET",
        f"{PATH}/subscribers?q={'9' * 40}",
        cookies={COOKIE: logged_in.session_id},
    )

    assert status == 200
    assert "No subscriber matches." in body.decode()

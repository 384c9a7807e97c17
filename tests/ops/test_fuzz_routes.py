"""Every route the app serves, fuzzed alike (issue 19): each of its methods with odd path
segments, any body and content type, and odd headers (Cookie, Origin, Accept-Language,
X-Request-Id, Authorization); never a 5xx or a logged error, and a refusal changes nothing.
The routes are read from the app's router, so a route added later is fuzzed too."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tests.ops.fuzz_app import FuzzClient, fuzz_settings
from tests.ops.fuzz_strategies import header_value, odd_text, percent, raw_bodies

HEADERS = ("Cookie", "Origin", "Accept-Language", "X-Request-Id", "Authorization", "Range")
# The routes each way of running the app serves (a route missing here fails the test: every
# public route is fuzzed).
PRODUCTION_ROUTES = 127
DEMO_ROUTES = 120


def routes(app: FuzzClient) -> list[tuple[str, str]]:
    """(method, path pattern) of every route, HEAD aside (GET's twin)."""
    found = set()
    for route in app.client.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        pattern = info.get("formatter") or info.get("path") or info.get("prefix", "") + "/{file}"
        if route.method != "HEAD":
            found.add((route.method, pattern))
    return sorted(found)


def filled(pattern: str, segments: list[str]) -> str:
    values = iter(segments)
    return re.sub(r"\{[^}]+\}", lambda _: percent(next(values, "x") or "x"), pattern)


async def fuzz_every_route(app: FuzzClient, data, expected_routes: int) -> None:
    known = routes(app)
    assert len(known) == expected_routes, known
    method, pattern = data.draw(st.sampled_from(known))
    segments = data.draw(st.lists(odd_text, min_size=3, max_size=3))
    body, content_type = data.draw(raw_bodies)
    headers = {
        name: header_value(value)
        for name, value in data.draw(
            st.dictionaries(st.sampled_from(HEADERS), odd_text, max_size=3)
        ).items()
    }
    if method not in ("GET", "HEAD"):
        headers["Content-Type"] = content_type
    method = "POST" if method == "*" else method
    await app.send(
        f"{method} {pattern}",
        method,
        filled(pattern, segments),
        data=body if method not in ("GET", "HEAD") else None,
        headers=headers,
    )


@fuzz_settings
@given(data=st.data())
async def test_every_route_of_the_production_app(production_app, data):
    await fuzz_every_route(production_app, data, PRODUCTION_ROUTES)


@fuzz_settings
@given(data=st.data())
async def test_every_route_of_the_demo_app(demo_app, data):
    await fuzz_every_route(demo_app, data, DEMO_ROUTES)

"""File links fuzzed (issue 19): any key, name and query, unsigned and rightly signed (any
type, name and expiry signed with the installation's secret), and files stored under any name
and type and linked as a channel links them; never a 5xx, and what is served is served safely."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.dialogs.contract import Attachment
from bot.handlers.files import link_signature
from tests.ops.fuzz_app import FILE_LINK_SECRET, fuzz_settings
from tests.ops.fuzz_strategies import odd_numbers, odd_text, percent, query

PUBLIC = "https://bot.example"


@fuzz_settings
@given(
    key=st.one_of(st.just("abc123"), odd_text.filter(bool)),
    name=odd_text.filter(bool),
    params=st.lists(
        st.tuples(st.sampled_from(("t", "e", "s")), st.one_of(odd_text, odd_numbers.map(str))),
        max_size=4,
    ),
)
async def test_unsigned_links_are_refused(production_app, key, name, params):
    path = f"/files/{percent(key)}/{percent(name)}?{query(params)}"
    status, _ = await production_app.send("GET /files/{key}/{name} (unsigned)", "GET", path)
    assert status in (403, 404)


@fuzz_settings
@given(
    name=odd_text.filter(bool),
    content_type=st.one_of(st.sampled_from(("application/pdf", "text/html")), odd_text),
    expires=st.one_of(odd_numbers.map(str), odd_text),
)
async def test_signed_links_of_any_type_name_and_expiry(
    production_app, name, content_type, expires
):
    key = await production_app.services.files.put(b"%PDF-1.7", "application/pdf", "a.pdf")
    try:
        signature = link_signature(FILE_LINK_SECRET.encode(), key, int(expires), content_type, name)
    except (ValueError, UnicodeEncodeError):  # not a number, or a lone surrogate: unsignable
        signature = "unsigned"
    params = [("t", content_type), ("e", expires), ("s", signature)]
    path = f"/files/{key}/{percent(name)}?{query(params)}"
    status, _ = await production_app.send("GET /files/{key}/{name} (signed)", "GET", path)
    assert status in (200, 403, 404)


@fuzz_settings
@given(
    filename=odd_text,
    content_type=st.one_of(st.sampled_from(("application/pdf", "image/png")), odd_text),
)
async def test_a_file_stored_under_any_name_and_type_is_served_by_its_link(
    production_app, filename, content_type
):
    attachment = Attachment(filename, content_type, b"%PDF-1.7 bytes")
    url = await production_app.links.url(attachment)
    assert url.startswith(PUBLIC)
    status, body = await production_app.send(
        "GET /files/{key}/{name} (a stored file)", "GET", url.removeprefix(PUBLIC)
    )
    assert status == 200 and body == b"%PDF-1.7 bytes"

"""Hypothesis strategies for what a stranger can send a public route (issue 19): raw bytes,
wrong content types, JSON of the wrong types, huge and empty values, NUL, lone surrogates,
direction controls, over-long ids, and a valid payload with some of its fields spoiled.

Text may hold lone surrogates, which no codec writes: ``wire`` puts text on the wire as a
sloppy client would (UTF-8 with the surrogates' own bytes, ``surrogatepass``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

NUL = "\x00"
LONE_SURROGATES = ("\ud800", "\udbff", "\udc00", "\udfff")
# U+202A-U+202E and U+2066-U+2069: embeddings, overrides and isolates.
BIDI_CONTROLS = tuple("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters that have broken parsers and databases elsewhere: separators, quotes, digits of
# other scripts (which Python's isdigit takes), a BOM, a marker of right-to-left, an emoji.
AWKWARD = (
    NUL, "\r", "\n", "\t", " ", "%", "&", "=", "+", ";", ",", "'", '"', "\\", "/", ".", "<", ">",
    "\ufeff", "\u200f", "\uffff", "\U0001f600", "٣", "۴", "²", "½", "ـ", "ی", "ي", "\x7f", "\x1b",
)  # fmt: skip
ODD_CHARACTERS = st.sampled_from((*LONE_SURROGATES, *BIDI_CONTROLS, *AWKWARD))
# Lengths past every limit the routes have: ids (128), names (100), Python's int() (4300).
HUGE_LENGTHS = (129, 300, 4301, 70_000)

SHORT_ODD_TEXT = st.text(st.one_of(st.characters(), ODD_CHARACTERS), max_size=24)
HUGE_TEXT = st.builds(
    lambda unit, length: (unit * length)[:length],
    st.one_of(
        st.sampled_from(("A", "9", "\u202e", NUL, "\ud800", "ی")), SHORT_ODD_TEXT.filter(bool)
    ),
    st.sampled_from(HUGE_LENGTHS),
)
# Text of every kind a field may be sent: empty, short and odd, huge.
odd_text = st.one_of(
    st.sampled_from(("", " ", NUL, "\ud800", "\u202e", "null", "0", "-1", "9" * 40)),
    SHORT_ODD_TEXT,
    HUGE_TEXT,
)

# Numbers past every column and every float: int64's edges, beyond, negatives, floats.
odd_numbers = st.one_of(
    st.sampled_from((0, -1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, 10**400)),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)


def _json_leaves() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), odd_numbers, odd_text)


# Any JSON value, nested a little.
json_values = st.recursive(
    _json_leaves(),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(SHORT_ODD_TEXT, inner, max_size=3)
    ),
    max_leaves=6,
)

_DELETE = object()


def spoiled(payload: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``payload`` with up to three of its fields (at any depth) given a value of any type or
    removed: the shape a route expects, wrong in a few places, so the fuzz gets past the first
    ``isinstance``."""
    paths = list(_paths(payload))
    changes = st.lists(
        st.tuples(st.sampled_from(paths), st.one_of(json_values, st.just(_DELETE))),
        min_size=1,
        max_size=3,
    )
    return changes.map(lambda chosen: _changed(payload, chosen))


def _paths(node: Any, prefix: tuple = ()) -> Any:
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))


def _changed(payload: Mapping[str, Any], changes: list[tuple[tuple, Any]]) -> dict[str, Any]:
    result = json.loads(json.dumps(payload))
    for path, value in changes:
        node = result
        for key in path[:-1]:
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
        else:
            if isinstance(node, dict):
                if value is _DELETE:
                    node.pop(path[-1], None)
                else:
                    node[path[-1]] = value
    return result


def wire(text: str) -> bytes:
    """``text`` as bytes on the wire, lone surrogates and all."""
    return text.encode("utf-8", "surrogatepass")


def percent(text: str) -> str:
    """``text`` percent-encoded for a path segment or a query value."""
    return quote(wire(text), safe="")


def query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{percent(name)}={percent(value)}" for name, value in pairs)


def json_bytes(value: Any) -> bytes:
    # json.dumps writes a lone surrogate as \\ud800, as any prober's JSON library would.
    return json.dumps(value).encode()


# What a proxy in front passes of a request line or a header line (nginx's 8 KB buffers).
# aiohttp's own limit is 8190 bytes, and its parser logs a longer line at ERROR, with a
# traceback, before any of our code runs: left to the proxy.
LINE_MAX_BYTES = 8000


def header_value(text: str) -> str:
    """``text`` as a header can carry it: its UTF-8 bytes read as Latin-1, without the control
    characters the client itself refuses to send, and no longer than a proxy passes."""
    raw = wire(text).decode("latin-1")
    # Each of these characters is one or two bytes of UTF-8 on the wire.
    return "".join(ch for ch in raw if ch == "\t" or " " <= ch != "\x7f")[: LINE_MAX_BYTES // 2]


def within_a_line(path: str) -> str:
    """A percent-encoded path and query cut to what a proxy passes, never inside an escape."""
    if len(path) <= LINE_MAX_BYTES:
        return path
    return re.sub(r"%[0-9A-Fa-f]?$", "", path[:LINE_MAX_BYTES])


CONTENT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=b",
    "multipart/form-data",
    "text/plain; charset=utf-16",
    "application/octet-stream",
    "application/json; charset=latin-1",
    "",
)
BROKEN_MULTIPART = (
    b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nvalue\r\n--b-garbage',
    b"--b\r\n\xff\r\n",
    b'--b\r\nContent-Disposition: form-data; name="action"; filename="\xff\x00.exe"\r\n'
    b"Content-Type: application/x-msdownload\r\n\r\nMZ\x00\x00\r\n--b--\r\n",
)

# Bodies of any kind, each with a content type that may or may not match it.
raw_bodies = st.tuples(
    st.one_of(
        st.binary(max_size=256),
        st.sampled_from((b"", b"\x00", b"\xff\xfe", b"{", b"[]", b"null", *BROKEN_MULTIPART)),
        json_values.map(json_bytes),
        st.lists(st.tuples(odd_text, odd_text), max_size=4).map(lambda p: query(p).encode()),
        st.sampled_from((b"A" * (1024 * 1024 + 1), b"9" * 5000)),
    ),
    st.sampled_from(CONTENT_TYPES),
)

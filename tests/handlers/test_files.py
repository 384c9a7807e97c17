"""Files the bot sends, behind signed links: the bytes with their type and name to whoever
holds a link, nothing to whoever changed, forged or kept it too long."""

from __future__ import annotations

import stat
from datetime import timedelta
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.files import DiskFileStore
from bot.app import HUB
from bot.config import BotSettings
from bot.dialogs.contract import Attachment
from bot.handlers import files
from bot.handlers.files import (
    FileLinks,
    content_disposition,
    installation_secret,
    link_signature,
    link_valid,
    safe_name,
    signed_path,
)
from core.clock import FixedClock
from tests.conftest import NOW

PDF = Attachment("receipt-1001.pdf", "application/pdf", b"%PDF-1.4 the receipt")
SECRET = b"s3cret"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _with(url: str, **changes: str) -> str:
    """The link with some of its query values replaced (the signature left as it was)."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts.path + "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())


@pytest.fixture
def links(client) -> FileLinks:
    return client.app[HUB].links


async def test_a_signed_link_serves_the_bytes_with_their_type_and_name(client, links):
    url = await links.url(PDF)
    assert url.startswith("http://127.0.0.1:8080/files/")  # under ISPBOT_PUBLIC_URL's default
    response = await client.get(_path(url))
    assert response.status == 200
    assert await response.read() == PDF.data
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="receipt-1001.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Twilio may ask for the headers alone before it fetches.
    head = await client.head(_path(url))
    assert head.status == 200 and head.headers["Content-Type"] == "application/pdf"


async def test_a_persian_name_reaches_the_browser_by_rfc_5987(client, links):
    url = await links.url(Attachment("رسید ۱۰۰۱.pdf", "application/pdf", b"%PDF-1.4 fa"))
    response = await client.get(_path(url))
    assert response.status == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('inline; filename="')
    assert "filename*=UTF-8''" + quote("رسید ۱۰۰۱.pdf", safe="") in disposition
    disposition.encode("latin-1")  # a header value must be plain bytes


async def test_a_changed_forged_or_expired_link_is_refused(client, links, clock):
    url = await links.url(PDF)
    other = await links.url(Attachment("b.pdf", "application/pdf", b"%PDF-1.4 another file"))
    other_key = urlsplit(other).path.split("/")[2]
    refused = [
        _with(url, s="A" * 22),  # forged
        _with(url, t="text/html"),  # the same file as a page of ours
        _with(url, e=str(int(NOW.timestamp()) + 365 * 86400)),  # kept longer
        _with(url, e="²"),  # a digit to str.isdigit, not to int()
        _path(url).replace(urlsplit(url).path.split("/")[2], other_key),  # another file
        _path(url).replace("receipt-1001.pdf", "invoice.pdf"),  # under another name
        urlsplit(url).path,  # no signature at all
    ]
    for path in refused:
        response = await client.get(path)
        assert response.status == 403, path
    assert (await client.get(_path(url))).status == 200

    clock.advance(timedelta(days=7, seconds=1))
    assert (await client.get(_path(url))).status == 403


async def test_a_file_that_is_not_stored_is_not_found(client, links, clock):
    expires = int(clock.now().timestamp()) + 3600
    path = signed_path(links.secret, "mem999", expires, "application/pdf", "x.pdf")
    assert (await client.get(path)).status == 404


async def test_no_path_leads_out_of_the_store(tmp_path, clock):
    """Keys are names the store made, never paths, whatever the link says and even signed."""
    (tmp_path / "secret.txt").write_text("not for download")
    store_root = tmp_path / "files"
    settings = BotSettings(_env_file=None, files_dir=str(store_root), file_link_secret="k")
    links = FileLinks(settings, DiskFileStore(store_root), clock)
    app = web.Application()
    files.setup(app, links)
    expires = int(clock.now().timestamp()) + 3600
    async with TestClient(TestServer(app)) as client:
        stored = await links.url(PDF)
        assert await (await client.get(_path(stored))).read() == PDF.data
        for key in ("..", "../secret.txt", "..%2Fsecret.txt", "%2e%2e", "a.b", "%00"):
            query = signed_path(links.secret, unquote(key), expires, "text/plain", "x")
            response = await client.get(f"/files/{key}/x?" + query.split("?", 1)[1])
            assert response.status == 404, key
            assert b"not for download" not in await response.read()


async def test_a_file_that_could_run_in_our_origin_is_downloaded_not_shown(client, links):
    url = await links.url(Attachment("notes.html", "text/html", b"<script>alert(1)</script>"))
    response = await client.get(_path(url))
    assert response.headers["Content-Type"] == "text/html"
    assert response.headers["Content-Disposition"] == 'attachment; filename="notes.html"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_without_a_setting_each_installation_makes_its_own_secret_once(tmp_path):
    settings = BotSettings(_env_file=None, files_dir=str(tmp_path / "files"))
    first = installation_secret(settings)
    assert len(first) >= 32 and installation_secret(settings) == first
    kept = tmp_path / "files" / files.SECRET_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "files").iterdir()] == [files.SECRET_FILE]
    # Another process on the same files (a worker) signs links the web app accepts.
    clock = FixedClock(NOW)
    worker = FileLinks(settings, DiskFileStore(tmp_path / "files"), clock)
    web_app = FileLinks(settings, DiskFileStore(tmp_path / "files"), clock)
    assert worker.secret == web_app.secret

    other = BotSettings(_env_file=None, files_dir=str(tmp_path / "other"))
    assert installation_secret(other) != first
    given = BotSettings(_env_file=None, files_dir=str(tmp_path / "set"), file_link_secret="abc")
    assert installation_secret(given) == b"abc"
    assert not (tmp_path / "set").exists()


@pytest.mark.parametrize(
    ("changed", "valid"),
    [
        ({}, True),
        ({"key": "def"}, False),
        ({"expires": 2001}, False),
        ({"content_type": "text/html"}, False),
        ({"name": "b.pdf"}, False),
        ({"secret": b"other"}, False),
        ({"now": 2000}, True),  # good to the second it names
        ({"now": 2001}, False),
    ],
)
def test_a_signature_holds_for_exactly_what_it_signed(changed, valid):
    signed = {"key": "abc", "expires": 2000, "content_type": "application/pdf", "name": "a.pdf"}
    signature = link_signature(SECRET, *signed.values())
    checked = signed | {k: v for k, v in changed.items() if k not in ("secret", "now")}
    secret = changed.get("secret", SECRET)
    now = changed.get("now", 1000)
    assert link_valid(secret, *checked.values(), signature, now) is valid


@pytest.mark.parametrize(
    ("name", "inline", "header"),
    [
        ("receipt-7.pdf", True, 'inline; filename="receipt-7.pdf"'),
        ("photo 1.png", False, 'attachment; filename="photo 1.png"'),
        (
            "Résumé.pdf",
            True,
            "inline; filename=\"Resume.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf",
        ),
        (
            "رسید.pdf",
            True,
            "inline; filename=\"file.pdf\"; filename*=UTF-8''%D8%B1%D8%B3%DB%8C%D8%AF.pdf",
        ),
        ('a";b.pdf', True, "inline; filename=\"a__b.pdf\"; filename*=UTF-8''a%22%3Bb.pdf"),
    ],
)
def test_content_disposition_names_the_file_for_every_client(name, inline, header):
    assert content_disposition(name, inline=inline) == header


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("receipt.pdf", "receipt.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a\\b\nc.png", "a_b_c.png"),
        ("..", "file"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
        ("y" * 300, "y" * 100),
    ],
)
def test_a_name_becomes_one_path_segment(given, safe):
    assert safe_name(given) == safe

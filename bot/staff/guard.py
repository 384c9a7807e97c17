"""Every request to the console passes here: its session (the console's cookie, never the web
chat's), the member and the language, the CSRF token of every POST, the role a page needs,
security headers, and a page in words, never a traceback, for whatever goes wrong."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from urllib.parse import quote

from aiohttp import web

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Texts, resolve_language
from bot.staff.context import CSRF, SESSION, SESSIONS, STAFF, STAFF_SETTINGS, TEXTS, current_texts
from bot.staff.messages import error_message, message
from bot.staff.rendering import render, texts_for
from bot.staff.sessions import COOKIE, LOGIN_COOKIE, PATH
from core.errors import DomainError, Forbidden, InvalidInput, NotFound
from core.staff.queries import active_member
from core.staff.roles import Permission

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY_HEADERS = {
    # Everything the pages use is served from here: no inline script, no other origin.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def login_language(request: web.Request) -> str:
    """Before login: the language asked for (``?lang=``), else the browser's first known one."""
    asked = resolve_language(request.query.get("lang"))
    if asked:
        return asked
    for part in request.headers.get("Accept-Language", "").split(","):
        known = resolve_language(part.split(";")[0])
        if known:
            return known
    return DEFAULT_LANGUAGE


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    sessions = request.app[SESSIONS]
    session = await sessions.find(request.cookies.get(COOKIE, ""))
    staff = await active_member(session.staff_id) if session is not None else None
    if session is not None and staff is None:  # the account was turned off meanwhile
        await sessions.end(session.id)
        session = None
    request[SESSION], request[STAFF] = session, staff
    request[CSRF] = session.csrf if session else request.cookies.get(LOGIN_COOKIE, "")
    language = session.language if session else login_language(request)
    request[TEXTS] = texts_for(request, language if language in LANGUAGES else "en")
    try:
        if request.method not in _SAFE_METHODS and not await _csrf_ok(request):
            response: web.StreamResponse = error_page(request, 403, "csrf")
        else:
            response = await handler(request)
    except web.HTTPRedirection:
        raise
    except web.HTTPException as http:
        response = error_page(request, http.status, _code_of(http.status))
    except NotFound as missing:
        response = error_page(request, 404, missing.code, missing)
    except Forbidden as refused:
        response = error_page(request, 403, refused.code, refused)
    except DomainError as error:
        response = error_page(request, 400, error.code, error)
    except Exception:
        log.exception("staff console: %s %s failed", request.method, request.path)
        response = error_page(request, 500, "server_error")
    if not request.path.startswith((f"{PATH}/static/", f"{PATH}/fonts/")):
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = "no-store"
    return response


def _code_of(status: int) -> str:
    return {403: "forbidden", 404: "not_found"}.get(
        status, "server_error" if status >= 500 else "bad_request"
    )


async def _csrf_ok(request: web.Request) -> bool:
    expected = request[CSRF]
    if not expected:
        return False
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.content_type == "application/x-www-form-urlencoded":
        try:
            form = await request.post()
        except (ValueError, UnicodeDecodeError):
            return False
        field = form.get(CSRF_FIELD, "")
        sent = field if isinstance(field, str) else ""
    return hmac.compare_digest(sent.encode(), expected.encode())


def error_page(
    request: web.Request, status: int, code: str, error: DomainError | None = None
) -> web.Response:
    texts = current_texts(request)
    text = error_message(texts, error) if error is not None else message(texts, code)
    return render(request, "error.html", {"status": status, "message": text}, status=status)


def requires(permission: Permission) -> Callable[[Handler], Handler]:
    """The page or action needs a logged-in member whose role has ``permission``: others are
    sent to the login page (GET) or refused (403)."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            staff = request.get(STAFF)
            if staff is None:
                if request.method == "GET":
                    raise web.HTTPSeeOther(f"{PATH}/login?next={quote(request.path_qs, safe='/')}")
                return error_page(request, 403, "forbidden")
            if not staff.may(permission):
                return error_page(request, 403, "forbidden")
            return await handler(request)

        return guarded

    return decorate


def safe_next(target: str | None) -> str:
    """Where to go after a form: a console page, never another site."""
    if target and target.startswith(f"{PATH}/") and "\\" not in target and "//" not in target:
        return target
    return f"{PATH}/"


def cookie_secure(request: web.Request) -> bool:
    return request.app[STAFF_SETTINGS].base_url.startswith("https://")


def field_errors(texts: Texts, error: InvalidInput) -> dict[str, str]:
    """An InvalidInput's message under the form field it names (``field``), else under ""."""
    return {str(error.details.get("field", "")): error_message(texts, error)}

"""Logging in and out of the console, and the language a member works in."""

from __future__ import annotations

from aiohttp import web

from bot.i18n import LANGUAGES
from bot.staff.context import (
    CSRF,
    SESSION,
    SESSIONS,
    STAFF,
    TEXTS,
    actor,
    member,
    services,
    session,
)
from bot.staff.guard import cookie_secure, requires, safe_next
from bot.staff.messages import error_message, message
from bot.staff.rendering import render
from bot.staff.sessions import COOKIE, LOGIN_COOKIE, PATH, new_token
from core.errors import DomainError
from core.staff.roles import Permission

routes = web.RouteTableDef()

# A password field this long is no password: refused before it costs a hash.
MAX_FIELD = 256


@routes.get("/login")
async def login_page(request: web.Request) -> web.StreamResponse:
    if request.get(STAFF) is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    return _login_form(request, {"next": safe_next(request.query.get("next"))}, 200)


@routes.post("/login")
async def log_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username, password, code = (
        str(form.get(name, ""))[:MAX_FIELD] for name in ("username", "password", "code")
    )
    target = safe_next(str(form.get("next", "")))
    texts = request[TEXTS]
    if not username.strip() or not password:
        error = message(texts, "bad_request")
        return _login_form(request, {"form": error, "username": username, "next": target}, 400)
    try:
        staff = await services(request).accounts.authenticate(username, password, code)
    except DomainError as refused:
        status = 429 if refused.code == "login_locked" else 401
        shown = {"form": error_message(texts, refused), "username": username, "next": target}
        return _login_form(request, shown, status)
    started = await request.app[SESSIONS].start(staff.id, staff.language.value)
    response = web.HTTPSeeOther(target)
    response.set_cookie(
        COOKIE,
        started.id,
        path=PATH,
        httponly=True,
        secure=cookie_secure(request),
        samesite="Strict",
    )
    response.del_cookie(LOGIN_COOKIE, path=PATH)
    raise response


def _login_form(request: web.Request, shown: dict[str, str], status: int) -> web.Response:
    """The login form, with what was typed (never the password) and the error, if any."""
    token = request.cookies.get(LOGIN_COOKIE) or new_token()
    request[CSRF] = token
    response = render(
        request,
        "login.html",
        {
            "error": shown.get("form", ""),
            "username": shown.get("username", ""),
            "next": shown.get("next", safe_next(None)),
        },
        status=status,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        path=PATH,
        httponly=True,
        secure=cookie_secure(request),
        samesite="Strict",
    )
    return response


@routes.post("/logout")
async def log_out(request: web.Request) -> web.StreamResponse:
    found = request.get(SESSION)
    if found is not None:
        await request.app[SESSIONS].end(found.id)
    response = web.HTTPSeeOther(f"{PATH}/login")
    response.del_cookie(COOKIE, path=PATH)
    raise response


@routes.post("/language")
@requires(Permission.VIEW_DASHBOARD)
async def set_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    language = str(form.get("language", ""))
    if language not in LANGUAGES:
        raise DomainError("unknown_language")
    if await request.app[SESSIONS].set_language(session(request), language) is None:
        raise web.HTTPSeeOther(f"{PATH}/login")  # logged out meanwhile: nothing to change
    await services(request).accounts.set_language(actor(request), member(request).id, language)
    raise web.HTTPSeeOther(safe_next(str(form.get("next", ""))))

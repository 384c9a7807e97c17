"""The console's pages: Jinja2 templates (aiohttp-jinja2) with gettext installed
(``jinja2.ext.i18n``), so templates mark their words with ``_()`` and ``ngettext()``, which
``make locales-update`` extracts (babel.cfg). Each request renders in its member's language
through the catalogs the chat uses, with its digits, calendar and direction (bot/i18n.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup

from bot.i18n import LANGUAGES, Texts, translator
from bot.staff.context import CSRF, STAFF, STAFF_SETTINGS, current_texts
from bot.staff.labels import label
from core.staff.roles import Permission

TEMPLATES = Path(__file__).resolve().parent / "templates"

# How each language names itself in the language switch.
LANGUAGE_NAMES = {"fa": "فارسی", "id": "Bahasa Indonesia", "en": "English"}


def setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    # Overridden per page (``_request_context``): English if a template renders without one.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals["LANGUAGES"] = LANGUAGES
    env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    env.globals["P"] = Permission


def texts_for(request: web.Request, language: str) -> Texts:
    settings = request.app[STAFF_SETTINGS]
    return translator(language, zone=settings.timezone, money_in_toman=settings.money_in_toman)


def _gettext_of(texts: Texts) -> tuple[Callable[..., str], Callable[..., str]]:
    """``_``/``gettext`` and ``ngettext`` as Jinja's newstyle gettext works: the translated
    string filled with its ``%(name)s`` values, escaped (a value cannot inject markup). Numbers
    among the values come out in the language's digits."""

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, message: str, **values: Any) -> str:
        return _fill(context, texts.catalog.gettext(message), texts, values)

    @jinja2.pass_context
    def ngettext(
        context: jinja2.runtime.Context, singular: str, plural: str, n: int, **values: Any
    ) -> str:
        values.setdefault("num", n)
        return _fill(context, texts.catalog.ngettext(singular, plural, n), texts, values)

    return gettext, ngettext


def _fill(
    context: jinja2.runtime.Context, text: str, texts: Texts, values: Mapping[str, Any]
) -> str:
    if context.eval_ctx.autoescape:
        text = Markup(text)
    if not values:
        return text
    shown = {
        name: texts.number(value)
        if isinstance(value, int) and not isinstance(value, bool)
        else value
        for name, value in values.items()
    }
    return text % shown


def _request_context(request: web.Request) -> dict[str, Any]:
    # Built when a page renders, after the guard (bot/staff/guard.py) has found the member and
    # their language: aiohttp-jinja2's context processors would run before it.
    texts = current_texts(request)
    gettext, ngettext = _gettext_of(texts)
    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "t": texts,
        "lang": texts.language,
        "dir": texts.direction,
        "request": request,
        "me": request.get(STAFF),
        "csrf": request.get(CSRF, ""),
        "label": functools.partial(label, texts),
        "section": "",
    }


def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(
        template, request, {**_request_context(request), **context}, status=status
    )

"""The admin API as a sub-application mounted at ``/api/v1``."""

from __future__ import annotations

from aiohttp import web

from bot.admin.api import alerts, card_charges, catalog, documents, faq, outbox, subscribers
from bot.admin.api.context import API, ApiContext
from bot.admin.api.spec import openapi_document, register
from bot.admin.api.views import require_token, view
from bot.wiring import Wiring

PREFIX = "/api/v1"
OPERATIONS = [
    *subscribers.OPERATIONS,
    *catalog.OPERATIONS,
    *alerts.OPERATIONS,
    *documents.OPERATIONS,
    *outbox.OPERATIONS,
    *faq.OPERATIONS,
    *card_charges.OPERATIONS,
]


def build_api(wiring: Wiring) -> web.Application:
    api = web.Application(middlewares=[require_token])
    api[API] = ApiContext.of(wiring)
    register(api, OPERATIONS, view)
    document = openapi_document(OPERATIONS, PREFIX)

    async def openapi(_request: web.Request) -> web.Response:
        return web.json_response(document)

    api.router.add_get("/openapi.json", openapi)
    return api


def setup(app: web.Application, wiring: Wiring) -> None:
    app.add_subapp(PREFIX, build_api(wiring))

"""The operational endpoints and the request middleware: ``/healthz`` (the process answers),
``/readyz`` (the database and Redis answer), ``/metrics`` (Prometheus); and the worker's own
small server of ``/healthz`` and ``/metrics`` (a worker serves nothing else over HTTP)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.observability.context import bound, new_request_id
from bot.observability.metrics import CONTENT_TYPE, DialogErrorCounter, Metrics
from core.db import ping

log = logging.getLogger(__name__)

METRICS = web.AppKey("metrics", Metrics)
READY_TIMEOUT_SECONDS = 2.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every request runs under an id (the proxy's ``X-Request-Id`` or a new one) that its log
    lines carry and its response returns; it is timed per route."""
    rid = new_request_id(request.headers.get("X-Request-Id"))
    auth = request.headers.get("Authorization") or ""
    started = time.perf_counter()
    status = 500
    with bound(rid, [auth, auth.rpartition(" ")[2], request.cookies.get("ispbot_chat")]):
        try:
            response = await handler(request)
            status = response.status
        except web.HTTPException as exc:
            status = exc.status
            exc.headers["X-Request-Id"] = rid
            raise
        finally:
            route = request.match_info.route.resource
            name = route.canonical if route is not None else "unmatched"
            request.app[METRICS].http_seconds.labels(name, str(status)).observe(
                time.perf_counter() - started
            )
    if not response.prepared:
        response.headers["X-Request-Id"] = rid
    return response


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def readyz_handler(redis_url: str | None) -> Handler:
    async def readyz(_request: web.Request) -> web.Response:
        checks = {
            "database": await _check(_database_answers),
            "redis": await _check(lambda: _redis_answers(redis_url)) if redis_url else "unused",
        }
        ready = all(value in ("ok", "unused") for value in checks.values())
        return web.json_response(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status=200 if ready else 503,
        )

    return readyz


async def _check(probe: Callable[[], Awaitable[None]]) -> str:
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await probe()
    except Exception as exc:
        log.warning("readiness check failed: %s", type(exc).__name__)
        return "failing"
    return "ok"


async def _database_answers() -> None:
    await ping()


async def _redis_answers(url: str | None) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url or "", socket_connect_timeout=READY_TIMEOUT_SECONDS)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def metrics_endpoint(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    try:
        await metrics.refresh_from_database()
    except Exception as exc:  # the counters are still worth serving without the gauges
        log.warning("metrics: the database gauges could not be read: %s", type(exc).__name__)
    return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})


def setup(app: web.Application, metrics: Metrics, redis_url: str | None) -> None:
    """Routes, middleware, and the count of dialog errors for the app's lifetime."""
    app[METRICS] = metrics
    app.middlewares.append(request_context)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz_handler(redis_url))
    app.router.add_get("/metrics", metrics_endpoint)

    async def count_dialog_errors(_app: web.Application):
        counter = DialogErrorCounter(metrics)
        logger = logging.getLogger("bot.dialogs")
        logger.addHandler(counter)
        yield
        logger.removeHandler(counter)

    app.cleanup_ctx.append(count_dialog_errors)


def metrics_app(metrics: Metrics) -> web.Application:
    """The worker's endpoints: its counters and the database's gauges."""
    app = web.Application()
    app[METRICS] = metrics
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    return app


async def serve_metrics(metrics: Metrics, host: str, port: int) -> web.AppRunner:
    """Start serving ``metrics_app`` on ``host:port``; the caller cleans the runner up."""
    runner = web.AppRunner(metrics_app(metrics), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("metrics served on http://%s:%d/metrics", host, port)
    return runner

"""``ispbot serve`` and ``ispbot worker``: the long-running processes."""

from __future__ import annotations

import asyncio
import gc
import logging

import click

from bot.cli.context import pass_settings
from bot.config import BotSettings

log = logging.getLogger(__name__)


@click.command("serve", help="serve the web chat and the payment pages")
@click.option(
    "--telegram-polling",
    is_flag=True,
    help="read Telegram by long polling instead of the webhook (no public URL needed)",
)
@pass_settings
def serve_command(settings: BotSettings, telegram_polling: bool) -> None:
    from aiohttp import web

    from bot.app import init_app
    from bot.bootstrap import bootstrap
    from bot.observability.logs import AccessLog, configure_logging

    configure_logging(settings.log_level, library_level=settings.library_log_level)
    if telegram_polling:
        settings = settings.model_copy(update={"telegram_polling": True})
    loop = _event_loop()
    log.info("event loop: %s", type(loop).__module__.split(".")[0])
    log.info("open files allowed: %s", allow_open_files())
    log.info("garbage collector thresholds: %s", tune_collector(settings.gc_thresholds))
    click.echo(f"ispbot: the web chat is at {settings.base_url}/")
    web.run_app(
        init_app(bootstrap(settings)),
        host=settings.host,
        port=settings.port,
        print=None,
        loop=loop,
        access_log_class=AccessLog,
        backlog=ACCEPT_BACKLOG,
    )


# Connections the kernel keeps waiting for the process to accept (the kernel caps it at
# net.core.somaxconn). aiohttp's 128 overflows when updates arrive at three times capacity on
# connections of their own: the kernel then drops the client's SYN and the client tries again
# after 1 s, 3 s, 7 s (bench/refusals.py: connect p99 3.1 s), a refusal the process never saw.
ACCEPT_BACKLOG = 4096


# The most open files asked for when the hard limit is "unlimited" (Linux's fs.nr_open).
MOST_OPEN_FILES = 1_048_576


def allow_open_files() -> int:
    """Raise this process's soft limit of open files to its hard limit, and return it. Each
    web chat's socket and each webhook connection takes one, and the usual soft limit (1,024
    under systemd and most shells) would stop the process near 1,000 open web chats, where
    its memory allows ten times that (bench/webchat_sessions.py)."""
    try:
        import resource
    except ImportError:  # Windows: no such limit
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MOST_OPEN_FILES if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError) as error:
            log.warning("could not raise the open files allowed from %s: %r", soft, error)
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def tune_collector(thresholds: tuple[int, int, int]) -> tuple[int, int, int]:
    """Set the garbage collector's thresholds (``ISPBOT_GC_THRESHOLDS``, bot/config.py says
    why), and return them."""
    gc.set_threshold(*thresholds)
    return gc.get_threshold()


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (a dependency except on Windows), asyncio's loop else."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


@click.command("worker", help="run the scheduled alerts and send the outbox (arq, Redis)")
@pass_settings
def worker_command(settings: BotSettings) -> None:
    from bot.bootstrap import bootstrap
    from bot.observability.logs import configure_logging
    from bot.worker import build_worker

    configure_logging(settings.log_level, library_level=settings.library_log_level)
    build_worker(bootstrap(settings, process="worker")).run()

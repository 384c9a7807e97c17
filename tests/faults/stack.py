"""A private production stack for fault injection and the soak benchmark: a PostgreSQL cluster
and a Redis server of its own (so restarting them disturbs nobody else on the machine), the
providers' local fakes served in the caller's event loop, and ``ispbot serve`` and ``ispbot
worker`` as real processes pointed at all of them through their settings.

    async with Stack(tmp_path) as stack:
        serve = await stack.serve()
        await serve.kill()        # kill -9
        await serve.start()       # the same command again
        await stack.postgres.restart()

Nothing here asserts: the tests and the benchmark read the fakes' records and the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes_payments import FakeMidtrans, FakeStripe, FakeZarinPal, serving
from tests.fakes_telegram import TOKEN, FakeBotApi
from tests.fakes_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

ROOT = Path(__file__).resolve().parents[2]
ISPBOT = str(Path(sys.executable).with_name("ispbot"))
WEBHOOK_SECRET = "faults-webhook-secret"
SMS_FROM = "+15005550006"
WHATSAPP_FROM = "+15005550007"
# Long enough for a process to start on a loaded machine with 2 cores.
START_WITHIN_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_until_listening(
    port: int, within: float, process: asyncio.subprocess.Process | None = None
) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if process is not None and process.returncode is not None:
            raise RuntimeError(f"process {process.pid} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {within} s")


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL's server refuses to run as root: as root, run it as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def postgres_tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is missing (PostgreSQL's server package)")
    return path


class PrivatePostgres:
    """A cluster of its own (initdb) on a free port, trust authentication, in a directory of
    its own under the system's temporary directory (as root, the server runs as the postgres
    user, who cannot enter pytest's private tmp_path); removed when stopped."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="ispbot-faults-postgres-"))
        self.data = self.directory / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/ispbot"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        done = subprocess.run(_as_postgres(list(args)), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}\n{done.stderr}")

    def _ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        log = str(self.directory / "postgres.log")
        self._run(postgres_tool("pg_ctl"), action, "-D", str(self.data), "-o", options, "-l", log,
                  "-w", *extra)  # fmt: skip

    async def start(self) -> None:
        if not self.data.exists():
            if os.geteuid() == 0:
                shutil.chown(self.directory, "postgres", "postgres")
            await asyncio.to_thread(
                self._run, postgres_tool("initdb"), "-D", str(self.data), "-A", "trust",
                "-U", "postgres", "--no-sync", "-E", "UTF8",
            )  # fmt: skip
        await asyncio.to_thread(self._ctl, "start")
        await self._create_database()

    async def _create_database(self) -> None:
        import asyncpg

        admin = await asyncpg.connect(self.admin_dsn)
        try:
            if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = 'ispbot'"):
                await admin.execute('CREATE DATABASE "ispbot"')
        finally:
            await admin.close()

    async def restart(self) -> None:
        """``pg_ctl restart -m fast``, as ``pg_ctlcluster restart`` does: every connection of
        every process is cut, and the server is back a moment later."""
        await asyncio.to_thread(self._ctl, "restart", "-m", "fast")

    async def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            await asyncio.to_thread(self._ctl, "stop", "-m", "immediate")

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


class PrivateRedis:
    """A Redis server of its own on a free port, with its append-only file in ``directory``
    (as production keeps one): a restart keeps what was written."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(self.directory),
                "--logfile", str(self.directory / "redis.log")]  # fmt: skip
        self.process = await asyncio.create_subprocess_exec(
            *args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        await wait_until_listening(self.port, 10, self.process)

    async def stop(self) -> None:
        """SHUTDOWN, as a service manager stops it (the append-only file is flushed)."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            await self.process.wait()

    async def restart(self, down_seconds: float = 0.0) -> None:
        await self.stop()
        await asyncio.sleep(down_seconds)
        await self.start()


class IspbotProcess:
    """``ispbot serve`` or ``ispbot worker``: started, killed (-9) and started again."""

    def __init__(self, command: str, env: dict[str, str], port: int, log: Path) -> None:
        self.command = command
        self.env = env
        self.port = port  # the web app's port, or the worker's metrics port
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> IspbotProcess:
        self.starts += 1
        with self.log.open("a") as out:
            self.process = await asyncio.create_subprocess_exec(
                ISPBOT,
                self.command,
                env={**os.environ, **self.env},
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        await wait_until_listening(self.port, START_WITHIN_SECONDS, self.process)
        return self

    async def kill(self) -> None:
        """kill -9: no cleanup, no answer to what is in flight."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def stop(self) -> None:
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(15):
                    await self.process.wait()
            except TimeoutError:
                await self.kill()


class Stack:
    """Everything a fault test or the soak runs against; an async context manager."""

    def __init__(self, directory: Path, **settings: str) -> None:
        self.directory = directory
        self.postgres = PrivatePostgres()
        self.redis = PrivateRedis(directory / "redis")
        self.telegram = FakeBotApi()
        self.twilio = FakeTwilio()
        self.zarinpal, self.midtrans, self.stripe = FakeZarinPal(), FakeMidtrans(), FakeStripe()
        self.serve_port = free_port()
        self.worker_port = free_port()
        self.settings = settings
        self.processes: list[IspbotProcess] = []
        self.serve_process: IspbotProcess | None = None
        self._exit = contextlib.AsyncExitStack()

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.serve_port}"

    def env(self) -> dict[str, str]:
        """The settings of both processes: every provider is one of the local fakes."""
        return {
            "ISPBOT_DATABASE_URL": self.postgres.url,
            "ISPBOT_REDIS_URL": self.redis.url,
            "ISPBOT_HOST": "127.0.0.1",
            "ISPBOT_PORT": str(self.serve_port),
            "ISPBOT_PUBLIC_URL": self.public_url,
            "ISPBOT_FILES_DIR": str(self.directory / "files"),
            "ISPBOT_LOG_LEVEL": "WARNING",
            "ISPBOT_TELEGRAM_TOKEN": TOKEN,
            "ISPBOT_TELEGRAM_API_BASE": self.telegram.base_url,
            "ISPBOT_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "ISPBOT_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "ISPBOT_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "ISPBOT_TWILIO_API_BASE": self.twilio.url,
            "ISPBOT_TWILIO_SMS_FROM": SMS_FROM,
            "ISPBOT_TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "ISPBOT_ZARINPAL_MERCHANT_ID": self.zarinpal.merchant_id,
            "ISPBOT_ZARINPAL_API_BASE": self.zarinpal.base_url,
            "ISPBOT_MIDTRANS_SERVER_KEY": self.midtrans.server_key,
            "ISPBOT_MIDTRANS_SNAP_BASE": self.midtrans.base_url,
            "ISPBOT_MIDTRANS_API_BASE": self.midtrans.base_url,
            "ISPBOT_STRIPE_SECRET_KEY": self.stripe.secret_key,
            "ISPBOT_STRIPE_WEBHOOK_SECRET": self.stripe.webhook_secret,
            "ISPBOT_STRIPE_API_BASE": self.stripe.base_url,
            "ISPBOT_WORKER_METRICS_PORT": str(self.worker_port),
            # A notice claimed by a relay when PostgreSQL went away (its outcome not recorded)
            # is taken again once its lease runs out: 30 s rather than 5 minutes, so that the
            # tests' two minutes see it sent (once: its record is conditional).
            "ISPBOT_OUTBOX_LEASE_SECONDS": "30",
            # Alerts without a time of their own go out whatever the hour the test runs at.
            "ISPBOT_ALERT_DAY_START": "00:00",
            "ISPBOT_ALERT_DAY_END": "23:59",
            "ISPBOT_ARGON2_MEMORY_KIB": "1024",
            "ISPBOT_ARGON2_TIME_COST": "1",
            **self.settings,
        }

    async def __aenter__(self) -> Stack:
        try:
            await self._enter()
        except BaseException:
            await self._exit.aclose()
            raise
        return self

    async def _enter(self) -> None:
        self._exit.push_async_callback(self._stop_processes)
        await self.telegram.start()
        self._exit.push_async_callback(self.telegram.close)
        await self.twilio.start()
        self._exit.push_async_callback(self.twilio.close)
        for fake in (self.zarinpal, self.midtrans, self.stripe):
            fake.base_url = await self._exit.enter_async_context(serving(fake.app()))
        self._exit.callback(self.postgres.remove)
        self._exit.push_async_callback(self.postgres.stop)
        self._exit.push_async_callback(self.redis.stop)
        await asyncio.gather(self.postgres.start(), self.redis.start())
        await self.ispbot("migrate")

    async def __aexit__(self, *_exc: object) -> None:
        await self._exit.aclose()

    async def _stop_processes(self) -> None:
        for process in self.processes:
            await process.kill()

    async def ispbot(self, *command: str) -> str:
        done = await asyncio.to_thread(
            subprocess.run,
            [ISPBOT, *command],
            env={**os.environ, **self.env()},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"ispbot {' '.join(command)}: {done.stdout}\n{done.stderr}")
        return done.stdout

    async def serve(self, **extra: str) -> IspbotProcess:
        self.serve_process = await self._process("serve", self.serve_port, extra)
        return self.serve_process

    async def worker(self, **extra: str) -> IspbotProcess:
        return await self._process("worker", self.worker_port, extra)

    async def _process(self, command: str, port: int, extra: dict[str, str]) -> IspbotProcess:
        process = IspbotProcess(command, {**self.env(), **extra}, port, self.log_of(command))
        self.processes.append(process)
        return await process.start()

    def log_of(self, command: str) -> Path:
        return self.directory / f"{command}.log"


async def deliver(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    retry_every: float = 0.2,
    give_up_after: float = 90.0,
    **request: Any,
) -> int:
    """A provider's delivery: sent again after a 5xx, a dropped connection or a refused one,
    until it gets an answer below 500 (Telegram, Stripe and Midtrans all redeliver so, on
    schedules of their own measured in seconds to hours: compressed here). Returns the
    attempts; raises after ``give_up_after`` seconds of failures."""
    deadline = asyncio.get_running_loop().time() + give_up_after
    attempts = 0
    while True:
        attempts += 1
        try:
            async with http.request(method, url, **request) as response:
                await response.read()
                if response.status < 500:
                    return attempts
        except (TimeoutError, aiohttp.ClientError):
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"{method} {url}: no answer below 500 after {attempts} attempts")
        await asyncio.sleep(retry_every)

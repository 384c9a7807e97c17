"""What the benchmark scripts share: processes, their CPU time and memory, percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TOKEN = "123456:BENCH-token-for-the-local-bot-api"
SECRET = "bench-webhook-secret"
# Two benchmark runs at once (two worktrees on one machine) each take ports, a database and a
# Redis namespace of their own: ISPBOT_BENCH_INSTANCE=1 moves them all by one step.
INSTANCE = int(os.environ.get("ISPBOT_BENCH_INSTANCE", "0"))
PORT_OFFSET = 100 * INSTANCE
API_PORT = 8931 + PORT_OFFSET
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def wait_port(port: int, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {within} s")


def start(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    port: int | None = None,
    log: str | None = None,
) -> subprocess.Popen:
    """A process of its own; waits until ``port`` listens."""
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 (lives with the process)
    process = subprocess.Popen(
        args, env={**os.environ, **(env or {})}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
    )
    if port is not None:
        try:
            wait_port(port)
        except RuntimeError:
            process.kill()
            raise
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_fake_api(limit: float | None = None, port: int = API_PORT) -> subprocess.Popen:
    args = [PYTHON, "bench/fake_bot_api.py", "--port", str(port)]
    if limit is not None:
        args += ["--limit", str(limit)]
    return start(args, port=port)


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}"


# ---- a database and a Redis namespace of the benchmark's own -----------------------------------

ADMIN_URL = os.environ.get(
    "ISPBOT_BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ISPBOT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def instance_name(name: str) -> str:
    """``name`` for this instance of the benchmarks (see INSTANCE)."""
    return f"{name}_{INSTANCE}" if INSTANCE else name


def database_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgres://") + "/" + name


async def create_database(name: str) -> str:
    import asyncpg

    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return database_url(name)


async def drop_database(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def drop_redis_prefix(prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        batch = []
        async for key in redis.scan_iter(match=prefix + "*", count=5000):
            batch.append(key)
            if len(batch) >= 5000:
                await redis.delete(*batch)
                batch = []
        if batch:
            await redis.delete(*batch)
    finally:
        await redis.aclose()


def ispbot(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(ROOT / ".venv/bin/ispbot"), *command],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ispbot {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def demo_database(name: str) -> Iterator[str]:
    """A PostgreSQL database of the benchmark's own with the demo's data, named in this
    process's ISPBOT_DATABASE_URL for its duration; dropped after, whatever happens."""
    database_url = asyncio.run(create_database(name))
    try:
        env = {"ISPBOT_DATABASE_URL": database_url}
        ispbot(["migrate"], env)
        ispbot(["demo"], env)
        os.environ.update(env)
        yield database_url
    finally:
        asyncio.run(drop_database(name))

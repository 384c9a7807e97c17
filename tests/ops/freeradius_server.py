"""A real FreeRADIUS server (Debian's ``freeradius`` package) for the tests: Debian's own
configuration, copied, with its sql module pointed at the per-run PostgreSQL database and one
virtual server that authorises from radcheck (PAP, expiration), accounts to radacct and logs
each login's answer to radpostauth with the stock queries.conf. Packets are sent with
``radclient``."""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEBIAN_CONFIG = Path("/etc/freeradius/3.0")
SECRET = "testing123"  # the localhost client of Debian's clients.conf

SITE = """
server default {{
    listen {{
        type = auth
        ipaddr = 127.0.0.1
        port = {auth_port}
    }}
    listen {{
        type = acct
        ipaddr = 127.0.0.1
        port = {acct_port}
    }}
    authorize {{
        preprocess
        sql
        expiration
        pap
    }}
    authenticate {{
        Auth-Type PAP {{
            pap
        }}
    }}
    preacct {{
        preprocess
        acct_unique
    }}
    accounting {{
        sql
    }}
    # The stock post-auth query logs every answer to radpostauth, refusals too (what the
    # connection check reads: core/radius/diagnosis.py).
    post-auth {{
        sql
        Post-Auth-Type REJECT {{
            sql
        }}
    }}
}}
"""

SQL = """
sql {{
    dialect = "postgresql"
    driver = "rlm_sql_${{dialect}}"
    server = "{host}"
    port = {port}
    login = "{user}"
    password = "{password}"
    radius_db = "{database}"
    acct_table1 = "radacct"
    acct_table2 = "radacct"
    postauth_table = "radpostauth"
    authcheck_table = "radcheck"
    groupcheck_table = "radgroupcheck"
    authreply_table = "radreply"
    groupreply_table = "radgroupreply"
    usergroup_table = "radusergroup"
    read_groups = no
    delete_stale_sessions = yes
    read_clients = no
    client_table = "nas"
    group_attribute = "SQL-Group"
    pool {{
        start = 1
        min = 1
        max = 2
        spare = 1
        uses = 0
        retry_delay = 1
        lifetime = 0
        idle_timeout = 60
    }}
    $INCLUDE ${{modconfdir}}/${{.:name}}/main/${{dialect}}/queries.conf
}}
"""


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(folder: Path, database_url: str) -> tuple[int, int]:
    assert DEBIAN_CONFIG.exists(), "FreeRADIUS is missing: apt-get install freeradius"
    shutil.copytree(DEBIAN_CONFIG, folder, symlinks=True)
    # Root in a test container: stay root (the copy is not readable by freerad).
    conf = folder / "radiusd.conf"
    lines = conf.read_text().splitlines()
    kept = [ln for ln in lines if ln.strip() not in ("user = freerad", "group = freerad")]
    conf.write_text("\n".join(kept) + "\n")
    # EAP needs certificates Debian generates only on first start; PAP is enough here.
    (folder / "mods-enabled" / "eap").unlink()
    for site in (folder / "sites-enabled").iterdir():
        site.unlink()
    auth_port, acct_port = _free_udp_port(), _free_udp_port()
    (folder / "sites-enabled" / "ispbot").write_text(
        SITE.format(auth_port=auth_port, acct_port=acct_port)
    )
    url = urlsplit(database_url)
    (folder / "mods-enabled" / "sql").write_text(
        SQL.format(
            host=url.hostname or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password or "",
            database=url.path.lstrip("/"),
        )
    )
    return auth_port, acct_port


@dataclass(frozen=True, slots=True)
class FreeRadius:
    auth_port: int
    acct_port: int
    log: list[str]  # the server's debug output so far

    async def logged(self, text: str) -> bool:
        """The server wrote ``text`` (already in the pipe when its reply came: read it)."""
        async with asyncio.timeout(5):
            while not any(text in line for line in self.log):  # noqa: ASYNC110 - the log is a list
                await asyncio.sleep(0.01)
        return True

    async def send(self, kind: str, attributes: dict[str, str | int]) -> str:
        """Send one packet with radclient; returns what radclient printed (the reply)."""
        port = self.acct_port if kind == "acct" else self.auth_port
        body = ", ".join(f"{name} = {value}" for name, value in attributes.items())
        process = await asyncio.create_subprocess_exec(
            "radclient",
            "-x",
            "-r",
            "1",
            "-t",
            "3",
            f"127.0.0.1:{port}",
            kind,
            SECRET,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate(body.encode())
        return out.decode()


@asynccontextmanager
async def running_freeradius(folder: Path, database_url: str) -> AsyncIterator[FreeRadius]:
    auth_port, acct_port = write_config(folder, database_url)
    process = await asyncio.create_subprocess_exec(
        "freeradius",
        "-X",
        "-d",
        str(folder),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    seen: list[str] = []
    try:
        while True:
            line = (await process.stdout.readline()).decode()
            if not line:
                raise AssertionError("FreeRADIUS did not start:\n" + "".join(seen[-40:]))
            seen.append(line)
            if "Ready to process requests" in line:
                break
        server = FreeRadius(auth_port, acct_port, seen)
        drain = asyncio.create_task(_drain(process.stdout, seen))
        yield server
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
    drain.cancel()


async def _drain(stream: asyncio.StreamReader, lines: list[str]) -> None:
    """Keep reading the debug output, so the server never blocks on a full pipe."""
    while line := await stream.readline():
        lines.append(line.decode())

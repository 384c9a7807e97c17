"""The ``ispbot`` command as a newcomer meets it: a wrong setting is one clear line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import cli, main


def run_ispbot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ISPBOT_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ISPBOT_TIMEZONE", "Mars/Olympus"),
        ("ISPBOT_VAT_PERCENT", "nine"),
        ("ISPBOT_LOCKOUT_ATTEMPTS", "0"),
        ("ISPBOT_PORT", "99999"),
        ("ISPBOT_STATIC_IP_POOL", "203.0.113.0/28,203.0.113.9-203.0.113.20"),
        ("ISPBOT_STATIC_IP_POOL", "203.0.113.300"),
        ("ISPBOT_RADIUS_READ_TIMEOUT_SECONDS", "soon"),
        ("ISPBOT_RADIUS_STALE_AFTER_MINUTES", "0"),
        ("ISPBOT_PAUSE_FEE", '{"RIAL": 500000}'),
    ],
)
def test_a_wrong_setting_stops_start_up_with_one_line_naming_it(name, value, tmp_path):
    result = run_ispbot("migrate", **{name: value, "ISPBOT_DATABASE_URL": f"sqlite://{tmp_path}/x"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0]
    assert "Traceback" not in result.stderr


def test_a_pause_fee_keyed_in_lower_case_is_the_currency_s_fee(monkeypatch):
    """Subscribers' currencies are upper case: an "irr" key must not leave pauses free."""
    from core.config import Settings

    monkeypatch.setenv("ISPBOT_PAUSE_FEE", '{"irr": 500000, " idr ": 10000}')
    assert Settings().pause_fee == {"IRR": 500000, "IDR": 10000}


def test_migrate_creates_a_sqlite_database_and_a_second_run_finds_it_up_to_date(tmp_path):
    url = f"sqlite://{tmp_path}/var/ispbot.sqlite3"
    first = run_ispbot("migrate", ISPBOT_DATABASE_URL=url)
    assert first.returncode == 0, first.stderr
    # The first run says what it did, not that nothing needed doing.
    assert "applied migration core.0001_initial" in first.stdout
    assert "up to date" not in first.stdout
    second = run_ispbot("migrate", ISPBOT_DATABASE_URL=url)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    assert "applied" not in second.stdout
    assert (tmp_path / "var" / "ispbot.sqlite3").exists()


def test_serve_runs_the_app_on_uvloop_and_answers(tmp_path):
    """``ispbot serve`` as ``make demo`` starts it: migrated SQLite, no tokens, ready at once."""
    import socket
    import time
    import urllib.request

    database = f"sqlite://{tmp_path}/serve.sqlite3"
    assert run_ispbot("migrate", ISPBOT_DATABASE_URL=database).returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ISPBOT_")}
    environment.update(
        ISPBOT_DATABASE_URL=database, ISPBOT_PORT=str(port), ISPBOT_FILES_DIR=str(tmp_path)
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "serve did not answer within 60 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "event loop: uvloop" in output
    assert "Traceback" not in output


def test_help_and_a_usage_error_need_no_settings(monkeypatch):
    monkeypatch.setenv("ISPBOT_PORT", "99999")
    runner = CliRunner()
    shown = runner.invoke(cli, ["alerts", "run", "--help"])
    assert shown.exit_code == 0
    assert "--dry-run" in shown.output
    assert runner.invoke(cli, ["import", "shoes", "x.csv"]).exit_code == 2
    assert runner.invoke(cli, ["admin", "create-token"]).exit_code == 2  # --name is required
    assert runner.invoke(cli, []).exit_code == 2  # a command is required
    stopped = runner.invoke(cli, ["migrate"])
    assert stopped.exit_code == 2
    [line] = stopped.stderr.splitlines()
    assert line.startswith("ispbot: invalid setting ISPBOT_PORT")


def test_the_token_commands_create_list_and_revoke(migrated_sqlite, monkeypatch):
    monkeypatch.setenv("ISPBOT_DATABASE_URL", migrated_sqlite)
    main(["migrate"])
    runner = CliRunner()
    created = runner.invoke(cli, ["admin", "create-token", "--name", "billing-sync"])
    assert created.exit_code == 0, created.output
    assert created.stdout.splitlines()[0] == (
        "ispbot: token 'billing-sync' created; it is shown only this once:"
    )
    token = created.stdout.splitlines()[1]
    again = runner.invoke(cli, ["admin", "create-token", "--name", "billing-sync"])
    assert again.exit_code == 2
    assert again.stderr.startswith("ispbot: token_name_taken")
    listed = runner.invoke(cli, ["admin", "list-tokens"])
    assert listed.stdout == f"billing-sync  {token[:8]}...  live  last used never\n"
    revoked = runner.invoke(cli, ["admin", "revoke-token", "--name", "billing-sync"])
    assert revoked.stdout == "ispbot: token 'billing-sync' revoked\n"
    assert "  revoked 20" in runner.invoke(cli, ["admin", "list-tokens"]).stdout
    assert runner.invoke(cli, ["admin", "revoke-token", "--name", "billing-sync"]).exit_code == 2


def test_login_link_prints_a_one_time_link_and_refuses_an_unknown_subscriber(
    tmp_path, migrated_sqlite, monkeypatch
):
    monkeypatch.setenv("ISPBOT_DATABASE_URL", migrated_sqlite)
    monkeypatch.setenv("ISPBOT_PUBLIC_URL", "https://chat.isp.example")
    main(["migrate"])
    runner = CliRunner()
    imported = tmp_path / "subscribers.csv"
    imported.write_text("username,full_name,mobile\n5120001,Sara Rahimi,09121234567\n")
    result = runner.invoke(cli, ["import", "subscribers", str(imported)])
    assert result.exit_code == 0, result.output

    printed = runner.invoke(cli, ["login-link", "5120001"])

    assert printed.exit_code == 0, printed.output
    assert "webchat: https://chat.isp.example/?login=" in printed.stdout
    assert "code (WhatsApp, SMS): LOGIN-" in printed.stdout
    unknown = runner.invoke(cli, ["login-link", "nobody"])
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("ispbot: no subscriber 'nobody'")

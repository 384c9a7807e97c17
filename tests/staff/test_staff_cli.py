"""``ispbot staff``: the first admin made on the server, a second factor set up, the list."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import cli, main


def test_staff_create_totp_and_list(migrated_sqlite, monkeypatch):
    monkeypatch.setenv("ISPBOT_DATABASE_URL", migrated_sqlite)
    monkeypatch.setenv("ISPBOT_ARGON2_MEMORY_KIB", "1024")
    main(["migrate"])
    runner = CliRunner()

    created = runner.invoke(
        cli,
        ["staff", "create", "--role", "admin", "--username", "Sara", "--password-stdin"],
        input="console-pass-1\n",
    )
    assert created.exit_code == 0, created.output
    assert created.stdout.splitlines()[0] == "ispbot: staff member 'sara' (admin) created"

    prompted = runner.invoke(
        cli,
        ["staff", "create", "--role", "agent", "--username", "ali"],
        input="agent-pass-22\nagent-pass-22\n",
    )
    assert prompted.exit_code == 0, prompted.output
    assert "agent-pass-22" not in prompted.stdout

    weak = runner.invoke(
        cli,
        ["staff", "create", "--role", "agent", "--username", "bo", "--password-stdin"],
        input="short\n",
    )
    assert weak.exit_code == 2
    assert weak.stderr.startswith("ispbot: password: password_too_weak")

    totp = runner.invoke(cli, ["staff", "totp", "sara"])
    assert totp.exit_code == 0, totp.output
    assert totp.stdout.splitlines()[1].startswith("otpauth://totp/ispbot:sara?secret=")
    assert runner.invoke(cli, ["staff", "totp", "nobody"]).exit_code == 2

    listed = runner.invoke(cli, ["staff", "list"]).stdout.splitlines()
    assert [line.split()[:4] for line in listed[1:]] == [
        ["ali", "agent", "en", "no"],
        ["sara", "admin", "en", "yes"],
    ]

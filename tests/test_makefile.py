"""``make demo`` prints a few lines a person reads (the logins, the chat's address): pip keeps
its progress, version nag and warnings to itself, and shows its errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_runs_pip_quietly_and_echoes_no_commands():
    # -n prints what would run; -W pretends pyproject.toml changed, so the install runs too.
    planned = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    pip = [line for line in planned if "/pip " in line]
    assert pip, planned
    for line in pip:
        assert " -qq " in line and "--disable-pip-version-check" in line, line
    # Each command is silenced (@) in the Makefile: `make demo` does not echo them.
    echoed = subprocess.run(
        ["make", "-n", "--no-print-directory", "-p", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    recipe = echoed.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    commands = [line.strip() for line in recipe.splitlines() if line.startswith("\t")]
    assert commands and all(command.startswith("@") for command in commands), commands


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_serves_static_ips_from_documentation_addresses_unless_a_pool_is_set():
    planned = subprocess.run(
        ["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    [serve] = [line for line in planned.splitlines() if line.endswith("ispbot serve")]
    assert 'ISPBOT_STATIC_IP_POOL="${ISPBOT_STATIC_IP_POOL-198.51.100.10-198.51.100.250}"' in serve

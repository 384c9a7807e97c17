"""``ispbot serve`` raises its own limit of open files (a web chat's socket takes one) and sets
the garbage collector's thresholds (a full collection scans every open chat's objects)."""

from __future__ import annotations

import gc
import resource

import pytest

from bot.cli.serve import allow_open_files, tune_collector
from bot.config import BotSettings


def test_serve_raises_its_soft_limit_of_open_files_to_the_hard_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        allowed = allow_open_files()
        now_soft, now_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        assert now_hard == hard
        assert now_soft == allowed
        assert allowed > 256
        assert allowed == hard or hard == resource.RLIM_INFINITY
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_serve_sets_the_collectors_thresholds_from_its_setting(monkeypatch):
    monkeypatch.setenv("ISPBOT_GC_THRESHOLDS", "[40000, 15, 50]")
    wanted = BotSettings().gc_thresholds
    before = gc.get_threshold()
    try:
        assert tune_collector(wanted) == (40000, 15, 50) == gc.get_threshold()
    finally:
        gc.set_threshold(*before)
    assert BotSettings.model_fields["gc_thresholds"].default == (50_000, 20, 100)
    monkeypatch.setenv("ISPBOT_GC_THRESHOLDS", "[0, 10, 10]")
    with pytest.raises(ValueError):
        BotSettings()

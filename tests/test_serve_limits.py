"""``ispbot serve`` raises its own limit of open files: a web chat's socket takes one."""

from __future__ import annotations

import resource

from bot.cli.serve import allow_open_files


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

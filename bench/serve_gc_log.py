"""`ispbot serve` that prints each full garbage collection's pause to stderr (its log), with
the objects the collector tracks when the pause is long: what bench/webchat_sessions.py
``--gc-log`` runs, to see what a full collection costs with many sessions open.

    .venv/bin/python bench/serve_gc_log.py     # then as `ispbot serve`, same environment
"""

from __future__ import annotations

import gc
import sys
import time

_started: dict[int, float] = {}


def _timed(phase: str, info: dict) -> None:
    if phase == "start":
        _started[info["generation"]] = time.perf_counter()
    elif info["generation"] == 2:
        took = time.perf_counter() - _started[2]
        tracked = len(gc.get_objects()) if took > 0.05 else -1
        print(
            f"full gc: {took * 1000:.1f} ms, {info['collected']} collected, {tracked} tracked",
            file=sys.stderr,
            flush=True,
        )


def main() -> None:
    gc.callbacks.append(_timed)
    sys.argv = ["ispbot", "serve"]
    from bot.cli import main as ispbot

    ispbot()


if __name__ == "__main__":
    main()

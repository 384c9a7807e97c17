"""The free-text matcher's cost: time per message (p50, p99, max) and memory.

Every line of the labelled sets (tests/data/intents/*.tsv: the development, tuning, fresh,
held-out and probe sets), run through the matcher as the bot builds it (development phrases and
the demo's FAQ questions), after one warm-up pass so that the typo cache holds what a running
process's would; and once cold (a fresh matcher, an empty cache: each message's first
sighting). Memory: what building the matcher allocates (tracemalloc) and the process's RSS
growth. Times are given as wall time and as the thread's CPU time: on a loaded machine the wall
time's tail is the wait for a core.

    .venv/bin/python bench/intents.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.understanding.matcher import Example, Matcher  # noqa: E402
from bot.understanding.phrases import development_phrases  # noqa: E402
from bot.understanding.service import faq_examples  # noqa: E402
from core.demo.faq import FAQ_ENTRIES  # noqa: E402
from core.understanding.queries import FaqView  # noqa: E402


def demo_faq() -> list[Example]:
    views = [
        FaqView(0, e["topic"], e["questions"], e["answers"], None, None, None)  # type: ignore[arg-type]
        for e in FAQ_ENTRIES
    ]
    return faq_examples(views)


def texts() -> list[str]:
    lines = []
    for path in sorted((ROOT / "tests/data/intents").glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                lines.append(line.split("\t", 1)[1])
    return lines


def rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    messages = texts()
    examples = [*development_phrases(), *demo_faq()]

    rss_before = rss_kib()
    started = time.perf_counter()
    Matcher(examples)  # what a process pays when the FAQ changes (tracemalloc slows it)
    built_ms = (time.perf_counter() - started) * 1000
    tracemalloc.start()
    matcher = Matcher(examples)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    def timed(text: str) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.thread_time()
        matcher.rank(text, limit=4)
        return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000

    cold = [timed(text) for text in messages]
    warm = [timed(text) for _ in range(args.rounds) for text in messages]
    rss_after = rss_kib()

    print(f"examples: {len(examples)}, messages: {len(messages)}, rounds: {args.rounds}")
    print(f"build: {built_ms:.1f} ms, held {held / 1024:.0f} KiB (peak {peak / 1024:.0f} KiB)")
    # CPU time is this thread's alone; wall time includes waiting for a core, which on a
    # shared machine is most of a slow message's time.
    for name, pairs in (("cold (first sighting)", cold), ("warm", warm)):
        for clock, values in (("wall", [w for w, _ in pairs]), ("cpu", [c for _, c in pairs])):
            print(
                f"{name}, {clock}: p50 {statistics.median(values):.3f} ms, "
                f"p99 {percentile(values, 0.99):.3f} ms, max {max(values):.3f} ms"
            )
    print(f"RSS growth (max RSS, build and runs): {(rss_after - rss_before) / 1024:.1f} MiB")


if __name__ == "__main__":
    main()

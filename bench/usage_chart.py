"""The time to draw one usage picture (bot/rendering/usage_chart.py): 30 days of download and
upload, in each language, many times over; prints p50 and p99 in milliseconds and the PNG's
size. Target: p99 under 50 ms.

    .venv/bin/python bench/usage_chart.py [--draws 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()

    from bot.i18n import translator
    from bot.rendering.usage_chart import DayUsage, draw_usage_chart, period_title

    rng = random.Random(7)
    last = date(2026, 12, 6)
    first = last - timedelta(days=args.days - 1)
    days = [
        DayUsage(
            first + timedelta(days=n), rng.randint(0, 3 * 1024**3), rng.randint(0, 400 * 1024**2)
        )
        for n in range(args.days)
    ]
    print(f"usage picture: {args.days} days, {args.draws} draws a language (after one warm-up)")
    for language in ("fa", "id", "en"):
        t = translator(language, zone="Asia/Tehran")
        title = period_title(t, first, last)
        png = draw_usage_chart(t, days, title)
        times = []
        for _ in range(args.draws):
            start = time.perf_counter()
            draw_usage_chart(t, days, title)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"  {language}: p50 {statistics.median(times):.1f} ms, p99 {p99:.1f} ms, "
            f"{len(png) / 1024:.1f} KiB PNG"
        )


if __name__ == "__main__":
    main()

"""Where the time goes, from py-spy's collapsed stacks (``--format raw``): the share of samples
in which each function is on the stack (inclusive) and on top (self).

    python bench/profile_summary.py var/bench-profile.txt [--top 40] [--match ispbot]
"""

from __future__ import annotations

import argparse
from collections import Counter

# Self time by where the frame's code lives: the first name found in the frame's path wins.
AREAS = [
    ("ORM: building SQL and models (tortoise, pypika)", ("tortoise/", "pypika")),
    ("PostgreSQL driver (asyncpg)", ("asyncpg/",)),
    ("Redis client (redis)", ("redis/",)),
    ("Telegram objects (aiogram, pydantic)", ("aiogram/", "pydantic", "magic_filter")),
    ("HTTP server and client (aiohttp, yarl, multidict)", ("aiohttp/", "yarl/", "multidict/")),
    ("logging and metrics", ("logging/", "prometheus_client/", "bot/observability/")),
    ("translations and formatting (babel, gettext)", ("babel/", "gettext", "bot/i18n")),
    ("ispbot's own code", ("bot/", "core/")),
    ("event loop, sockets (asyncio, selectors)", ("asyncio/", "selectors")),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only frames whose text contains this")
    args = parser.parse_args()
    inclusive, own, total = Counter(), Counter(), 0
    with open(args.path, errors="replace") as lines:
        stacks = lines.read().splitlines()
    for line in stacks:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    print(f"{total} samples")
    print("inclusive:")
    for frame, samples in inclusive.most_common():
        if args.match in frame:
            print(f"  {samples / total:6.1%}  {frame}")
            args.top -= 1
            if args.top <= 0:
                break
    areas: Counter[str] = Counter()
    for frame, samples in own.items():
        area = next((name for name, marks in AREAS if any(m in frame for m in marks)), "other")
        areas[area] += samples
    print("self time by area:")
    for area, samples in areas.most_common():
        print(f"  {samples / total:6.1%}  {area}")
    print("self:")
    for frame, samples in own.most_common(25):
        print(f"  {samples / total:6.1%}  {frame}")


if __name__ == "__main__":
    main()

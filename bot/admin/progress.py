"""A progress bar on the terminal (stderr), redrawn in place; silent when not a terminal."""

from __future__ import annotations

import sys
from typing import IO


class ProgressBar:
    def __init__(self, label: str, stream: IO[str] | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.drawn = False

    def __call__(self, done: int, total: int, note: str = "") -> None:
        if not self.stream.isatty():
            return
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        tail = f", {note}" if note else ""
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}{tail}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()

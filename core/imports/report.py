"""What an import did, and the file of rejected rows an operator fixes and imports again."""

from __future__ import annotations

import csv
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Called after each row is checked, with (rows done, rows in the file): the CLI draws a bar,
# the console saves where the import is (an awaitable it returns is awaited).
Progress = Callable[[int, int], Awaitable[None] | None]
# Called inside the import's transaction once its rows are written: the console's audit entry,
# written with them or not at all.
OnWritten = Callable[["ImportResult"], Awaitable[None]]


async def report_progress(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        step = progress(done, total)
        if step is not None:
            await step


class ImportFileError(Exception):
    """The file as a whole cannot be read (not CSV, a required column missing, an unknown one)."""


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int  # the line in the file, the header being line 1
    key: str  # the username or plan code, as given
    reasons: tuple[str, ...]
    row: dict[str, str]


@dataclass(slots=True)
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)

    def summary(self) -> str:
        return (
            f"{self.total} rows: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected"
        )


def read_rows(
    path: Path, columns: Sequence[str], required: Sequence[str]
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a UTF-8 CSV file (a BOM from spreadsheets is accepted), with line numbers."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as source:
            reader = csv.DictReader(source)
            header = [name.strip() for name in reader.fieldnames or []]
            unknown = sorted(set(header) - set(columns))
            missing = [name for name in required if name not in header]
            if unknown or missing:
                parts = []
                if missing:
                    parts.append("missing column(s): " + ", ".join(missing))
                if unknown:
                    parts.append("unknown column(s): " + ", ".join(unknown))
                raise ImportFileError("; ".join(parts))
            reader.fieldnames = header
            rows = []
            for row in reader:
                if None in row:
                    raise ImportFileError(f"line {reader.line_num}: more cells than columns")
                cleaned = {k: (v or "").strip() for k, v in row.items()}
                if any(cleaned.values()):
                    rows.append((reader.line_num, cleaned))
            return rows
    except UnicodeDecodeError as exc:
        raise ImportFileError("the file is not UTF-8 text") from exc
    except csv.Error as exc:
        raise ImportFileError(f"not a CSV file: {exc}") from exc


def write_rejects(path: Path, rejected: Sequence[RejectedRow], columns: Sequence[str]) -> None:
    """One line per rejected row: where it was, why, and its cells, to fix and import again."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "reason", *columns])
        for item in rejected:
            writer.writerow(
                [item.line, "; ".join(item.reasons), *(item.row.get(c, "") for c in columns)]
            )

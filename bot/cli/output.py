"""What the commands print, through rich: colours, tables and progress bars on a terminal; plain,
unwrapped lines anywhere else (a pipe, a cron mail, a log, a test), as scripts read them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, NoReturn

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn
from rich.table import Table
from rich.text import Text

# Off a terminal no line is wrapped: a table as wide as its longest row stays one line a row.
UNWRAPPED_WIDTH = 10_000

# The progress callback the core's long jobs take: done, total and an optional note.
ProgressCallback = Callable[..., None]


def console(file: IO[str] | None = None, *, stderr: bool = False) -> Console:
    """A console on FILE, else on stdout (or stderr). Made per use, so that it writes to the
    sys.stdout of the moment (a test's capture) and decides colours by what that stream is."""
    on = Console(file=file, stderr=stderr, highlight=False, soft_wrap=True)
    if not on.is_terminal:
        on.width = UNWRAPPED_WIDTH
    return on


def fail(message: str, code: int = 2) -> NoReturn:
    """``ispbot: MESSAGE`` on stderr (red on a terminal), and stop with CODE."""
    console(stderr=True).print(Text(f"ispbot: {message}", style="red"))
    raise SystemExit(code)


def plain_table(*headers: str) -> Table:
    """A table drawn as aligned columns two spaces apart, without rules: the header (bold on a
    terminal) when HEADERS are given."""
    table = Table(
        box=None, show_header=bool(headers), header_style="bold", pad_edge=False, padding=(0, 1)
    )
    for header in headers:
        table.add_column(header)
    return table


def cells(*values: object) -> list[Text]:
    """VALUES as a table row's cells, never read as rich's markup (a name may hold brackets)."""
    return [Text(str(value)) for value in values]


def print_table(table: Table, file: IO[str] | None = None, *, indent: int = 0) -> None:
    """TABLE on FILE (stdout by default), each line indented by INDENT spaces and without the
    trailing blanks rich pads a table's last column with."""
    on = console(file)
    with on.capture() as captured:
        on.print(table)
    lines = (" " * indent + line.rstrip() for line in captured.get().splitlines())
    on.file.write("".join(line + "\n" for line in lines))
    on.file.flush()


@contextmanager
def progress_bar(label: str, file: IO[str] | None = None) -> Iterator[ProgressCallback]:
    """A callback ``(done, total, note="")`` that draws LABEL's progress on FILE (stderr by
    default) when it is a terminal, and does nothing elsewhere, where a line redrawn in place
    would only clutter a log. The bar is left drawn, complete, when the block ends."""
    on = console(file, stderr=file is None)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=30),
        TaskProgressColumn(),
        TextColumn("{task.fields[count]}{task.fields[note]}"),
        console=on,
        disable=not on.is_terminal,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    task: TaskID | None = None

    def advance(done: int, total: int, note: str = "") -> None:
        nonlocal task
        count, tail = f"{done}/{total}", f", {note}" if note else ""
        if task is None:
            bar.start()
            task = bar.add_task(label, total=total, completed=done, count=count, note=tail)
        else:
            bar.update(task, total=total, completed=done, count=count, note=tail)

    try:
        yield advance
    finally:
        if task is not None:
            bar.stop()

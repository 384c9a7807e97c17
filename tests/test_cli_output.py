"""What the commands print: aligned tables that stay plain lines off a terminal, a progress bar
drawn only on a terminal, and a failure as one line and an exit code."""

from __future__ import annotations

import io
import re

import pytest

from bot.cli.output import cells, fail, plain_table, print_table, progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def without_colours(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def test_a_table_off_a_terminal_is_aligned_plain_lines_without_trailing_blanks():
    table = plain_table("username", "language", "situation")
    table.add_row(*cells("5120001", "fa", "owes [2 months] of service"))
    table.add_row(*cells("42", "en", "fine"))
    out = io.StringIO()
    print_table(table, out)
    assert out.getvalue().splitlines() == [
        "username  language  situation",
        "5120001   fa        owes [2 months] of service",  # brackets are text, not markup
        "42        en        fine",
    ]


def test_a_row_longer_than_any_terminal_is_not_wrapped_off_a_terminal():
    table = plain_table()
    table.add_row(*cells("a", "x" * 500))
    out = io.StringIO()
    print_table(table, out, indent=2)
    assert out.getvalue() == "  a  " + "x" * 500 + "\n"


def test_the_progress_bar_is_drawn_on_a_terminal_and_left_complete():
    terminal = Terminal()
    with progress_bar("importing plans", terminal) as progress:
        for done in range(4):
            progress(done, 3)
    last = without_colours(terminal.getvalue()).rsplit("\r", 1)[-1]
    assert last == f"importing plans {'━' * 30} 100% 3/3\n"


def test_no_progress_bar_off_a_terminal():
    stream = io.StringIO()
    with progress_bar("importing plans", stream) as progress:
        for done in range(4):
            progress(done, 3, "note")
    assert stream.getvalue() == ""


def test_no_progress_bar_on_a_terminal_before_there_is_progress():
    terminal = Terminal()
    with progress_bar("importing plans", terminal):
        pass
    assert terminal.getvalue() == ""


def test_a_failure_is_one_line_on_stderr_and_the_exit_code(capsys):
    with pytest.raises(SystemExit) as stopped:
        fail("docs/plans.csv: no such file", code=3)
    assert stopped.value.code == 3
    assert capsys.readouterr() == ("", "ispbot: docs/plans.csv: no such file\n")

"""The development phrases: ``phrases/<language>.txt``, one phrase a line under ``[label]``."""

from __future__ import annotations

from functools import cache
from importlib import resources

from bot.understanding.intents import INTENTS
from bot.understanding.matcher import Example

LANGUAGES = ("fa", "id", "en")


def parse_phrases(text: str, source: str = "phrases") -> list[Example]:
    """The examples of one file; an unknown label is an error (a typo would drop its phrases)."""
    examples: list[Example] = []
    label: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            label = line[1:-1].strip()
            if label not in INTENTS:
                raise ValueError(f"{source}:{number}: unknown label {label!r}")
        elif label is None:
            raise ValueError(f"{source}:{number}: a phrase before any [label]")
        else:
            examples.append(Example(label, line))
    return examples


@cache
def development_phrases() -> tuple[Example, ...]:
    """Every language's phrases: one index for all, since people mix languages and scripts."""
    folder = resources.files("bot.understanding") / "phrases"
    examples: list[Example] = []
    for language in LANGUAGES:
        name = f"{language}.txt"
        examples += parse_phrases((folder / name).read_text(encoding="utf-8"), name)
    return tuple(examples)

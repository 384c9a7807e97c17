"""Text a person typed, as the core stores it: without the Unicode controls that reorder the
text around them (embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069). Kept, they
make a subject or a name display reversed wherever it is shown next, in the agents' group and
the console; the marks U+200E/U+200F only set the direction of neutral characters and stay."""

from __future__ import annotations

_DIRECTION_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_direction_controls(text: str) -> str:
    return text.translate(_DIRECTION_CONTROLS)

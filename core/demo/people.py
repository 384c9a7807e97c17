"""The demo's logins: who is in ``data/subscribers.csv`` (username, language, panel password)
and what their story shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.accounts.enums import Language
from core.demo.story import STORIES
from core.imports import plans, subscribers
from core.imports.report import read_rows

DATA = Path(__file__).resolve().parent / "data"
PLANS_CSV = DATA / "plans.csv"
SUBSCRIBERS_CSV = DATA / "subscribers.csv"


@dataclass(frozen=True, slots=True)
class DemoPerson:
    username: str
    language: Language
    password: str  # the panel's
    situation: str


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str
    language: str
    description: str


def _read_people() -> tuple[DemoPerson, ...]:
    rows = [raw for _, raw in read_rows(SUBSCRIBERS_CSV, subscribers.COLUMNS, subscribers.REQUIRED)]
    usernames = [raw["username"] for raw in rows]
    if usernames != list(STORIES):
        raise RuntimeError(f"{SUBSCRIBERS_CSV.name}'s subscribers are not those of story.py")
    return tuple(
        DemoPerson(
            raw["username"],
            Language(raw["language"]),
            raw["panel_password"],
            STORIES[raw["username"]].situation,
        )
        for raw in rows
    )


# Read once, on import: nine rows of the package's own file, and a wrong one should fail early.
PEOPLE = _read_people()


# The demo's plan codes: seeding imports the plans file only while one of them is missing.
PLAN_CODES = tuple(raw["code"] for _, raw in read_rows(PLANS_CSV, plans.COLUMNS, plans.REQUIRED))


def demo_logins() -> list[DemoLogin]:
    return [DemoLogin(p.username, p.password, p.language.value, p.situation) for p in PEOPLE]

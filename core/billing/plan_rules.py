"""The rules a plan's values keep, however they arrive: a row of the plans' CSV import
(core/imports/plans.py) or the staff console's form, both as text cells. Each refusal is a
(field, code) pair, so the import writes it in its report and the console shows it next to its
field. Amounts are whole minor units of the plan's currency (rials, rupiah): never a fraction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.accounts.enums import Language
from core.billing.enums import Billing, PlanKind
from core.numbers import whole_number

CODE_MAX_LENGTH = 40
NAME_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 2000
# No amount or volume above this fits the columns safely (PostgreSQL's bigint is larger).
BIGGEST = 10**15
LANGUAGES = tuple(language.value for language in Language)
# Whole numbers, each with its smallest allowed value; an empty cell keeps the default.
NUMBERS = {
    "speed_kbps": 1,
    "traffic_mb": 0,
    "gift_mb": 0,
    "bonus_percent": 0,
    "duration_days": 1,
    "price": 0,
    "monthly_campaign_mb": 0,
}
PACKS = frozenset({PlanKind.TRAFFIC, PlanKind.TIMED_TRAFFIC})
_YES, _NO = {"yes", "true", "1"}, {"no", "false", "0"}

Problem = tuple[str, str]


def valid_code(code: str) -> bool:
    return bool(code) and len(code) <= CODE_MAX_LENGTH and not any(c.isspace() for c in code)


def check_plan_cells(raw: Mapping[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """A plan's column values from text cells (``code``, ``kind``, ``name_fa``...,
    ``description_fa``..., the numbers, ``currency``, ``billing``, ``active``), and what is
    wrong with them. Codes: invalid_plan_code, name_too_long, whole_number_too_small (or not
    a number), unknown_plan_kind, unknown_billing, invalid_currency, active_yes_or_no,
    pack_needs_traffic."""
    problems: list[Problem] = []
    code = raw.get("code", "")
    if not valid_code(code):
        problems.append(("code", "invalid_plan_code"))
    fields: dict[str, Any] = {"code": code}
    # name_fa, name_id, name_en -> names {"fa": ..., "id": ..., "en": ...}; description_* alike
    for field_name, prefix, longest in (
        ("names", "name", NAME_MAX_LENGTH),
        ("description", "description", DESCRIPTION_MAX_LENGTH),
    ):
        texts = {}
        for language in LANGUAGES:
            text = raw.get(f"{prefix}_{language}", "")
            if len(text) > longest:
                problems.append((f"{prefix}_{language}", f"{prefix}_too_long"))
            elif text:
                texts[language] = text
        if texts:
            fields[field_name] = texts
    for name, smallest in NUMBERS.items():
        text = raw.get(name, "").replace(",", "").replace("_", "")
        if not text:
            continue
        number = whole_number(text, smallest, BIGGEST - 1)
        if number is None:
            problems.append((name, "whole_number_too_small"))
        else:
            fields[name] = number
    if raw.get("kind"):
        if raw["kind"] in {k.value for k in PlanKind}:
            fields["kind"] = PlanKind(raw["kind"])
        else:
            problems.append(("kind", "unknown_plan_kind"))
    if raw.get("billing"):
        if raw["billing"] in {b.value for b in Billing}:
            fields["billing"] = Billing(raw["billing"])
        else:
            problems.append(("billing", "unknown_billing"))
    if raw.get("currency"):
        currency = raw["currency"].upper()
        if len(currency) == 3 and currency.isascii() and currency.isalpha():
            fields["currency"] = currency
        else:
            problems.append(("currency", "invalid_currency"))
    if raw.get("active"):
        flag = raw["active"].lower()
        if flag not in _YES | _NO:
            problems.append(("active", "active_yes_or_no"))
        fields["active"] = flag in _YES
    if fields.get("kind") in PACKS and "traffic_mb" not in fields:
        problems.append(("traffic_mb", "pack_needs_traffic"))
    return fields, problems

"""Import plans from CSV: upsert by plan code, all or nothing (see subscribers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from core.accounts.enums import Language
from core.billing.enums import Billing, PlanKind
from core.billing.models import Plan
from core.imports.report import ImportResult, Progress, RejectedRow, read_rows
from core.numbers import whole_number

COLUMNS = (
    "code",
    "kind",
    "name_fa",
    "name_id",
    "name_en",
    "description_fa",
    "description_id",
    "description_en",
    "speed_kbps",
    "traffic_mb",
    "gift_mb",
    "bonus_percent",
    "duration_days",
    "price",
    "currency",
    "billing",
    "monthly_campaign_mb",
    "active",
)
REQUIRED = ("code", "price")
_LANGUAGES = tuple(language.value for language in Language)
# Whole numbers, each with its smallest allowed value; an empty cell keeps the default.
_NUMBERS = {
    "speed_kbps": 1,
    "traffic_mb": 0,
    "gift_mb": 0,
    "bonus_percent": 0,
    "duration_days": 1,
    "price": 0,
    "monthly_campaign_mb": 0,
}
_BIGGEST = 10**15
_PACKS = {PlanKind.TRAFFIC, PlanKind.TIMED_TRAFFIC}


def _check(line: int, raw: dict[str, str], seen: set[str]) -> dict[str, Any] | RejectedRow:
    reasons: list[str] = []
    code = raw.get("code", "")
    if not code or len(code) > 40 or " " in code:
        reasons.append("invalid plan code")
    elif code in seen:
        reasons.append("plan code repeated in the file")
    seen.add(code)
    fields: dict[str, Any] = {"code": code}
    # name_fa, name_id, name_en -> names {"fa": ..., "id": ..., "en": ...}; description_* alike
    for field_name, prefix in (("names", "name"), ("description", "description")):
        texts = {
            lang: raw[f"{prefix}_{lang}"] for lang in _LANGUAGES if raw.get(f"{prefix}_{lang}")
        }
        if texts:
            fields[field_name] = texts
    for name, smallest in _NUMBERS.items():
        text = raw.get(name, "").replace(",", "").replace("_", "")
        if not text:
            continue
        number = whole_number(text, smallest, _BIGGEST - 1)
        if number is None:
            reasons.append(f"{name} must be a whole number of at least {smallest}")
        else:
            fields[name] = number
    if raw.get("kind"):
        if raw["kind"] in {k.value for k in PlanKind}:
            fields["kind"] = PlanKind(raw["kind"])
        else:
            reasons.append("unknown kind (service, traffic, timed_traffic, static_ip)")
    if raw.get("billing"):
        if raw["billing"] in {b.value for b in Billing}:
            fields["billing"] = Billing(raw["billing"])
        else:
            reasons.append("billing must be prepaid or postpaid")
    if raw.get("currency"):
        currency = raw["currency"].upper()
        if len(currency) == 3 and currency.isalpha():
            fields["currency"] = currency
        else:
            reasons.append("invalid currency")
    if raw.get("active"):
        flag = raw["active"].lower()
        if flag not in {"yes", "no", "true", "false", "1", "0"}:
            reasons.append("active must be yes or no")
        fields["active"] = flag in {"yes", "true", "1"}
    if fields.get("kind") in _PACKS and "traffic_mb" not in fields:
        reasons.append("a traffic pack needs traffic_mb")
    if reasons:
        return RejectedRow(line, code, tuple(reasons), raw)
    return fields


async def import_plans(path: Path, progress: Progress | None = None) -> ImportResult:
    """An empty ``traffic_mb`` of a service means unlimited traffic."""
    rows = read_rows(path, COLUMNS, REQUIRED)
    result = ImportResult()
    seen: set[str] = set()
    good: list[dict[str, Any]] = []
    for done, (line, raw) in enumerate(rows, 1):
        checked = _check(line, raw, seen)
        if isinstance(checked, RejectedRow):
            result.rejected.append(checked)
        else:
            good.append(checked)
        if progress:
            progress(done, len(rows))
    async with in_transaction():
        existing = {p.code: p for p in await Plan.filter(code__in=[f["code"] for f in good])}
        for fields in good:
            current = existing.get(fields["code"])
            if current is None:
                await Plan.create(**fields)
                result.created += 1
                continue
            changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
            if changed:
                await Plan.filter(id=current.id).update(**changed)
                result.updated += 1
            else:
                result.unchanged += 1
    return result

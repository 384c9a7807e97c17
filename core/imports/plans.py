"""Import plans from CSV: upsert by plan code, all or nothing (see subscribers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from core.billing.models import Plan
from core.billing.plan_rules import NUMBERS, check_plan_cells, valid_code
from core.imports.report import (
    ImportResult,
    OnWritten,
    Progress,
    RejectedRow,
    read_rows,
    report_progress,
)

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
# The report's words for the rules' codes (core/billing/plan_rules.py).
_REASONS = {
    "invalid_plan_code": "invalid plan code",
    "unknown_plan_kind": "unknown kind (service, traffic, timed_traffic, static_ip)",
    "unknown_billing": "billing must be prepaid or postpaid",
    "invalid_currency": "invalid currency",
    "active_yes_or_no": "active must be yes or no",
    "pack_needs_traffic": "a traffic pack needs traffic_mb",
}


def _reason(field: str, code: str) -> str:
    if code == "whole_number_too_small":
        return f"{field} must be a whole number of at least {NUMBERS[field]}"
    if code.endswith("_too_long"):
        return f"{field} is too long"
    return _REASONS.get(code, code)


def _check(line: int, raw: dict[str, str], seen: set[str]) -> dict[str, Any] | RejectedRow:
    fields, problems = check_plan_cells(raw)
    reasons = [_reason(field, code) for field, code in problems]
    code = raw.get("code", "")
    if valid_code(code) and code in seen:
        reasons.insert(0, "plan code repeated in the file")
    seen.add(code)
    if reasons:
        return RejectedRow(line, code, tuple(reasons), raw)
    return fields


async def import_plans(
    path: Path, progress: Progress | None = None, on_written: OnWritten | None = None
) -> ImportResult:
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
        await report_progress(progress, done, len(rows))
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
        if on_written is not None:
            await on_written(result)
    return result

"""A plan in a few words for an SMS answer, in each language, from the demo's catalogue."""

from __future__ import annotations

import pytest

from bot.dialogs.compact_plans import compact_plan_name
from bot.i18n import translator
from core.billing.enums import Billing, PlanKind
from core.billing.read_models import PlanInfo


def plan(kind: PlanKind, **fields) -> PlanInfo:
    values = dict(
        code="p", kind=kind, names={}, speed_kbps=None, traffic_mb=None, gift_mb=0,
        bonus_percent=0, duration_days=30, price=1, currency="IRR",
        billing=Billing.PREPAID, monthly_campaign_mb=0, description={}, active=True,
    )  # fmt: skip
    values.update(fields)
    return PlanInfo(**values)  # type: ignore[arg-type]


HOME_YEAR = plan(
    PlanKind.SERVICE, speed_kbps=20480, traffic_mb=3_072_000, gift_mb=512_000, duration_days=365
)
SLOW_UNLIMITED = plan(PlanKind.SERVICE, speed_kbps=512, duration_days=90)
GB_PLUS_10 = plan(PlanKind.TRAFFIC, traffic_mb=1024, bonus_percent=10)
WEEK_10_GB = plan(PlanKind.TIMED_TRAFFIC, traffic_mb=10240, duration_days=7)


@pytest.mark.parametrize(
    ("language", "the_plan", "name"),
    [
        ("en", HOME_YEAR, "20 Mbps, 365 days, 3,500 GB"),
        ("id", HOME_YEAR, "20 Mbps, 365 hari, 3.500 GB"),
        ("fa", HOME_YEAR, "۲۰ مگ، ۳۶۵ روز، ۳٬۵۰۰ گیگ"),
        ("en", SLOW_UNLIMITED, "512 kbps, 90 days, unlimited"),
        ("en", GB_PLUS_10, "1.1 GB extra traffic"),
        ("id", GB_PLUS_10, "Kuota tambahan 1,1 GB"),
        ("fa", WEEK_10_GB, "۱۰ گیگ برای ۷ روز"),
        ("en", plan(PlanKind.STATIC_IP), "Static IP"),
    ],
)  # fmt: skip
def test_a_plan_in_a_few_words(language, the_plan, name):
    assert compact_plan_name(translator(language), the_plan) == name

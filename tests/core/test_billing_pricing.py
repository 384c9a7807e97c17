"""Pure billing rules (no database): the seed's figures, table-driven, integer money only."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.billing import units
from core.billing.periods import add_months, month_period, period_days, remaining_days
from core.billing.pricing import (
    Quote,
    postpaid_amount,
    price_for_months,
    prorated_remaining_value,
    quote_change_service,
    quote_purchase,
    traffic_with_bonus,
    vat,
)

TEHRAN = ZoneInfo("Asia/Tehran")
JAKARTA = ZoneInfo("Asia/Jakarta")
NINE = Decimal("9")


# -- the seed's change of service ------------------------------------------------------------


def test_seed_prorated_remaining_value_of_a_one_year_service_with_352_days_left():
    value = prorated_remaining_value(2_000_000, 352, 365)
    assert value == 1_928_767
    assert type(value) is int


def test_seed_change_of_service_invoice_is_6_791_233_payable():
    quote = quote_change_service(8_000_000, NINE, 0, 1_928_767, 0)
    assert (quote.subtotal, quote.vat, quote.subscription_fee) == (8_000_000, 720_000, 0)
    assert (quote.proration_credit, quote.wallet_used, quote.wallet_credit) == (1_928_767, 0, 0)
    assert quote.payable == 6_791_233
    assert quote.total == 8_720_000
    assert quote.balances()
    assert all(
        type(getattr(quote, f)) is int
        for f in (
            "subtotal",
            "vat",
            "subscription_fee",
            "proration_credit",
            "wallet_used",
            "wallet_credit",
            "payable",
        )
    )


def test_a_cheaper_new_service_pays_nothing_and_credits_the_difference_to_the_wallet():
    # 1,000,000 + 90,000 VAT is less than the 1,928,767 left of the old service.
    quote = quote_change_service(1_000_000, NINE, 0, 1_928_767, 500_000)
    assert quote.payable == 0
    assert quote.wallet_used == 0  # the wallet is not touched when credits already cover it
    assert quote.wallet_credit == 1_928_767 - 1_090_000 == 838_767
    assert quote.balances()


def test_the_wallet_pays_only_what_remains_after_the_proration_credit():
    quote = quote_change_service(8_000_000, NINE, 0, 1_928_767, 1_000_000)
    assert (quote.wallet_used, quote.payable, quote.wallet_credit) == (1_000_000, 5_791_233, 0)
    assert quote.balances()
    covered = quote_change_service(8_000_000, NINE, 0, 1_928_767, 9_000_000)
    assert (covered.wallet_used, covered.payable) == (6_791_233, 0)
    assert covered.balances()


def test_a_negative_wallet_balance_is_never_used():
    quote = quote_purchase(100_000, NINE, -50_000, currency="IRR")
    assert (quote.wallet_used, quote.payable) == (0, 109_000)


def test_the_subscription_fee_is_added_after_vat_and_not_taxed():
    quote = quote_purchase(1_000_000, NINE, 0, currency="IRR", subscription_fee=250_000)
    assert (quote.vat, quote.payable) == (90_000, 1_340_000)


@pytest.mark.parametrize(
    ("price", "left", "total", "expected"),
    [
        (2_000_000, 352, 365, 1_928_767),
        (2_000_000, 365, 365, 2_000_000),
        (2_000_000, 0, 365, 0),
        (215_000, 1, 30, 7_166),  # rounded down, never up
        (999_999, 1, 3, 333_333),
    ],
)
def test_proration_table(price, left, total, expected):
    assert prorated_remaining_value(price, left, total) == expected


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((2_000_000, 366, 365), ValueError),
        ((2_000_000, 1, 0), ValueError),
        ((-1, 1, 30), ValueError),
        ((2_000_000.0, 1, 30), TypeError),  # no floats in money
        ((True, 1, 30), TypeError),
    ],
)
def test_proration_refuses_nonsense(args, error):
    with pytest.raises(error):
        prorated_remaining_value(*args)


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [
        (8_000_000, Decimal("9"), 720_000),
        (215_000, Decimal("9"), 19_350),
        (11, Decimal("9"), 0),  # 0.99 -> 0
        (1_000, Decimal("9.5"), 95),
        (999, Decimal("0"), 0),
    ],
)
def test_vat_is_floored_and_int(amount, percent, expected):
    tax = vat(amount, percent)
    assert tax == expected
    assert type(tax) is int


# -- postpaid, traffic, static IP ------------------------------------------------------------


@pytest.mark.parametrize(
    ("monthly", "base", "days", "expected"),
    [
        (215_000, 30, 31, 222_166),  # the seed
        (215_000, 30, 30, 215_000),
        (215_000, 30, 28, 200_666),
        (215_000, 30, 0, 0),
    ],
)
def test_postpaid_bill_is_the_daily_rate_times_the_days_rounded_down(monthly, base, days, expected):
    amount = postpaid_amount(monthly, base, days)
    assert amount == expected
    assert type(amount) is int


@pytest.mark.parametrize(
    ("mb", "bonus", "expected_bytes"),
    [
        (5120, 10, 5632 * units.BYTES_PER_MB),  # "+10 % extra volume"
        (1024, 0, 1024 * units.BYTES_PER_MB),
        (0, 10, 0),
    ],
)
def test_traffic_with_bonus(mb, bonus, expected_bytes):
    total = traffic_with_bonus(units.mb_to_bytes(mb), bonus)
    assert total == expected_bytes
    assert type(total) is int


def test_traffic_bonus_is_rounded_down_to_whole_bytes():
    assert traffic_with_bonus(15, 10) == 16


@pytest.mark.parametrize(("months", "expected"), [(1, 50_000), (2, 100_000), (12, 600_000)])
def test_static_ip_for_n_months(months, expected):
    assert price_for_months(50_000, months) == expected


# -- units -----------------------------------------------------------------------------------


def test_1024_mb_is_one_gb_shown_with_two_decimals():
    assert units.gb_to_bytes(1) == units.mb_to_bytes(1024) == 1_073_741_824
    assert units.bytes_to_gb(units.mb_to_bytes(1024)) == Decimal("1.00")
    assert units.format_gb(4_552_665_088) == "4.24"
    assert units.format_gb(0) == "0.00"
    assert units.mb_to_gb(5120) == Decimal("5.00")


def test_usage_rounds_half_up_and_the_credit_deducted_rounds_down():
    seed_download = 255_459_328  # 243.625 MB exactly
    assert units.bytes_to_mb(seed_download) == Decimal("243.63")
    assert units.deducted_mb(seed_download) == Decimal("243.62")
    assert units.format_mb(seed_download) == "243.63"


# -- calendar --------------------------------------------------------------------------------


def test_remaining_days_count_calendar_days_in_the_given_zone():
    now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 10:30 Tehran, 14:00 Jakarta
    ends = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # 22:30 on the 26th Tehran, 02:00 27th Jakarta
    assert remaining_days(ends, now, TEHRAN) == 2
    assert remaining_days(ends, now, JAKARTA) == 3
    assert remaining_days(now, now, TEHRAN) == 0
    assert remaining_days(now.replace(hour=6), now, TEHRAN) == 0  # over: never negative


def test_a_one_year_service_covers_365_days_and_months_are_added_in_local_time():
    start = datetime(2026, 1, 31, 7, 0, tzinfo=UTC)
    assert period_days(start, start.replace(year=2027), TEHRAN) == 365
    assert add_months(start, 1, TEHRAN) == datetime(2026, 2, 28, 7, 0, tzinfo=UTC)
    assert add_months(start, 12, TEHRAN) == datetime(2027, 1, 31, 7, 0, tzinfo=UTC)
    # 22:00 UTC on 30 Nov is already 1 Dec in Tehran.
    assert month_period(datetime(2026, 11, 30, 22, 0, tzinfo=UTC), TEHRAN) == "2026-12"


def test_a_quote_that_does_not_close_is_caught():
    good = quote_purchase(100, NINE, 0, currency="IRR")
    assert good.balances()
    assert not Quote(100, 9, 0, 0, 0, 0, 108, "IRR").balances()
    assert Quote(100, 9, 0, 200, 0, 91, 0, "IRR").balances()
    # The identity holds, but an excess credit next to a payment is not a real invoice.
    assert not Quote(100, 9, 0, 0, 0, 10, 119, "IRR").balances()
    assert not Quote(100, 9, 0, 0, 0, 0, 109.0, "IRR").balances()  # type: ignore[arg-type]

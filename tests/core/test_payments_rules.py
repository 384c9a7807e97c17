"""Which gateway pays: the setting, then the currency, never the sandbox for a currency whose
provider is not configured. (The providers' own rules are tested beside their modules' other
tests: tests/handlers/test_payments_provider_rules.py.)"""

from __future__ import annotations

import pytest

from core.billing.gateways.select import gateway_for


@pytest.mark.parametrize(
    ("currency", "available", "forced", "chosen"),
    [
        ("IRR", {"sandbox", "zarinpal", "midtrans", "stripe"}, None, "zarinpal"),
        ("IDR", {"sandbox", "zarinpal", "midtrans", "stripe"}, None, "midtrans"),
        ("USD", {"sandbox", "zarinpal", "midtrans", "stripe"}, None, "stripe"),
        ("IRR", {"sandbox", "stripe"}, None, "sandbox"),
        ("IRR", {"sandbox", "zarinpal"}, "sandbox", "sandbox"),
        ("IRR", {"sandbox"}, "zarinpal", "zarinpal"),
        # A real provider configured for rials only: rupiah are refused, not paid in the sandbox.
        ("IDR", {"zarinpal"}, None, "midtrans"),
    ],
)
def test_the_gateway_follows_the_setting_then_the_currency(currency, available, forced, chosen):
    assert gateway_for(currency, available, forced) == chosen

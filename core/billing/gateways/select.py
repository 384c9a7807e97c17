"""Which gateway takes a payment: a setting when it names one, else the subscriber's currency
(rials → ZarinPal, rupiah → Midtrans, anything else → Stripe), else the demo's sandbox."""

from __future__ import annotations

from collections.abc import Container

from core.billing.gateways.midtrans import MIDTRANS
from core.billing.gateways.sandbox import SANDBOX
from core.billing.gateways.stripe import STRIPE
from core.billing.gateways.zarinpal import ZARINPAL

BY_CURRENCY = {"IRR": ZARINPAL, "IDR": MIDTRANS}


def gateway_for(currency: str, available: Container[str], forced: str | None = None) -> str:
    """The gateway's name; one that is not available is still returned when ``forced`` names
    it, so that place_order refuses it (unknown_gateway) instead of quietly paying elsewhere."""
    if forced:
        return forced
    preferred = BY_CURRENCY.get(currency, STRIPE)
    return preferred if preferred in available else SANDBOX

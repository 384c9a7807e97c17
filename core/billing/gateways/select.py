"""Which gateway takes a payment: a setting when it names one, else the subscriber's currency
(rials → ZarinPal, rupiah → Midtrans, anything else → Stripe), else the demo's sandbox when it
is the one available. A currency whose provider is not configured gets its provider's name
anyway, so place_order refuses it (unknown_gateway): never a free ride on the sandbox."""

from __future__ import annotations

from collections.abc import Container

from core.billing.gateways import MIDTRANS, SANDBOX, STRIPE, ZARINPAL

BY_CURRENCY = {"IRR": ZARINPAL, "IDR": MIDTRANS}


def gateway_for(currency: str, available: Container[str], forced: str | None = None) -> str:
    """The gateway's name; one that is not available is still returned when ``forced`` names
    it, so that place_order refuses it (unknown_gateway) instead of quietly paying elsewhere."""
    if forced:
        return forced
    preferred = BY_CURRENCY.get(currency, STRIPE)
    if preferred not in available and SANDBOX in available:
        return SANDBOX
    return preferred

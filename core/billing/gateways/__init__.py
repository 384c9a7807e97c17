"""The payment gateways as the core sees them: ``core.ports.PaymentGateway``, the names orders
record, and the error a provider's answer raises.

Each real provider (its wire format, signature check, HTTP client and callbacks) is one module
in ``bot/payments/``; the core keeps the rules: which gateway takes a currency (``select``),
exactly-once application and expiry (``core.billing.orders``), reconciling
(``core.billing.reconcile``), and the demo's in-process gateway (``sandbox``).
"""

ZARINPAL = "zarinpal"
MIDTRANS = "midtrans"
STRIPE = "stripe"
SANDBOX = "sandbox"


class GatewayError(Exception):
    """A provider refused a request or answered something we cannot read."""

"""Payment gateway adapters behind ``core.ports.PaymentGateway``.

The modules named after a provider hold its pure rules (request bodies, signature checks, how its
statuses map to paid / pending / failed); the adapters that speak HTTP live in
``bot/adapters/payments_*.py`` and use them.
"""


class GatewayError(Exception):
    """A provider refused a request or answered something we cannot read."""

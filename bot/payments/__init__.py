"""The payment providers, one module each behind the core's gateway port (core.ports):
``zarinpal``, ``midtrans``, ``stripe`` and the demo's ``sandbox``. A provider's module holds its
wire format, its signature check, its HTTP client and the parsing of its callbacks, and exposes
the same three names (``providers.Provider``): ``NAME``, ``gateway(settings, clock)`` and
``routes(settings, callbacks)``. What they share: ``common`` (the HTTP client and the plumbing
that hands a verified reference to the core), ``pages`` (the payer's return page),
``providers`` (the configured set) and ``short_links`` (``/p/<code>``, the app's short link to
any provider's pay page, which an SMS can carry). The rules (exactly once, amounts, expiry,
reconciling, the gateway per currency) stay in the core, in core.billing.
"""

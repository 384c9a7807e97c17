"""What the payment providers share: an HTTP client, and ``Callbacks``, the plumbing between a
provider's routes and the core. A provider's module reads its own callback (and checks its
signature); ``Callbacks`` hands the reference it names to the core's ``Reconciler``, which asks
the provider before anything changes, and answers the payer's browser with the return page."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bot.dialogs.services import Services
from bot.dialogs.state import Claim
from bot.payments.pages import FAILED, PENDING, result_page
from core.billing.gateways import GatewayError
from core.billing.read_models import OrderView
from core.billing.reconcile import Reconciler
from core.errors import DomainError
from core.ports import PaymentCheck

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=20)
# What a provider's reference looks like (ZarinPal's authority, Stripe's session id, our
# Midtrans order id): printable ASCII, no spaces, bounded. Anything else names no order and
# never reaches a query (a NUL or a lone surrogate is an error in PostgreSQL, not a miss).
REFERENCE = re.compile(r"[\x21-\x7e]{1,128}")


def plain_reference(value: object) -> str | None:
    """``value`` when it may be a provider's reference, None otherwise."""
    if isinstance(value, str) and REFERENCE.fullmatch(value):
        return value
    return None


class HttpClient:
    """One aiohttp session, made when first needed (an aiohttp session must be made inside the
    running loop), with a bounded time per request."""

    def __init__(self, base_url: str, timeout: aiohttp.ClientTimeout = TIMEOUT) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """(HTTP status, the JSON body); GatewayError when the provider cannot be reached or
        answers something that is not JSON."""
        try:
            async with self.session().request(method, self.base_url + path, **kwargs) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError as exc:
                    raise GatewayError(f"{path}: HTTP {resp.status}, not JSON") from exc
                return resp.status, body
        except (aiohttp.ClientError, TimeoutError) as exc:
            # A total timeout is a plain TimeoutError, not a ClientError.
            raise GatewayError(f"{path}: {exc!r}") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


@dataclass(frozen=True, slots=True)
class Callbacks:
    """Given to every provider's ``routes()``. ``claim`` and ``settle`` are the state store's,
    for the ids of deliveries handled in two steps (Stripe's event ids: claimed while handled,
    recorded once handled, so a process that dies in between leaves the event to the
    provider's next delivery); ``paid`` is called after an order changed, so its notice goes
    out at once; ``tell`` sends the subscriber's notices before the payer's page answers, so
    the chat they go back to (often this very tab) shows the confirmation as soon as it is
    open."""

    services_key: web.AppKey[Services]
    claim: Callable[[str, float], Awaitable[Claim]]
    settle: Callable[[str, float], Awaitable[None]]
    paid: Callable[[], None]
    tell: Callable[[int], Awaitable[None]]

    def services(self, request: web.Request) -> Services:
        return request.app[self.services_key]

    async def check(self, request: web.Request, provider: str, reference: str) -> OrderView | None:
        """A verified callback named this payment: ask the provider and record its answer. None
        for a reference no order has. Raises GatewayError (the provider cannot be asked now) and
        DomainError (its answer was refused)."""
        if plain_reference(reference) is None:
            return None
        reconciler = Reconciler(self.services(request).orders)
        order = await reconciler.check_reference(provider, reference)
        if order is not None:
            self.paid()
        return order

    async def record(
        self, request: web.Request, provider: str, reference: str, check: PaymentCheck
    ) -> OrderView | None:
        """``check`` with an answer the provider already signed (a Stripe event). None for a
        reference no order has."""
        if plain_reference(reference) is None:
            return None
        reconciler = Reconciler(self.services(request).orders)
        order = await reconciler.record_reference(provider, reference, check)
        if order is not None:
            self.paid()
        return order

    async def return_page(
        self, request: web.Request, provider: str, reference: str | None
    ) -> web.Response:
        """The payer's browser back from a provider: ask the provider (never the browser) about
        the payment the reference names, then say paid, pending or failed."""
        services = self.services(request)
        reference = plain_reference(reference)
        order = (
            await services.billing_queries.order_by_gateway_ref(provider, reference)
            if reference
            else None
        )
        if order is None:
            return await result_page(request, services, None)
        try:
            checked = await Reconciler(services.orders).check(order.tracking_number)
        except GatewayError as error:
            # The provider could not be asked now: reconciliation asks again later.
            log.warning("%s check of %s failed: %s", provider, reference, error)
            return await result_page(request, services, order, result=PENDING)
        except DomainError as error:
            log.warning("%s payment %s refused: %s", provider, reference, error.code)
            return await result_page(request, services, order, result=FAILED)
        await self.tell(checked.subscriber_id)
        return await result_page(request, services, checked)

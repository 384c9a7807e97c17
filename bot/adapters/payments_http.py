"""What the payment adapters share: one aiohttp session each, made when first needed (an
aiohttp session must be made inside the running loop), with a bounded time per request."""

from __future__ import annotations

from typing import Any

import aiohttp

from core.billing.gateways import GatewayError

TIMEOUT = aiohttp.ClientTimeout(total=20)


class HttpClient:
    def __init__(self, base_url: str) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
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
        except aiohttp.ClientError as exc:
            raise GatewayError(f"{path}: {exc!r}") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

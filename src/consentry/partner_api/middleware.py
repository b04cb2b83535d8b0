"""The partner API's one version guard, and the headers every partner answer carries.

For every path under a version-shaped prefix (`/2027-01/…`) the middleware checks the version
before routing: a version never configured answers 404, a retired one 410, one near its end
gets `Deprecation`/`Sunset` (RFC 8594). Handlers record further headers on the request
(`add_partner_headers`: the rate-limit state); the middleware writes them into the response,
whether a route or the error mapping produced it.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consentry.clock import Clock
from consentry.partner_api.errors import PartnerApiError
from consentry.partner_api.surface import PARTNER_API_PATH, envelope
from consentry.partner_api.versions import VersionPolicy

STATE_KEY = "partner_headers"


def add_partner_headers(request: Request, headers: dict[str, str]) -> None:
    """Remember headers for this request's response."""
    state: dict[str, Any] = request.scope.setdefault("state", {})
    state.setdefault(STATE_KEY, {}).update(headers)


class PartnerApiMiddleware:
    def __init__(self, app: ASGIApp, *, versions: VersionPolicy, clock: Clock) -> None:
        self.app = app
        self._versions = versions
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not PARTNER_API_PATH.match(path):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        extra: dict[str, str] = state.setdefault(STATE_KEY, {})
        try:
            extra.update(self._versions.check(path[1:8], self._clock.now().date()))
        except PartnerApiError as refused:
            response = envelope(refused.status_code, refused.code, refused.title, refused.detail)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

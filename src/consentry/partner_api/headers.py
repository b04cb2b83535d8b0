"""Response headers that every partner-API answer carries, errors included.

Handlers and dependencies record headers on the request (`add_partner_headers`): the rate-limit
state and the version's `Deprecation`/`Sunset`. This small ASGI middleware writes them into the
response, whether a route or `web/errors.py` produced it.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consentry.web.errors import PARTNER_API_PATH

STATE_KEY = "partner_headers"


def add_partner_headers(request: Request, headers: dict[str, str]) -> None:
    """Remember headers for this request's response."""
    state: dict[str, Any] = request.scope.setdefault("state", {})
    state.setdefault(STATE_KEY, {}).update(headers)


class PartnerHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not PARTNER_API_PATH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra: dict[str, str] = state.get(STATE_KEY, {})
                if extra:
                    headers = MutableHeaders(scope=message)
                    for name, value in extra.items():
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""A redacted access log: method, route template, status and duration; never a query or a handle.

Uvicorn's own access log prints full URLs, which carry `state`, consent handles and (on clients'
callbacks) codes; consentry turns it off and logs this instead.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("consentry.access")


def route_label(scope: Scope) -> str:
    """The matched route's template (`/consent/{handle}`), or a placeholder for unmatched paths."""
    route = scope.get("route")
    # `path_format` is the template without convertors (`/{version}/…`, not `{version:…}`).
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else "<unmatched>"


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.info("%s %s %d %.1fms", scope["method"], route_label(scope), status, elapsed_ms)

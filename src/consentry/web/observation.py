"""One ASGI layer that times every HTTP request and tells its observers (access log, metrics).

Each observer gets the method, the matched route's template (`/consent/{handle}`, never the raw
path: handles, codes and `state` travel in paths and queries), the status and the duration in
seconds. One layer for all of them: a request is timed once and its response start is looked at
once, however many observers there are (each layer in front of the router costs every request).
An exception that escapes the app is observed as a 500, then re-raised.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestObserver(Protocol):
    def observe(self, method: str, route: str, status: int, seconds: float) -> None: ...


def route_label(scope: Scope) -> str:
    """The matched route's template (`/consent/{handle}`), or a placeholder for unmatched paths."""
    route = scope.get("route")
    # `path_format` is the template without convertors (`/{version}/…`, not `{version:…}`).
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else "<unmatched>"


class ObservationMiddleware:
    def __init__(self, app: ASGIApp, *, observers: Sequence[RequestObserver]) -> None:
        self.app = app
        self._observers = tuple(observers)

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
            seconds = time.perf_counter() - started
            method, route = str(scope["method"]), route_label(scope)
            for observer in self._observers:
                observer.observe(method, route, status, seconds)

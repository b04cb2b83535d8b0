"""The hot lane: the endpoints integrations call all the time, served without FastAPI's routing.

FastAPI matches a request against every route in turn and solves each route's dependencies on
every request: 80–300 µs here, as much as the token endpoint's own work. The few endpoints on the
hot path (the token endpoint and the partner API's `…/me` calls) are looked up in a table instead
and their route functions called directly, with the same arguments FastAPI would have injected
(`request`, path parameters, and `arguments` such as `services`; a `guard` such as the partner
API's version check first). They stay declared as
FastAPI routes (OpenAPI, and one implementation); errors go through the same table as FastAPI's
handlers (`web.errors.error_response`); the middlewares around the router (security headers,
metrics, access log, partner headers) wrap this lane too, and `scope["route"]` is the FastAPI
route, so metrics and logs label the request exactly as before.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from consentry.web.errors import error_response

# Runs before the endpoint with the request and the path parameters (the version check).
Guard = Callable[[Request, dict[str, str]], Awaitable[None]]
Endpoint = Callable[..., Awaitable[Response]]
_PARAMETER = re.compile(r"^\{(\w+)\}$")


@dataclass(frozen=True, slots=True)
class HotRoute:
    """A FastAPI route function served here; `path` is its template, as FastAPI knows it."""

    method: str
    path: str  # e.g. "/{version}/advertisers/me": what metrics and logs label the request
    endpoint: Endpoint
    guard: Guard | None = None


@dataclass(frozen=True, slots=True)
class _Bound:
    route: HotRoute
    parameters: frozenset[str]  # what the endpoint takes


def _pattern(template: str) -> re.Pattern[str] | None:
    """A regex for a template with `{name}` segments (FastAPI's default: one path segment)."""
    if "{" not in template:
        return None
    parts = []
    for segment in template.split("/"):
        name = _PARAMETER.match(segment)
        parts.append(f"(?P<{name.group(1)}>[^/]+)" if name else re.escape(segment))
    return re.compile("^" + "/".join(parts) + "$")


class HotLane:
    """Pure ASGI: answers the hot routes itself, passes everything else to `app`."""

    def __init__(
        self, app: ASGIApp, *, routes: Iterable[HotRoute], arguments: dict[str, Any]
    ) -> None:
        self.app = app
        self._arguments = arguments
        self._exact: dict[tuple[str, str], _Bound] = {}
        self._patterns: dict[str, list[tuple[re.Pattern[str], _Bound]]] = {}
        for route in routes:
            bound = _Bound(route, frozenset(inspect.signature(route.endpoint).parameters))
            pattern = _pattern(route.path)
            if pattern is None:
                self._exact[(route.method, route.path)] = bound
            else:
                self._patterns.setdefault(route.method, []).append((pattern, bound))

    def _match(self, method: str, path: str) -> tuple[_Bound, dict[str, str]] | None:
        exact = self._exact.get((method, path))
        if exact is not None:
            return exact, {}
        for pattern, bound in self._patterns.get(method, ()):
            found = pattern.match(path)
            if found is not None:
                return bound, found.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        matched = self._match(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if matched is None:
            await self.app(scope, receive, send)
            return
        bound, params = matched
        route = bound.route
        scope["route"] = route  # has `.path`, the template: metrics and the access log read it
        scope["path_params"] = params
        scope["endpoint"] = route.endpoint
        request = Request(scope, receive)
        try:
            if route.guard is not None:
                await route.guard(request, params)
            available = {"request": request, **params, **self._arguments}
            response = await route.endpoint(
                **{k: v for k, v in available.items() if k in bound.parameters}
            )
            if not isinstance(response, Response):
                raise TypeError(f"hot route {route.path} must return a Response")
        except Exception as exc:  # mapped exactly as FastAPI's exception handlers map it
            response = error_response(request, exc)
        await response(scope, receive, send)

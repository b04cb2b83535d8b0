"""Route tables of the faces, registered flat on the app's router, and the route class they use.

Each face declares its routes on a `RouteTable` with FastAPI's decorators (`@routes.post(…)`);
the composition root adds the tables to the app's router in the order requests should meet
them: the token endpoint and the partner API's `…/me` calls first. The routes are ordinary
FastAPI routes (`add_api_route`), so OpenAPI documents exactly what runs, errors go through the
app's handlers and every middleware wraps them. Two measured costs are avoided (docs/
performance.md): nested `include_router` matches every route of an included router twice
(185 µs for a route behind 16 others, against 61 µs flat), and FastAPI's dependency solving
costs ~10 µs per dependency plus ~30 µs per request.

`DirectRoute` is FastAPI's `APIRoute` with one shortcut: when an endpoint takes nothing but the
`Request` and components (`web.components.component`), and returns a `Response`, it is called
with them directly. Anything else it declares (a path or query parameter, a body, a header, any
other dependency), and any `dependency_overrides`, take FastAPI's own handler, so a route that
gains a parameter gets slower, never wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from consentry.web.components import COMPONENT_TYPE, components_of

Endpoint = Callable[..., Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class DirectCall:
    """How to call an endpoint without FastAPI's dependency solving."""

    request_parameter: str | None
    components: tuple[tuple[str, type[Any]], ...]  # (parameter name, registered type)


def _has_http_inputs(dependant: Dependant) -> bool:
    return bool(
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.websocket_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    )


def direct_call(dependant: Dependant, endpoint: Callable[..., Any]) -> DirectCall | None:
    """The direct call of an endpoint, or None when it needs FastAPI's dependency solving."""
    if _has_http_inputs(dependant) or dependant.http_connection_param_name:
        return None
    try:
        returns = get_type_hints(endpoint).get("return")
    except (NameError, TypeError):
        return None
    if not (inspect.isclass(returns) and issubclass(returns, Response)):
        return None
    provided: list[tuple[str, type[Any]]] = []
    for sub in dependant.dependencies:
        kind = getattr(sub.call, COMPONENT_TYPE, None)
        if kind is None or sub.name is None or sub.dependencies or _has_http_inputs(sub):
            return None
        provided.append((sub.name, kind))
    return DirectCall(dependant.request_param_name, tuple(provided))


class DirectRoute(APIRoute):
    """An `APIRoute` that calls a Request-and-components endpoint directly (module docstring).

    A direct route's ASGI app builds the `Request`, calls the endpoint and sends its response;
    an exception goes up to the app's `ExceptionMiddleware`, where every handler is registered
    (`web.errors.ErrorMapping.install`). FastAPI's own wrapper only adds the exit stacks of
    `yield` dependencies, which a direct endpoint has none of, and Starlette's
    `request_response` a second, route-level, exception wrapper (~6 µs) that the app-level
    one makes redundant. With `dependency_overrides` in place, FastAPI's handler runs instead.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        call = direct_call(self.dependant, self.endpoint)
        self.is_direct = call is not None
        if call is None:
            return
        solved_app = self.app
        direct: Endpoint = self.endpoint
        request_parameter, provided = call.request_parameter, call.components

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["app"].dependency_overrides:
                await solved_app(scope, receive, send)  # overrides are FastAPI's to apply
                return
            request = Request(scope, receive, send)
            arguments = components_of(request).arguments(provided)
            if request_parameter is None:
                response = await direct(**arguments)
            else:
                response = await direct(**arguments, **{request_parameter: request})
            await response(scope, receive, send)

        self.app = dispatch


@dataclass(frozen=True, slots=True)
class _Entry:
    path: str
    endpoint: Callable[..., Any]
    methods: tuple[str, ...]
    options: dict[str, Any]


@dataclass
class RouteTable:
    """A face's routes, declared with decorators and registered flat by `add_to`.

    `prefix`, `tags`, `responses` and `include_in_schema` apply to every route of the table;
    a route's own options win.
    """

    prefix: str = ""
    tags: Sequence[str] = ()
    responses: dict[int | str, dict[str, Any]] = field(default_factory=dict)
    include_in_schema: bool = True
    openapi_extra: dict[str, Any] = field(default_factory=dict)
    _entries: list[_Entry] = field(default_factory=list)

    def route(
        self, path: str, methods: Sequence[str], **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
            self._entries.append(_Entry(self.prefix + path, endpoint, tuple(methods), options))
            return endpoint

        return register

    def get(self, path: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ["GET"], **options)

    def post(self, path: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ["POST"], **options)

    def put(self, path: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ["PUT"], **options)

    def patch(
        self, path: str, **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ["PATCH"], **options)

    def delete(
        self, path: str, **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ["DELETE"], **options)

    def include(self, other: RouteTable) -> None:
        """Take `other`'s routes, with `other`'s defaults, under this table's prefix."""
        for entry in other._entries:
            options = other._options(entry)
            self._entries.append(
                _Entry(self.prefix + entry.path, entry.endpoint, entry.methods, options)
            )

    def _options(self, entry: _Entry) -> dict[str, Any]:
        """The entry's options, this table's defaults filled in where it has none."""
        options = dict(entry.options)
        if self.tags:
            options.setdefault("tags", list(self.tags))
        if self.responses:
            options["responses"] = {**self.responses, **options.get("responses", {})}
        if not self.include_in_schema:
            options.setdefault("include_in_schema", False)
        if self.openapi_extra:
            options["openapi_extra"] = _merged(self.openapi_extra, options.get("openapi_extra"))
        return options

    def add_to(self, router: APIRouter) -> None:
        """Register every route on `router` (the app's own), in declaration order."""
        for entry in self._entries:
            router.add_api_route(
                entry.path,
                entry.endpoint,
                methods=list(entry.methods),
                route_class_override=DirectRoute,
                **self._options(entry),
            )

    @property
    def paths(self) -> list[tuple[str, tuple[str, ...]]]:
        """(path, methods) of every route, in order."""
        return [(entry.path, entry.methods) for entry in self._entries]


def _merged(defaults: dict[str, Any], own: dict[str, Any] | None) -> dict[str, Any]:
    """OpenAPI extras: the route's own win; lists (`parameters`) are joined."""
    merged = dict(defaults)
    for key, value in (own or {}).items():
        if isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        else:
            merged[key] = value
    return merged

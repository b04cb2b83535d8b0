"""The node's components, registered by type when the app is built, and the dependencies that hand
them to routes.

`create_app` (the composition root) registers each component under the type routes ask for,
often a protocol of the core (`UnitOfWorkFactory`, `Clock`). A route declares only what it uses,
as a typed dependency: `units: Annotated[UnitOfWorkFactory, Depends(component(UnitOfWorkFactory))]`
(each face keeps such aliases in its `deps.py`). Nothing is looked up by name and no route sees
the whole set; `web.routing.DirectRoute` hands components to hot routes without FastAPI's
per-request dependency solving.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from starlette.requests import HTTPConnection

T = TypeVar("T")

COMPONENT_TYPE = "consentry_component_type"  # marks a provider made by `component`


class Components:
    """Components by the type they are registered under; one per type."""

    def __init__(self) -> None:
        self._by_type: dict[type[Any], object] = {}
        self._arguments: dict[tuple[tuple[str, type[Any]], ...], dict[str, object]] = {}

    def add(self, kind: type[T], component: T) -> T:
        if kind in self._by_type:
            raise ValueError(f"a {kind.__name__} is already registered")
        self._by_type[kind] = component
        self._arguments.clear()
        return component

    def arguments(self, wanted: tuple[tuple[str, type[Any]], ...]) -> dict[str, object]:
        """`{parameter: component}` for `(parameter, type)` pairs, worked out once per set (a
        direct route asks for the same set on every request). The caller must not change it."""
        found = self._arguments.get(wanted)
        if found is None:
            found = self._arguments[wanted] = {name: self.get(kind) for name, kind in wanted}
        return found

    def get(self, kind: type[T]) -> T:
        try:
            return cast(T, self._by_type[kind])
        except KeyError:
            raise LookupError(f"no {kind.__name__} was registered") from None

    def __contains__(self, kind: type[Any]) -> bool:
        return kind in self._by_type


def components_of(connection: HTTPConnection) -> Components:
    """The components of the app serving this request."""
    return cast(Components, connection.app.state.components)


@functools.cache
def component(kind: type[T]) -> Callable[[HTTPConnection], Awaitable[T]]:
    """The dependency that provides the registered `kind`.

    One provider per type (cached), so FastAPI solves it once per request however many
    dependencies ask for it; async, so FastAPI calls it on the event loop, not in a thread.
    """

    async def provide(connection: HTTPConnection) -> T:
        return components_of(connection).get(kind)

    setattr(provide, COMPONENT_TYPE, kind)
    provide.__name__ = f"provide_{kind.__name__}"
    return provide

"""Typed dependency aliases for route signatures."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from consentry.web.services import Services


def get_services(request: Request) -> Services:
    return cast(Services, request.app.state.services)


async def _services(request: Request) -> Services:
    # async, so FastAPI calls it on the event loop instead of handing it to its thread pool.
    return get_services(request)


ServicesDep = Annotated[Services, Depends(_services)]

"""Routes: `POST /oauth2/revoke` (RFC 7009) and `POST /oauth2/introspect` (RFC 7662).

Both authenticate the client exactly like the token endpoint (same methods, same throttling), then
call one core service. A refusal still commits: a counted failure must stay counted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from consentry.core.errors import OAuthError
from consentry.core.model import Client
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.requests import Parameters, reject_faulty
from consentry.web.deps import ServicesDep
from consentry.web.errors import NO_STORE
from consentry.web.forms import parse_form
from consentry.web.services import Services

router = APIRouter()
T = TypeVar("T")


async def _as_client(
    request: Request,
    services: Services,
    action: Callable[[UnitOfWork, Client, Parameters], Awaitable[T]],
) -> T:
    params, faulty = await parse_form(request, services.settings.max_form_bytes)
    refusal: OAuthError
    async with services.uow() as uow:
        try:
            reject_faulty(faulty)  # RFC 6749 §3.2: parameters must not be repeated
            client = await services.token_server.authenticate_client(
                uow, request.headers.get("authorization"), params
            )
            return await action(uow, client, params)
        except OAuthError as error:
            refusal = error
    raise refusal


@router.post("/oauth2/revoke", summary="Token revocation (RFC 7009)")
async def revoke(request: Request, services: ServicesDep) -> Response:
    await _as_client(request, services, services.revocation.revoke)
    # RFC 7009 §2.2: 200 whether or not the token was known; the body is ignored.
    return Response(status_code=200, headers=NO_STORE)


@router.post("/oauth2/introspect", summary="Token introspection (RFC 7662)")
async def introspect(request: Request, services: ServicesDep) -> Response:
    answer = await _as_client(request, services, services.introspection.introspect)
    return JSONResponse(answer, headers=NO_STORE)

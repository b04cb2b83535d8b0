"""Routes: the token endpoint `POST /oauth2/token` (RFC 6749 §3.2), `POST /oauth2/revoke` (RFC
7009) and `POST /oauth2/introspect` (RFC 7662).

Each parses the form strictly, then calls one core service inside one unit of work. A refusal
(`core.errors.Refusal`) still commits what was written before it (a counted failure, a burned
code, a revoked grant), which the unit of work does itself. The token endpoint is the hottest
route there is: it is registered before every other route (`TOKEN`) and takes only the request
and components, so `web.routing.DirectRoute` calls it without FastAPI's dependency solving.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from consentry.core.model import Client
from consentry.core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from consentry.core.requests import Parameters, reject_faulty
from consentry.core.server import AuthorizationServer
from consentry.oauth.deps import IntrospectionDep, RevocationDep, TokenServerDep
from consentry.web.deps import FormLimitsDep, UnitsOfWorkDep
from consentry.web.forms import FormLimits, parse_form
from consentry.web.headers import NO_STORE
from consentry.web.routing import RouteTable

TOKEN = RouteTable()
routes = RouteTable()
T = TypeVar("T")


@TOKEN.post("/oauth2/token", summary="Token endpoint (RFC 6749 §3.2)")
async def token(
    request: Request, server: TokenServerDep, units: UnitsOfWorkDep, forms: FormLimitsDep
) -> Response:
    params, faulty = await parse_form(request, forms.max_bytes)
    authorization = request.headers.get("authorization")
    # The grant's one write (redeem the code, rotate the token) is its last: it may commit alone.
    async with units(standalone_writes=True) as uow:
        issued = await server.token(uow, params, faulty, authorization)
    return JSONResponse(issued.as_json(), headers=NO_STORE)


async def _as_client(
    request: Request,
    server: AuthorizationServer,
    units: UnitOfWorkFactory,
    forms: FormLimits,
    action: Callable[[UnitOfWork, Client, Parameters], Awaitable[T]],
) -> T:
    """Authenticate the client as the token endpoint does, then run `action` for it."""
    params, faulty = await parse_form(request, forms.max_bytes)
    async with units() as uow:
        reject_faulty(faulty)  # RFC 6749 §3.2: parameters must not be repeated
        client = await server.authenticate_client(uow, request.headers.get("authorization"), params)
        return await action(uow, client, params)


@routes.post("/oauth2/revoke", summary="Token revocation (RFC 7009)")
async def revoke(
    request: Request,
    revocation: RevocationDep,
    server: TokenServerDep,
    units: UnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    await _as_client(request, server, units, forms, revocation.revoke)
    # RFC 7009 §2.2: 200 whether or not the token was known; the body is ignored.
    return Response(status_code=200, headers=NO_STORE)


@routes.post("/oauth2/introspect", summary="Token introspection (RFC 7662)")
async def introspect(
    request: Request,
    introspection: IntrospectionDep,
    server: TokenServerDep,
    units: UnitsOfWorkDep,
    forms: FormLimitsDep,
) -> Response:
    answer = await _as_client(request, server, units, forms, introspection.introspect)
    return JSONResponse(answer, headers=NO_STORE)

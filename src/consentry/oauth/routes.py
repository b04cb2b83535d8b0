"""Routes: `GET /request` (RFC 6749 §4.1.1), `POST /oauth2/token` (§3.2), JWKS and metadata.

Revocation and introspection are in `token_routes.py`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from consentry.core.errors import AuthorizationPageError, InvalidRequest, OAuthError
from consentry.core.metadata import authorization_server_metadata
from consentry.core.model import TokenResponse
from consentry.web.deps import ServicesDep
from consentry.web.errors import NO_STORE
from consentry.web.forms import parse_form, parse_query

router = APIRouter()


@router.get("/request", include_in_schema=False)
async def consent_link(request: Request, services: ServicesDep) -> Response:
    try:
        params, faulty = parse_query(request, services.settings.max_form_bytes)
    except InvalidRequest as error:
        raise AuthorizationPageError("Invalid consent link", error.description) from error
    if "nonce" in params.values and "response_type" not in params.values:
        # A client-credentials app's signed consent link, issued by the portal.
        target = "/consent-link?" + request.url.query
        return RedirectResponse(target, status_code=303, headers=NO_STORE)
    async with services.uow() as uow:
        started = await services.authorization.start(uow, params, faulty)
    return RedirectResponse(f"/consent/{started.handle}", status_code=303, headers=NO_STORE)


@router.post("/oauth2/token", summary="Token endpoint (RFC 6749 §3.2)")
async def token(request: Request, services: ServicesDep) -> Response:
    params, faulty = await parse_form(request, services.settings.max_form_bytes)
    authorization = request.headers.get("authorization")
    refusal: OAuthError | None = None
    issued: TokenResponse | None = None
    # The grant's one write (redeem the code, rotate the token) is its last: it may commit alone.
    async with services.uow(standalone_writes=True) as uow:
        try:
            issued = await services.token_server.token(uow, params, faulty, authorization)
        except OAuthError as error:
            # A refusal is a decided outcome: a burned code or a revoked grant must stay so.
            refusal = error
    if refusal is not None or issued is None:
        raise refusal or OAuthError()
    return JSONResponse(issued.as_json(), headers=NO_STORE)


@router.get("/.well-known/jwks.json", summary="Public keys of the access-token signatures")
async def jwks(services: ServicesDep) -> Response:
    keys = await services.keyring.jwks()
    return JSONResponse(keys, headers={"Cache-Control": "public, max-age=300"})


@router.get(
    "/.well-known/oauth-authorization-server", summary="Authorization server metadata (RFC 8414)"
)
async def metadata(services: ServicesDep) -> Response:
    document = authorization_server_metadata(
        services.settings.issuer, services.token_server.grant_types
    )
    return JSONResponse(document)

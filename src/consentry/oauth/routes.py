"""Routes: `GET /request` (RFC 6749 §4.1.1), `POST /oauth2/token` (§3.2), JWKS and metadata."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from consentry.core.errors import AuthorizationPageError, InvalidRequest, OAuthError
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
    async with services.uow() as uow:
        started = await services.authorization.start(uow, params, faulty)
    return RedirectResponse(f"/consent/{started.handle}", status_code=303, headers=NO_STORE)


@router.post("/oauth2/token", summary="Token endpoint (RFC 6749 §3.2)")
async def token(request: Request, services: ServicesDep) -> Response:
    params, faulty = await parse_form(request, services.settings.max_form_bytes)
    authorization = request.headers.get("authorization")
    refusal: OAuthError | None = None
    issued: TokenResponse | None = None
    async with services.uow() as uow:
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
    issuer = services.settings.issuer
    return JSONResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/request",
            "token_endpoint": f"{issuer}/oauth2/token",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "grant_types_supported": services.token_server.grant_types,
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
        }
    )

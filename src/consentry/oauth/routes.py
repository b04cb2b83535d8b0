"""Routes: the consent link `GET /request` (RFC 6749 §4.1.1), the published keys (JWKS) and the
authorization server's metadata (RFC 8414).

The token, revocation and introspection endpoints are in `token_routes.py`.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from consentry.core.errors import AuthorizationPageError, InvalidRequest
from consentry.oauth.deps import AuthorizationDep, MetadataDep, PublishedKeysDep
from consentry.web.deps import FormLimitsDep, UnitsOfWorkDep
from consentry.web.forms import parse_query
from consentry.web.headers import NO_STORE
from consentry.web.routing import RouteTable

routes = RouteTable()
PAGE_PREFIXES = ("/request",)  # answered with an error page, never JSON


@routes.get("/request", include_in_schema=False)
async def consent_link(
    request: Request, authorization: AuthorizationDep, units: UnitsOfWorkDep, forms: FormLimitsDep
) -> Response:
    try:
        params, faulty = parse_query(request, forms.max_bytes)
    except InvalidRequest as error:
        raise AuthorizationPageError("Invalid consent link", error.description) from error
    if "nonce" in params.values and "response_type" not in params.values:
        # A client-credentials app's signed consent link, issued by the portal.
        target = "/consent-link?" + request.url.query
        return RedirectResponse(target, status_code=303, headers=NO_STORE)
    async with units() as uow:
        started = await authorization.start(uow, params, faulty)
    return RedirectResponse(f"/consent/{started.handle}", status_code=303, headers=NO_STORE)


@routes.get("/.well-known/jwks.json", summary="Public keys of the access-token signatures")
async def jwks(keys: PublishedKeysDep) -> Response:
    published = await keys.jwks()
    return JSONResponse(published, headers={"Cache-Control": "public, max-age=300"})


@routes.get(
    "/.well-known/oauth-authorization-server", summary="Authorization server metadata (RFC 8414)"
)
async def metadata(document: MetadataDep) -> Response:
    return JSONResponse(document.fields)

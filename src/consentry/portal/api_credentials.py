"""JSON API: credential pairs, redirect URIs, consent links and personal API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, Response

from consentry.core.model import AuthMethod
from consentry.portal.api_auth import PROBLEMS, BearerDep, api_developer
from consentry.portal.deps import PortalWebDep
from consentry.portal.schemas import (
    ApiTokenCreate,
    ApiTokenOut,
    ConsentLinkOut,
    ConsentLinkRequest,
    CredentialCreate,
    CredentialOut,
    NewApiTokenOut,
    NewCredentialOut,
    RedirectUriCreate,
    RedirectUriOut,
)
from consentry.web.deps import PortalUnitsOfWorkDep
from consentry.web.routing import RouteTable
from consentry.web.text import PlainText

routes = RouteTable(prefix="/portal/api", tags=["portal"], responses=PROBLEMS)
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
ClientId = Annotated[PlainText, Path(min_length=1, max_length=64)]


@routes.get("/apps/{app_id}/credentials", summary="List an app's credential pairs")
async def list_credentials(
    app_id: Id, request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, token: BearerDep
) -> list[CredentialOut]:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        details = await web.portal.apps.details(uow, developer, app_id)
    return [CredentialOut.of(c) for c in details.credentials]


@routes.post(
    "/apps/{app_id}/credentials", status_code=201, summary="Create a pair (at most 5 per app)"
)
async def create_credential(
    app_id: Id,
    body: CredentialCreate,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> NewCredentialOut:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        created = await web.portal.credentials.create(uow, developer, app_id, body.label)
    out = CredentialOut.of(created.credential)
    return NewCredentialOut(**out.model_dump(), client_secret=created.client_secret)


@routes.delete(
    "/apps/{app_id}/credentials/{client_id}",
    status_code=204,
    summary="Delete a pair and end its grants, refresh tokens and access tokens",
)
async def delete_credential(
    app_id: Id,
    client_id: ClientId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> Response:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        await web.portal.credentials.delete(uow, developer, app_id, client_id)
    return Response(status_code=204)


@routes.get("/apps/{app_id}/redirect-uris", summary="List an app's redirect URIs")
async def list_redirect_uris(
    app_id: Id, request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, token: BearerDep
) -> list[RedirectUriOut]:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        details = await web.portal.apps.details(uow, developer, app_id)
    return [RedirectUriOut.of(u) for u in details.redirect_uris]


@routes.post(
    "/apps/{app_id}/redirect-uris",
    status_code=201,
    summary="Register a redirect URI (HTTPS, or http on loopback; at most 30)",
)
async def add_redirect_uri(
    app_id: Id,
    body: RedirectUriCreate,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> RedirectUriOut:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        stored = await web.portal.credentials.add_redirect_uri(uow, developer, app_id, body.uri)
    return RedirectUriOut.of(stored)


@routes.delete(
    "/apps/{app_id}/redirect-uris/{uri_id}", status_code=204, summary="Remove a redirect URI"
)
async def remove_redirect_uri(
    app_id: Id,
    uri_id: Id,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> Response:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        await web.portal.credentials.remove_redirect_uri(uow, developer, app_id, uri_id)
    return Response(status_code=204)


@routes.post(
    "/apps/{app_id}/consent-links",
    status_code=201,
    summary="Build a consent link (authorization code) or sign a single-use one (client creds.)",
)
async def consent_link(
    app_id: Id,
    body: ConsentLinkRequest,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> ConsentLinkOut:
    links = web.portal.links
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        app = await web.portal.apps.get(uow, developer, app_id)
        if app.auth_method is AuthMethod.CLIENT_CREDENTIALS:
            signed = await links.signed_link(uow, developer, app_id)
            return ConsentLinkOut(url=signed.url, single_use=True, expires_at=signed.expires_at)
        url = await links.authorization_link(
            uow,
            developer,
            app_id,
            client_id=body.client_id or "",
            redirect_uri=body.redirect_uri or "",
            state=body.state,
        )
    return ConsentLinkOut(url=url, single_use=False, expires_at=None)


@routes.get("/tokens", summary="List your personal API tokens")
async def list_tokens(
    request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, token: BearerDep
) -> list[ApiTokenOut]:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        tokens = await web.portal.tokens.list(uow, developer)
    return [ApiTokenOut.of(t) for t in tokens]


@routes.post("/tokens", status_code=201, summary="Create a personal API token (shown once)")
async def create_token(
    body: ApiTokenCreate,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> NewApiTokenOut:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        created = await web.portal.tokens.create(uow, developer, body.label)
    return NewApiTokenOut(id=created.id, label=created.label, token=created.token)


@routes.delete("/tokens/{token_id}", status_code=204, summary="Revoke a personal API token")
async def revoke_token(
    token_id: Id, request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, token: BearerDep
) -> Response:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        await web.portal.tokens.revoke(uow, developer, token_id)
    return Response(status_code=204)

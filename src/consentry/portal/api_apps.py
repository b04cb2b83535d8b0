"""JSON API: the developer's apps (`/portal/api/me`, `/portal/api/apps…`); rules as on the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, Response

from consentry.portal.api_auth import PROBLEMS, BearerDep, api_developer
from consentry.portal.apps import AppEdit, AppForm
from consentry.portal.deps import PortalWebDep
from consentry.portal.errors import InvalidInput
from consentry.portal.schemas import AppCreate, AppDetailsOut, AppOut, AppUpdate, MeOut
from consentry.web.deps import PortalUnitsOfWorkDep
from consentry.web.forms import read_body
from consentry.web.routing import RouteTable

routes = RouteTable(prefix="/portal/api", tags=["portal"], responses=PROBLEMS)
AppId = Annotated[int, Path(ge=1, le=2_147_483_647)]
IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "description": "The raw image: PNG, JPEG or WebP, at most 1 MB (decoded to check it).",
        "content": {
            t: {"schema": {"type": "string", "format": "binary"}}
            for t in ("image/png", "image/jpeg", "image/webp")
        },
    }
}


@routes.get("/me", summary="The calling developer and organization")
async def me(
    request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, token: BearerDep
) -> MeOut:
    async with units() as uow:
        developer, active = await api_developer(request, web, uow, token)
    return MeOut(
        email=developer.user.email,
        display_name=developer.user.display_name,
        organization=developer.organization_name,
        csrf_token=active.csrf_token if active else None,
    )


@routes.get("/apps", summary="List the organization's apps")
async def list_apps(
    request: Request, web: PortalWebDep, units: PortalUnitsOfWorkDep, token: BearerDep
) -> list[AppOut]:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        apps = await web.portal.apps.all(uow, developer)
    return [AppOut.of(app) for app in apps]


@routes.post("/apps", status_code=201, summary="Create an app (not activated)")
async def create_app(
    body: AppCreate,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> AppDetailsOut:
    form = AppForm(body.name, body.description, body.service, body.auth_method, body.domains)
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        app = await web.portal.apps.create(uow, developer, form)
        details = await web.portal.apps.details(uow, developer, app.id)
    return AppDetailsOut.of_details(details)


@routes.get("/apps/{app_id}", summary="An app with its credential pairs and redirect URIs")
async def get_app(
    app_id: AppId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> AppDetailsOut:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        details = await web.portal.apps.details(uow, developer, app_id)
    return AppDetailsOut.of_details(details)


@routes.patch("/apps/{app_id}", summary="Edit an app, switch PKCE, activate or deactivate it")
async def update_app(
    app_id: AppId,
    body: AppUpdate,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> AppDetailsOut:
    apps = web.portal.apps
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        await apps.update(
            uow, developer, app_id, AppEdit(body.name, body.description, body.domains)
        )
        if body.pkce_required is not None:
            await apps.set_pkce(uow, developer, app_id, body.pkce_required)
        if body.activated is not None:
            await apps.set_activation(uow, developer, app_id, body.activated)
        details = await apps.details(uow, developer, app_id)
    return AppDetailsOut.of_details(details)


@routes.put("/apps/{app_id}/image", summary="Set the app's image", openapi_extra=IMAGE_BODY)
async def put_image(
    app_id: AppId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> AppOut:
    limit = web.config.max_image_bytes
    try:
        data = await read_body(request, limit)
    except Exception as exc:  # an oversized body is refused before it is read in full
        raise InvalidInput(f"The image is larger than {limit // 1024} KB.", field="image") from exc
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        app = await web.portal.apps.set_image(uow, developer, app_id, data)
    return AppOut.of(app)


@routes.delete("/apps/{app_id}/image", status_code=204, summary="Remove the app's image")
async def delete_image(
    app_id: AppId,
    request: Request,
    web: PortalWebDep,
    units: PortalUnitsOfWorkDep,
    token: BearerDep,
) -> Response:
    async with units() as uow:
        developer, _ = await api_developer(request, web, uow, token)
        await web.portal.apps.set_image(uow, developer, app_id, None)
    return Response(status_code=204)

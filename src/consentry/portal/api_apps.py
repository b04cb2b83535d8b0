"""JSON API: the developer's apps (`/portal/api/me`, `/portal/api/apps…`); rules as on the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from consentry.portal.api_auth import PROBLEMS, BearerDep, api_developer
from consentry.portal.apps import AppEdit, AppForm
from consentry.portal.errors import InvalidInput
from consentry.portal.schemas import AppCreate, AppDetailsOut, AppOut, AppUpdate, MeOut
from consentry.web.deps import ServicesDep
from consentry.web.forms import read_body

router = APIRouter(prefix="/portal/api", tags=["portal"], responses=PROBLEMS)
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


@router.get("/me", summary="The calling developer and organization")
async def me(request: Request, services: ServicesDep, token: BearerDep) -> MeOut:
    async with services.portal_uow() as uow:
        developer, active = await api_developer(request, services, uow, token)
    return MeOut(
        email=developer.user.email,
        display_name=developer.user.display_name,
        organization=developer.organization_name,
        csrf_token=active.csrf_token if active else None,
    )


@router.get("/apps", summary="List the organization's apps")
async def list_apps(request: Request, services: ServicesDep, token: BearerDep) -> list[AppOut]:
    async with services.portal_uow() as uow:
        developer, _ = await api_developer(request, services, uow, token)
        apps = await services.portal.apps.all(uow, developer)
    return [AppOut.of(app) for app in apps]


@router.post("/apps", status_code=201, summary="Create an app (not activated)")
async def create_app(
    body: AppCreate, request: Request, services: ServicesDep, token: BearerDep
) -> AppDetailsOut:
    form = AppForm(body.name, body.description, body.service, body.auth_method, body.domains)
    async with services.portal_uow() as uow:
        developer, _ = await api_developer(request, services, uow, token)
        app = await services.portal.apps.create(uow, developer, form)
        details = await services.portal.apps.details(uow, developer, app.id)
    return AppDetailsOut.of_details(details)


@router.get("/apps/{app_id}", summary="An app with its credential pairs and redirect URIs")
async def get_app(
    app_id: AppId, request: Request, services: ServicesDep, token: BearerDep
) -> AppDetailsOut:
    async with services.portal_uow() as uow:
        developer, _ = await api_developer(request, services, uow, token)
        details = await services.portal.apps.details(uow, developer, app_id)
    return AppDetailsOut.of_details(details)


@router.patch("/apps/{app_id}", summary="Edit an app, switch PKCE, activate or deactivate it")
async def update_app(
    app_id: AppId, body: AppUpdate, request: Request, services: ServicesDep, token: BearerDep
) -> AppDetailsOut:
    apps = services.portal.apps
    async with services.portal_uow() as uow:
        developer, _ = await api_developer(request, services, uow, token)
        await apps.update(
            uow, developer, app_id, AppEdit(body.name, body.description, body.domains)
        )
        if body.pkce_required is not None:
            await apps.set_pkce(uow, developer, app_id, body.pkce_required)
        if body.activated is not None:
            await apps.set_activation(uow, developer, app_id, body.activated)
        details = await apps.details(uow, developer, app_id)
    return AppDetailsOut.of_details(details)


@router.put("/apps/{app_id}/image", summary="Set the app's image", openapi_extra=IMAGE_BODY)
async def put_image(
    app_id: AppId, request: Request, services: ServicesDep, token: BearerDep
) -> AppOut:
    limit = services.settings.portal_max_image_bytes
    try:
        data = await read_body(request, limit)
    except Exception as exc:  # an oversized body is refused before it is read in full
        raise InvalidInput(f"The image is larger than {limit // 1024} KB.", field="image") from exc
    async with services.portal_uow() as uow:
        developer, _ = await api_developer(request, services, uow, token)
        app = await services.portal.apps.set_image(uow, developer, app_id, data)
    return AppOut.of(app)


@router.delete("/apps/{app_id}/image", status_code=204, summary="Remove the app's image")
async def delete_image(
    app_id: AppId, request: Request, services: ServicesDep, token: BearerDep
) -> Response:
    async with services.portal_uow() as uow:
        developer, _ = await api_developer(request, services, uow, token)
        await services.portal.apps.set_image(uow, developer, app_id, None)
    return Response(status_code=204)

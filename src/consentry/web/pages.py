"""Routes: the home page and the public app images shown on consent pages."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from consentry.storage.sql.connection import sql
from consentry.storage.sql.database import DATABASE_ERRORS
from consentry.storage.sql.unit_of_work import SqlUnitOfWork
from consentry.web.deps import ServicesDep
from consentry.web.errors import NO_STORE

router = APIRouter(include_in_schema=False)

# Only raster types are ever served; SVG can carry script and is never accepted.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
_PING = sql("SELECT 1")


@router.get("/")
async def home(request: Request, services: ServicesDep) -> Response:
    async with services.uow() as uow:
        active = await services.sessions.load(uow, request)
        user = await uow.users.get(active.user_id) if active and active.user_id else None
    return services.templates.TemplateResponse(
        request,
        "home.html",
        {"user": user, "csrf_token": active.csrf_token if active else None},
        headers=NO_STORE,
    )


@router.get("/apps/{app_id}/image")
async def app_image(app_id: int, services: ServicesDep) -> Response:
    async with services.uow() as uow:
        image = await uow.clients.get_image(app_id)
    if image is None or image[1] not in IMAGE_TYPES:
        raise HTTPException(404, "No image")
    content, media_type = image
    return Response(
        content,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=300", "Content-Disposition": "inline"},
    )


@router.get("/healthz")
async def health() -> Response:
    return Response("ok", media_type="text/plain")


@router.get("/readyz")
async def ready(services: ServicesDep) -> Response:
    """Readiness: the database answers `SELECT 1` (read-only) and a signing key is loaded."""
    problems: list[str] = []
    try:
        async with services.uow(read_only=True) as uow:
            if isinstance(uow, SqlUnitOfWork):
                await uow.connection.fetchval(_PING)
    except DATABASE_ERRORS:
        problems.append("database unavailable")
    if not services.keyring.has_signing_key:
        problems.append("no signing key loaded")
    if problems:
        body = "not ready: " + "; ".join(problems)
        return Response(body, status_code=503, media_type="text/plain", headers=NO_STORE)
    return Response("ready", media_type="text/plain", headers=NO_STORE)

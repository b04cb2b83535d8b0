"""Routes: the home page and the public app images shown on consent pages."""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.responses import Response

from consentry.web.deps import SessionsDep, TemplatesDep, UnitsOfWorkDep
from consentry.web.routing import RouteTable

routes = RouteTable(include_in_schema=False)

# Only raster types are ever served; SVG can carry script and is never accepted.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
# The customers' pages: errors there are answered with a page (web.errors.PageSurface).
PAGE_PREFIXES = ("/consent", "/login", "/logout")
PAGE_PATHS = ("/",)


@routes.get("/")
async def home(
    request: Request, units: UnitsOfWorkDep, sessions: SessionsDep, templates: TemplatesDep
) -> Response:
    async with units() as uow:
        active = await sessions.load(uow, request)
        user = await uow.users.get(active.user_id) if active and active.user_id else None
    context = {"user": user, "csrf_token": active.csrf_token if active else None}
    return templates.page(request, "home.html", context)


@routes.get("/apps/{app_id}/image")
async def app_image(app_id: int, units: UnitsOfWorkDep) -> Response:
    async with units() as uow:
        image = await uow.clients.get_image(app_id)
    if image is None or image[1] not in IMAGE_TYPES:
        raise HTTPException(404, "No image")
    content, media_type = image
    return Response(
        content,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=300", "Content-Disposition": "inline"},
    )

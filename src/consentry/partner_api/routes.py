"""Partner API routes (Criteo paths under a `YYYY-MM` version prefix)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from consentry.partner_api.guard import authorize
from consentry.web.deps import ServicesDep

router = APIRouter(tags=["partner API"])


def check_version(version: str, supported: list[str]) -> None:
    if version not in supported:
        raise HTTPException(404, f"API version {version} is not supported.")


@router.get("/{version}/advertisers/me", summary="Advertisers the access token was granted")
async def my_advertisers(version: str, request: Request, services: ServicesDep) -> Response:
    check_version(version, services.settings.api_versions)
    async with services.uow() as uow:
        access = await authorize(request, services, uow)
        advertisers = await uow.users.advertisers(access.advertiser_ids)
    data = [
        {"type": "advertiser", "id": str(a.id), "attributes": {"advertiserName": a.name}}
        for a in advertisers
    ]
    return JSONResponse({"data": data, "errors": [], "warnings": []})

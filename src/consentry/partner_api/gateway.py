"""`GET /{version}/marketing-solutions/me` and `/retail-media/me`: the calling application."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from consentry.core.errors import InvalidToken
from consentry.core.scopes import MARKETING_SOLUTIONS, RETAIL_MEDIA
from consentry.partner_api.context import PartnerDep, partner_call
from consentry.partner_api.schemas import ApplicationSummaryResponse, documented
from consentry.web.deps import ServicesDep

router = APIRouter()


async def _summary(request: Request, services: ServicesDep, partner: PartnerDep) -> Response:
    # Served by the hot lane (web/hot_lane.py): answers a Response.
    async with partner_call(request, services, partner, None) as call:
        client = await call.uow.clients.get_by_client_id(call.access.claims.client_id)
    if client is None:
        raise InvalidToken("The credentials of this access token were deleted.")
    return JSONResponse(ApplicationSummaryResponse.of(client.app).model_dump(mode="json"))


@router.get(
    "/marketing-solutions/me",
    response_model=ApplicationSummaryResponse,
    tags=[MARKETING_SOLUTIONS.title],
    **documented(None, "The application the access token was issued to"),
)
async def marketing_solutions_me(
    request: Request, services: ServicesDep, partner: PartnerDep
) -> Response:
    return await _summary(request, services, partner)


@router.get(
    "/retail-media/me",
    response_model=ApplicationSummaryResponse,
    tags=[RETAIL_MEDIA.title],
    **documented(None, "The application the access token was issued to"),
)
async def retail_media_me(request: Request, services: ServicesDep, partner: PartnerDep) -> Response:
    return await _summary(request, services, partner)

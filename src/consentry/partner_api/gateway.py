"""`GET /{version}/marketing-solutions/me` and `/retail-media/me`: the calling application."""

from __future__ import annotations

from fastapi import APIRouter, Request

from consentry.core.errors import InvalidToken
from consentry.core.scopes import MARKETING_SOLUTIONS, RETAIL_MEDIA
from consentry.partner_api.context import PartnerDep, partner_call
from consentry.partner_api.schemas import ApplicationSummaryResponse, documented
from consentry.web.deps import ServicesDep

router = APIRouter()


async def _summary(
    request: Request, services: ServicesDep, partner: PartnerDep
) -> ApplicationSummaryResponse:
    async with partner_call(request, services, partner, None) as call:
        client = await call.uow.clients.get_by_client_id(call.access.claims.client_id)
    if client is None:
        raise InvalidToken("The credentials of this access token were deleted.")
    return ApplicationSummaryResponse.of(client.app)


@router.get(
    "/marketing-solutions/me",
    response_model=ApplicationSummaryResponse,
    tags=[MARKETING_SOLUTIONS.title],
    **documented(None, "The application the access token was issued to"),
)
async def marketing_solutions_me(
    request: Request, services: ServicesDep, partner: PartnerDep
) -> ApplicationSummaryResponse:
    return await _summary(request, services, partner)


@router.get(
    "/retail-media/me",
    response_model=ApplicationSummaryResponse,
    tags=[RETAIL_MEDIA.title],
    **documented(None, "The application the access token was issued to"),
)
async def retail_media_me(
    request: Request, services: ServicesDep, partner: PartnerDep
) -> ApplicationSummaryResponse:
    return await _summary(request, services, partner)

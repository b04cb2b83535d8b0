"""Marketing Solutions audiences: search (`_Audience_Read`) and create (`_Audience_Manage`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request

from consentry.core.ports.partner import Audience
from consentry.core.scopes import MARKETING_SOLUTIONS
from consentry.partner_api.context import PartnerDep, parse_ids, partner_call
from consentry.partner_api.marketing.schemas import (
    AudienceAttributes,
    AudienceCreateRequest,
    AudienceList,
    AudienceResource,
    AudienceSearch,
    AudienceSearchMeta,
    AudienceSearchResult,
)
from consentry.partner_api.schemas import documented
from consentry.web.deps import ServicesDep

READ = "MarketingSolutions_Audience_Read"
MANAGE = "MarketingSolutions_Audience_Manage"

router = APIRouter(prefix="/marketing-solutions/audiences", tags=[MARKETING_SOLUTIONS.title])


def audience_resource(audience: Audience) -> AudienceResource:
    attributes = AudienceAttributes(
        advertiserId=str(audience.advertiser_id),
        name=audience.name,
        description=audience.description,
        algebra=audience.algebra,
        createdAt=audience.created_at,
        updatedAt=audience.updated_at,
    )
    return AudienceResource(id=str(audience.id), attributes=attributes)


@router.post(
    "/search",
    response_model=AudienceSearchResult,
    **documented(READ, "Search the audiences of the granted advertisers"),
)
async def search_audiences(
    request: Request,
    services: ServicesDep,
    partner: PartnerDep,
    body: Annotated[AudienceSearch | None, Body()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AudienceSearchResult:
    filters = (body or AudienceSearch()).data.attributes
    async with partner_call(request, services, partner, READ) as call:
        advertiser_ids = call.advertisers_in(filters.advertiserIds)
        ids = parse_ids(filters.audienceIds) if filters.audienceIds is not None else None
        page = await call.data.audiences.search(advertiser_ids, ids, limit, offset)
    return AudienceSearchResult(
        data=[audience_resource(a) for a in page.items],
        meta=AudienceSearchMeta(totalItems=page.total, limit=limit, offset=offset),
    )


@router.post(
    "/create",
    response_model=AudienceList,
    **documented(MANAGE, "Create audiences for granted advertisers"),
)
async def create_audiences(
    request: Request, services: ServicesDep, partner: PartnerDep, body: AudienceCreateRequest
) -> AudienceList:
    async with partner_call(request, services, partner, MANAGE) as call:
        wanted = [item.attributes for item in body.data]
        owners = [call.advertisers_in([item.advertiserId])[0] for item in wanted]
        now = services.clock.now()
        created = [
            await call.data.audiences.add(owner, item.name, item.description, item.algebra, now)
            for owner, item in zip(owners, wanted, strict=True)
        ]
    return AudienceList(data=[audience_resource(a) for a in created])

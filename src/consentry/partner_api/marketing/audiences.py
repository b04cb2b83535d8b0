"""Marketing Solutions audiences: search (`_Audience_Read`) and create (`_Audience_Manage`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query, Request

from consentry.core.ports.partner import Audience
from consentry.core.scopes import MARKETING_SOLUTIONS
from consentry.partner_api.context import parse_ids, partner_call
from consentry.partner_api.deps import PartnerGateDep
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
from consentry.web.routing import RouteTable

READ = "MarketingSolutions_Audience_Read"
MANAGE = "MarketingSolutions_Audience_Manage"

routes = RouteTable(prefix="/marketing-solutions/audiences", tags=[MARKETING_SOLUTIONS.title])


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


@routes.post(
    "/search",
    response_model=AudienceSearchResult,
    **documented(READ, "Search the audiences of the granted advertisers"),
)
async def search_audiences(
    request: Request,
    gate: PartnerGateDep,
    body: Annotated[AudienceSearch | None, Body()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AudienceSearchResult:
    filters = (body or AudienceSearch()).data.attributes
    async with partner_call(request, gate, READ) as call:
        advertiser_ids = call.advertisers_in(filters.advertiserIds)
        ids = parse_ids(filters.audienceIds) if filters.audienceIds is not None else None
        page = await call.data.audiences.search(advertiser_ids, ids, limit, offset)
    return AudienceSearchResult(
        data=[audience_resource(a) for a in page.items],
        meta=AudienceSearchMeta(totalItems=page.total, limit=limit, offset=offset),
    )


@routes.post(
    "/create",
    response_model=AudienceList,
    **documented(MANAGE, "Create audiences for granted advertisers"),
)
async def create_audiences(
    request: Request, gate: PartnerGateDep, body: AudienceCreateRequest
) -> AudienceList:
    async with partner_call(request, gate, MANAGE) as call:
        wanted = [item.attributes for item in body.data]
        owners = [call.advertisers_in([item.advertiserId])[0] for item in wanted]
        now = gate.clock.now()
        created = [
            await call.data.audiences.add(owner, item.name, item.description, item.algebra, now)
            for owner, item in zip(owners, wanted, strict=True)
        ]
    return AudienceList(data=[audience_resource(a) for a in created])

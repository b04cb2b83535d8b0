"""Marketing Solutions creatives of one advertiser (`MarketingSolutions_Creative_Read`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request

from consentry.core.ports.partner import Creative
from consentry.core.scopes import MARKETING_SOLUTIONS
from consentry.partner_api.context import parse_id, partner_call
from consentry.partner_api.deps import PartnerGateDep
from consentry.partner_api.marketing.schemas import (
    CreativeAttributes,
    CreativeList,
    CreativeResource,
    ImageAttributes,
)
from consentry.partner_api.schemas import documented
from consentry.web.routing import RouteTable

READ = "MarketingSolutions_Creative_Read"

routes = RouteTable(tags=[MARKETING_SOLUTIONS.title])


def creative_resource(creative: Creative) -> CreativeResource:
    attributes = CreativeAttributes(
        advertiserId=str(creative.advertiser_id),
        author=creative.author,
        name=creative.name,
        status=creative.status,
        description=creative.description,
        format=creative.format,
        datasetId=str(creative.dataset_id),
        imageAttributes=ImageAttributes(
            urls=list(creative.image_urls), landingPageUrl=creative.landing_page_url
        ),
    )
    return CreativeResource(id=str(creative.id), attributes=attributes)


@routes.get(
    "/marketing-solutions/advertisers/{advertiser_id}/creatives",
    response_model=CreativeList,
    **documented(READ, "Creatives of a granted advertiser"),
)
async def advertiser_creatives(
    request: Request,
    gate: PartnerGateDep,
    advertiser_id: Annotated[str, Path()],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CreativeList:
    async with partner_call(request, gate, READ) as call:
        owner = parse_id(advertiser_id)
        call.require_advertisers([owner])
        page = await call.data.creatives.list(owner, limit, offset)
    return CreativeList(data=[creative_resource(c) for c in page.items])

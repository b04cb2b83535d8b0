"""Marketing Solutions campaigns: search, get (`_Campaign_Read`) and spend limits (`_Manage`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Path, Request

from consentry.core.ports.partner import MarketingCampaign
from consentry.core.scopes import MARKETING_SOLUTIONS
from consentry.partner_api.context import parse_id, parse_ids, partner_call
from consentry.partner_api.deps import PartnerGateDep
from consentry.partner_api.errors import InvalidRequestBody, ResourceNotFound
from consentry.partner_api.marketing.schemas import (
    CampaignAttributes,
    CampaignList,
    CampaignPatchRequest,
    CampaignResource,
    CampaignResponse,
    CampaignSearch,
    IdResource,
    NillableDecimal,
    PatchResultList,
    SpendLimit,
)
from consentry.partner_api.schemas import amount, cents, documented
from consentry.web.routing import RouteTable

READ = "MarketingSolutions_Campaign_Read"
MANAGE = "MarketingSolutions_Campaign_Manage"

routes = RouteTable(prefix="/marketing-solutions/campaigns", tags=[MARKETING_SOLUTIONS.title])


def campaign_resource(campaign: MarketingCampaign) -> CampaignResource:
    limit = SpendLimit(
        spendLimitType=campaign.spend_limit_type,
        spendLimitRenewal=campaign.spend_limit_renewal,
        spendLimitAmount=NillableDecimal(value=amount(campaign.spend_limit_cents)),
    )
    attributes = CampaignAttributes(
        advertiserId=str(campaign.advertiser_id),
        name=campaign.name,
        goal=campaign.goal,
        spendLimit=limit,
    )
    return CampaignResource(id=str(campaign.id), attributes=attributes)


@routes.post(
    "/search", response_model=CampaignList, **documented(READ, "Search the granted campaigns")
)
async def search_campaigns(
    request: Request,
    gate: PartnerGateDep,
    body: Annotated[CampaignSearch | None, Body()] = None,
) -> CampaignList:
    filters = (body or CampaignSearch()).filters
    async with partner_call(request, gate, READ) as call:
        advertiser_ids = call.advertisers_in(filters.advertiserIds)
        ids = parse_ids(filters.campaignIds) if filters.campaignIds is not None else None
        found = await call.data.campaigns.search(advertiser_ids, ids)
    return CampaignList(data=[campaign_resource(c) for c in found])


@routes.get("/{campaign_id}", response_model=CampaignResponse, **documented(READ, "One campaign"))
async def get_campaign(
    request: Request,
    gate: PartnerGateDep,
    campaign_id: Annotated[str, Path()],
) -> CampaignResponse:
    async with partner_call(request, gate, READ) as call:
        campaign = await call.data.campaigns.get(parse_id(campaign_id))
        if campaign is None:
            raise ResourceNotFound(f"Campaign {campaign_id} does not exist.")
        call.require_advertisers([campaign.advertiser_id])
    return CampaignResponse(data=campaign_resource(campaign))


@routes.patch(
    "",
    response_model=PatchResultList,
    **documented(MANAGE, "Change the spend limit (budget) of granted campaigns"),
)
async def patch_campaigns(
    request: Request, gate: PartnerGateDep, body: CampaignPatchRequest
) -> PatchResultList:
    async with partner_call(request, gate, MANAGE) as call:
        changes = []
        for item in body.data:  # check everything before changing anything
            campaign = await call.data.campaigns.get(parse_id(item.id))
            if campaign is None:
                raise ResourceNotFound(f"Campaign {item.id} does not exist.")
            call.require_advertisers([campaign.advertiser_id])
            limit = item.attributes.spendLimit
            value = cents(limit.spendLimitAmount.value)
            if (limit.spendLimitType == "capped") != (value is not None):
                raise InvalidRequestBody("A capped spend limit needs an amount; uncapped, none.")
            changes.append((campaign.id, limit.spendLimitType, limit.spendLimitRenewal, value))
        for campaign_id, limit_type, renewal, value in changes:
            await call.data.campaigns.set_spend_limit(campaign_id, limit_type, renewal, value)
    return PatchResultList(data=[IdResource(id=str(c[0]), type="Campaign") for c in changes])

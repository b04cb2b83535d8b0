"""Retail Media campaigns: list and get (`RetailMedia_Campaign_Read`), update (`_Manage`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request

from consentry.core.ports.partner import RetailCampaign, RetailCampaignSettings
from consentry.core.scopes import RETAIL_MEDIA
from consentry.partner_api.context import PartnerCall, parse_id, parse_ids, partner_call
from consentry.partner_api.deps import PartnerGateDep
from consentry.partner_api.errors import InvalidRequestBody, ResourceNotFound
from consentry.partner_api.retail.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_metadata
from consentry.partner_api.retail.schemas import (
    CampaignAttributes,
    CampaignPage,
    CampaignResource,
    CampaignResponse,
    CampaignUpdate,
)
from consentry.partner_api.schemas import amount, cents, documented
from consentry.web.routing import RouteTable

READ = "RetailMedia_Campaign_Read"
MANAGE = "RetailMedia_Campaign_Manage"

routes = RouteTable(tags=[RETAIL_MEDIA.title])


def campaign_resource(campaign: RetailCampaign) -> CampaignResource:
    s = campaign.settings
    remaining = None
    if s.budget_cents is not None:
        remaining = amount(max(0, s.budget_cents - campaign.budget_spent_cents))
    attributes = CampaignAttributes(
        accountId=str(campaign.account_id),
        name=s.name,
        type=campaign.type,
        status=campaign.status,
        isAutoDailyPacing=s.is_auto_daily_pacing,
        budget=amount(s.budget_cents),
        budgetSpent=amount(campaign.budget_spent_cents),
        budgetRemaining=remaining,
        dailyPacing=amount(s.daily_pacing_cents),
        monthlyPacing=amount(s.monthly_pacing_cents),
        startDate=s.start_at,
        endDate=s.end_at,
        clickAttributionWindow=s.click_attribution_window,
        viewAttributionWindow=s.view_attribution_window,
        clickAttributionScope=s.click_attribution_scope,
        viewAttributionScope=s.view_attribution_scope,
        createdAt=campaign.created_at,
        updatedAt=campaign.updated_at,
    )
    return CampaignResource(id=str(campaign.id), attributes=attributes)


async def _granted_campaign(call: PartnerCall, campaign_id: str) -> RetailCampaign:
    campaign = await call.data.retail_campaigns.get(parse_id(campaign_id))
    if campaign is None:
        raise ResourceNotFound(f"Campaign {campaign_id} does not exist.")
    call.require_advertisers([campaign.advertiser_id])
    return campaign


@routes.get(
    "/retail-media/accounts/{account_id}/campaigns",
    response_model=CampaignPage,
    **documented(READ, "Campaigns of a granted Retail Media account"),
)
async def account_campaigns(
    request: Request,
    gate: PartnerGateDep,
    account_id: Annotated[str, Path()],
    limit_to_id: Annotated[list[str] | None, Query(alias="limitToId", max_length=100)] = None,
    page_index: Annotated[int, Query(alias="pageIndex", ge=0, le=100_000)] = 0,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> CampaignPage:
    async with partner_call(request, gate, READ) as call:
        account = await call.data.retail_accounts.get(parse_id(account_id))
        if account is None:
            raise ResourceNotFound(f"Account {account_id} does not exist.")
        call.require_advertisers([account.advertiser_id])
        only = parse_ids(limit_to_id) if limit_to_id else None
        page = await call.data.retail_campaigns.page(account.id, only, page_index, page_size)
    metadata = page_metadata(
        request, gate.base_url, page_index, page_size, page.total, len(page.items)
    )
    return CampaignPage(metadata=metadata, data=[campaign_resource(c) for c in page.items])


@routes.get(
    "/retail-media/campaigns/{campaignId}",
    response_model=CampaignResponse,
    **documented(READ, "One Retail Media campaign"),
)
async def get_campaign(
    request: Request,
    gate: PartnerGateDep,
    campaign_id: Annotated[str, Path(alias="campaignId")],
) -> CampaignResponse:
    async with partner_call(request, gate, READ) as call:
        campaign = await _granted_campaign(call, campaign_id)
    return CampaignResponse(data=campaign_resource(campaign))


@routes.put(
    "/retail-media/campaigns/{campaignId}",
    response_model=CampaignResponse,
    **documented(MANAGE, "Replace the editable settings of a Retail Media campaign"),
)
async def update_campaign(
    request: Request,
    gate: PartnerGateDep,
    campaign_id: Annotated[str, Path(alias="campaignId")],
    body: CampaignUpdate,
) -> CampaignResponse:
    edit = body.data.attributes
    async with partner_call(request, gate, MANAGE) as call:
        campaign = await _granted_campaign(call, campaign_id)
        if body.data.id != campaign_id:
            raise InvalidRequestBody("The body's data.id must be the campaign of the path.")
        if edit.startDate and edit.endDate and edit.endDate < edit.startDate:
            raise InvalidRequestBody("endDate must not be before startDate.")
        settings = RetailCampaignSettings(
            name=edit.name,
            is_auto_daily_pacing=edit.isAutoDailyPacing,
            click_attribution_window=edit.clickAttributionWindow,
            view_attribution_window=edit.viewAttributionWindow,
            click_attribution_scope=edit.clickAttributionScope,
            view_attribution_scope=edit.viewAttributionScope,
            budget_cents=cents(edit.budget),
            daily_pacing_cents=cents(edit.dailyPacing),
            monthly_pacing_cents=cents(edit.monthlyPacing),
            start_at=edit.startDate,
            end_at=edit.endDate,
        )
        await call.data.retail_campaigns.update(campaign.id, settings, gate.clock.now())
        updated = await _granted_campaign(call, campaign_id)
    return CampaignResponse(data=campaign_resource(updated))

"""Marketing Solutions ad sets: search, get (`_Campaign_Read`), bid and budget (`_Manage`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Path, Request

from consentry.core.ports.partner import AdSet
from consentry.core.scopes import MARKETING_SOLUTIONS
from consentry.partner_api.context import parse_id, parse_ids, partner_call
from consentry.partner_api.deps import PartnerGateDep
from consentry.partner_api.errors import ResourceNotFound
from consentry.partner_api.marketing.campaigns import MANAGE, READ
from consentry.partner_api.marketing.schemas import (
    AdSetAttributes,
    AdSetList,
    AdSetPatchRequest,
    AdSetResource,
    AdSetResponse,
    AdSetSearch,
    Bidding,
    Budget,
    IdResource,
    NillableDateTime,
    PatchResultList,
    Schedule,
)
from consentry.partner_api.schemas import amount, cents, documented
from consentry.web.routing import RouteTable

routes = RouteTable(prefix="/marketing-solutions/ad-sets", tags=[MARKETING_SOLUTIONS.title])


def ad_set_resource(ad_set: AdSet) -> AdSetResource:
    attributes = AdSetAttributes(
        advertiserId=str(ad_set.advertiser_id),
        campaignId=str(ad_set.campaign_id),
        datasetId=str(ad_set.dataset_id),
        name=ad_set.name,
        objective=ad_set.objective,
        mediaType=ad_set.media_type,
        bidding=Bidding(bidAmount=amount(ad_set.bid_cents), costController=ad_set.cost_controller),
        budget=Budget(
            budgetAmount=amount(ad_set.budget_cents),
            budgetRenewal=ad_set.budget_renewal,
            budgetStrategy=ad_set.budget_strategy,
        ),
        schedule=Schedule(
            activationStatus=ad_set.activation_status,
            startDate=NillableDateTime(value=ad_set.start_at),
            endDate=NillableDateTime(value=ad_set.end_at),
        ),
    )
    return AdSetResource(id=str(ad_set.id), attributes=attributes)


@routes.post("/search", response_model=AdSetList, **documented(READ, "Search the granted ad sets"))
async def search_ad_sets(
    request: Request,
    gate: PartnerGateDep,
    body: Annotated[AdSetSearch | None, Body()] = None,
) -> AdSetList:
    filters = (body or AdSetSearch()).filters
    async with partner_call(request, gate, READ) as call:
        advertiser_ids = call.advertisers_in(filters.advertiserIds)
        campaign_ids = parse_ids(filters.campaignIds) if filters.campaignIds is not None else None
        ad_set_ids = parse_ids(filters.adSetIds) if filters.adSetIds is not None else None
        found = await call.data.ad_sets.search(advertiser_ids, campaign_ids, ad_set_ids)
    return AdSetList(data=[ad_set_resource(a) for a in found])


@routes.get("/{ad_set_id}", response_model=AdSetResponse, **documented(READ, "One ad set"))
async def get_ad_set(
    request: Request,
    gate: PartnerGateDep,
    ad_set_id: Annotated[str, Path()],
) -> AdSetResponse:
    async with partner_call(request, gate, READ) as call:
        ad_set = await call.data.ad_sets.get(parse_id(ad_set_id))
        if ad_set is None:
            raise ResourceNotFound(f"Ad set {ad_set_id} does not exist.")
        call.require_advertisers([ad_set.advertiser_id])
    return AdSetResponse(data=ad_set_resource(ad_set))


@routes.patch(
    "", response_model=PatchResultList, **documented(MANAGE, "Change bids and budgets of ad sets")
)
async def patch_ad_sets(
    request: Request, gate: PartnerGateDep, body: AdSetPatchRequest
) -> PatchResultList:
    async with partner_call(request, gate, MANAGE) as call:
        targets = []
        for item in body.data:  # check everything before changing anything
            ad_set = await call.data.ad_sets.get(parse_id(item.id))
            if ad_set is None:
                raise ResourceNotFound(f"Ad set {item.id} does not exist.")
            call.require_advertisers([ad_set.advertiser_id])
            targets.append((ad_set.id, item.attributes))
        for ad_set_id, patch in targets:
            if patch.bidding is not None:
                await call.data.ad_sets.set_bid(ad_set_id, cents(patch.bidding.bidAmount.value))
            if patch.budget is not None:
                value = cents(patch.budget.budgetAmount.value)
                await call.data.ad_sets.set_budget(ad_set_id, value)
    return PatchResultList(data=[IdResource(id=str(t[0]), type="AdSet") for t in targets])

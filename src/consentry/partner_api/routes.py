"""Partner API routes: Criteo's paths under a `YYYY-MM` version prefix, one module per domain.

Every route runs the version check first (404 unknown, 410 retired, Deprecation/Sunset near the
end), then `partner_call` (token, rate limit, scope, granted advertisers).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from consentry.core.scopes import MARKETING_SOLUTIONS
from consentry.partner_api import gateway
from consentry.partner_api.context import PartnerDep, check_version, partner_call
from consentry.partner_api.marketing import (
    ad_sets,
    analytics,
    audiences,
    campaigns,
    creatives,
    reco,
)
from consentry.partner_api.retail import accounts
from consentry.partner_api.retail import campaigns as retail_campaigns
from consentry.partner_api.schemas import AdvertiserList, documented
from consentry.web.deps import ServicesDep

router = APIRouter(prefix="/{version}", dependencies=[Depends(check_version)])


@router.get(
    "/advertisers/me",
    response_model=AdvertiserList,
    tags=[MARKETING_SOLUTIONS.title],
    **documented(None, "Advertisers the access token was granted"),
)
async def my_advertisers(request: Request, services: ServicesDep, partner: PartnerDep) -> Response:
    # Served by the hot lane (web/hot_lane.py): answers a Response, the body an `AdvertiserList`.
    # The advertisers' names come with the call's admission (partner_api/guard.py).
    async with partner_call(request, services, partner, None) as call:
        advertisers = sorted(call.access.advertisers, key=lambda advertiser: advertiser.id)
    data = [
        {"type": "advertiser", "id": str(a.id), "attributes": {"advertiserName": a.name}}
        for a in advertisers
    ]
    return JSONResponse({"data": data, "errors": [], "warnings": []})


for module in (
    gateway,
    campaigns,
    ad_sets,
    audiences,
    creatives,
    analytics,
    reco,
    accounts,
    retail_campaigns,
):
    router.include_router(module.router)

"""The calling token's own resources: `GET /{version}/advertisers/me` (the advertisers it was
granted) and `/marketing-solutions/me`, `/retail-media/me` (the application it was issued to).

These are the calls integrations make all the time: they are registered first (`routes.py`)
and take only the request and the gate, so `web.routing.DirectRoute` calls them directly.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from consentry.core.errors import InvalidToken
from consentry.core.scopes import MARKETING_SOLUTIONS, RETAIL_MEDIA
from consentry.partner_api.context import partner_call
from consentry.partner_api.deps import PartnerGateDep
from consentry.partner_api.schemas import AdvertiserList, ApplicationSummaryResponse, documented
from consentry.web.routing import RouteTable

routes = RouteTable()


@routes.get(
    "/advertisers/me",
    response_model=AdvertiserList,
    tags=[MARKETING_SOLUTIONS.title],
    **documented(None, "Advertisers the access token was granted"),
)
async def my_advertisers(request: Request, gate: PartnerGateDep) -> Response:
    # The advertisers' names come with the call's admission (partner_api/guard.py); the body
    # is an `AdvertiserList` (tests/partner_api/test_openapi.py checks it against the schema).
    async with partner_call(request, gate, None) as call:
        advertisers = sorted(call.access.advertisers, key=lambda advertiser: advertiser.id)
    data = [
        {"type": "advertiser", "id": str(a.id), "attributes": {"advertiserName": a.name}}
        for a in advertisers
    ]
    return JSONResponse({"data": data, "errors": [], "warnings": []})


async def _summary(request: Request, gate: PartnerGateDep) -> Response:
    async with partner_call(request, gate, None) as call:
        client = await call.uow.clients.get_by_client_id(call.access.claims.client_id)
    if client is None:
        raise InvalidToken("The credentials of this access token were deleted.")
    return JSONResponse(ApplicationSummaryResponse.of(client.app).model_dump(mode="json"))


@routes.get(
    "/marketing-solutions/me",
    response_model=ApplicationSummaryResponse,
    tags=[MARKETING_SOLUTIONS.title],
    **documented(None, "The application the access token was issued to"),
)
async def marketing_solutions_me(request: Request, gate: PartnerGateDep) -> Response:
    return await _summary(request, gate)


@routes.get(
    "/retail-media/me",
    response_model=ApplicationSummaryResponse,
    tags=[RETAIL_MEDIA.title],
    **documented(None, "The application the access token was issued to"),
)
async def retail_media_me(request: Request, gate: PartnerGateDep) -> Response:
    return await _summary(request, gate)

"""`GET /{version}/retail-media/accounts`: the granted Retail Media accounts, paged.

The discovery call of a Retail Media integration (like `advertisers/me`): any valid Retail Media
token may list the accounts of the advertisers its grant covers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from consentry.core.ports.partner import RetailAccount
from consentry.core.scopes import RETAIL_MEDIA
from consentry.partner_api.context import parse_ids, partner_call
from consentry.partner_api.deps import PartnerGateDep
from consentry.partner_api.retail.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_metadata
from consentry.partner_api.retail.schemas import AccountAttributes, AccountPage, AccountResource
from consentry.partner_api.schemas import documented
from consentry.web.routing import RouteTable

routes = RouteTable(tags=[RETAIL_MEDIA.title])


def account_resource(account: RetailAccount) -> AccountResource:
    attributes = AccountAttributes(
        name=account.name,
        type=account.type,
        subtype=account.subtype,
        countries=list(account.countries),
        currency=account.currency,
        parentAccountLabel=account.parent_account_label,
        timeZone=account.time_zone,
        companyName=account.company_name,
    )
    return AccountResource(id=str(account.id), attributes=attributes)


@routes.get(
    "/retail-media/accounts",
    response_model=AccountPage,
    **documented(None, "Retail Media accounts of the granted advertisers", service=RETAIL_MEDIA),
)
async def list_accounts(
    request: Request,
    gate: PartnerGateDep,
    limit_to_id: Annotated[list[str] | None, Query(alias="limitToId", max_length=100)] = None,
    page_index: Annotated[int, Query(alias="pageIndex", ge=0, le=100_000)] = 0,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> AccountPage:
    async with partner_call(request, gate, None, service=RETAIL_MEDIA) as call:
        only = parse_ids(limit_to_id) if limit_to_id else None
        page = await call.data.retail_accounts.page(
            call.advertiser_ids, only, page_index, page_size
        )
    metadata = page_metadata(
        request, gate.base_url, page_index, page_size, page.total, len(page.items)
    )
    return AccountPage(metadata=metadata, data=[account_resource(a) for a in page.items])

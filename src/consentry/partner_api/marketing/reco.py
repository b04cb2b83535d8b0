"""Marketing Solutions product sets of a catalogue dataset (`MarketingSolutions_Reco_Read`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request

from consentry.core.ports.partner import ProductSet
from consentry.core.scopes import MARKETING_SOLUTIONS
from consentry.partner_api.context import parse_id, partner_call
from consentry.partner_api.deps import PartnerGateDep
from consentry.partner_api.errors import ResourceNotFound
from consentry.partner_api.marketing.schemas import (
    ProductSetAttributes,
    ProductSetList,
    ProductSetResource,
    ProductSetRule,
)
from consentry.partner_api.schemas import documented
from consentry.web.routing import RouteTable

READ = "MarketingSolutions_Reco_Read"

routes = RouteTable(tags=[MARKETING_SOLUTIONS.title])


def product_set_resource(product_set: ProductSet) -> ProductSetResource:
    attributes = ProductSetAttributes(
        id=str(product_set.id),
        datasetId=str(product_set.dataset_id),
        name=product_set.name,
        status=product_set.status,
        creationDate=product_set.created_at.isoformat(timespec="seconds"),
        numberOfProducts=product_set.number_of_products,
        rules=[ProductSetRule.model_validate(rule) for rule in product_set.rules],
    )
    return ProductSetResource(id=str(product_set.id), attributes=attributes)


@routes.get(
    "/marketing-solutions/product-sets/dataset/{dataset_id}",
    response_model=ProductSetList,
    **documented(READ, "Product sets of a granted advertiser's dataset"),
)
async def dataset_product_sets(
    request: Request,
    gate: PartnerGateDep,
    dataset_id: Annotated[str, Path()],
) -> ProductSetList:
    async with partner_call(request, gate, READ) as call:
        dataset = await call.data.product_sets.dataset(parse_id(dataset_id))
        if dataset is None:
            raise ResourceNotFound(f"Dataset {dataset_id} does not exist.")
        call.require_advertisers([dataset.advertiser_id])
        found = await call.data.product_sets.by_dataset(dataset.id)
    return ProductSetList(data=[product_set_resource(p) for p in found])

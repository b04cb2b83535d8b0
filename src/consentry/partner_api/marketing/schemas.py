"""Marketing Solutions request and response models, named and shaped after Criteo's OpenAPI.

Responses: campaigns (CampaignV23Q1), ad sets (ReadAdSetV26Q1, a subset), audiences
(AudienceEntityV1), creatives (CreativeRead), product sets (ProductSet). Requests accept only what
consentry can apply.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from consentry.partner_api.schemas import Problem, RequestBody, Strict

MAX_ALGEBRA_CHARS = 10_000


class Envelope(Strict):
    errors: list[Problem] = Field(default_factory=list)
    warnings: list[Problem] = Field(default_factory=list)


class NillableDecimal(RequestBody):
    value: float | None = Field(default=None, ge=0)


class SpendLimit(RequestBody):
    spendLimitType: Literal["capped", "uncapped"]
    spendLimitRenewal: Literal["undefined", "daily", "monthly", "lifetime"]
    spendLimitAmount: NillableDecimal


class CampaignAttributes(Strict):
    advertiserId: str
    name: str
    goal: str
    spendLimit: SpendLimit


class CampaignResource(Strict):
    id: str
    type: Literal["Campaign"] = "Campaign"
    attributes: CampaignAttributes


class CampaignList(Envelope):
    data: list[CampaignResource]


class CampaignResponse(Envelope):
    data: CampaignResource


class CampaignFilters(RequestBody):
    advertiserIds: list[str] | None = None
    campaignIds: list[str] | None = None


class CampaignSearch(RequestBody):
    filters: CampaignFilters = CampaignFilters()


class CampaignPatch(RequestBody):
    spendLimit: SpendLimit


class CampaignPatchResource(RequestBody):
    id: str
    type: str = "Campaign"
    attributes: CampaignPatch


class CampaignPatchRequest(RequestBody):
    data: list[CampaignPatchResource] = Field(min_length=1, max_length=50)


class IdResource(Strict):
    id: str
    type: str


class PatchResultList(Envelope):
    data: list[IdResource]


class Bidding(Strict):
    bidAmount: float | None
    costController: str


class Budget(Strict):
    budgetAmount: float | None
    budgetRenewal: str
    budgetStrategy: str


class NillableDateTime(RequestBody):
    value: datetime | None


class Schedule(Strict):
    activationStatus: str
    startDate: NillableDateTime
    endDate: NillableDateTime


class AdSetAttributes(Strict):
    advertiserId: str
    campaignId: str
    datasetId: str
    name: str
    objective: str
    mediaType: str
    bidding: Bidding
    budget: Budget
    schedule: Schedule


class AdSetResource(Strict):
    id: str
    type: Literal["AdSet"] = "AdSet"
    attributes: AdSetAttributes


class AdSetList(Envelope):
    data: list[AdSetResource]


class AdSetResponse(Envelope):
    data: AdSetResource


class AdSetFilters(RequestBody):
    adSetIds: list[str] | None = None
    advertiserIds: list[str] | None = None
    campaignIds: list[str] | None = None


class AdSetSearch(RequestBody):
    filters: AdSetFilters = AdSetFilters()


class BiddingPatch(RequestBody):
    bidAmount: NillableDecimal


class BudgetPatch(RequestBody):
    budgetAmount: NillableDecimal


class AdSetPatch(RequestBody):
    bidding: BiddingPatch | None = None
    budget: BudgetPatch | None = None


class AdSetPatchResource(RequestBody):
    id: str
    type: str = "AdSet"
    attributes: AdSetPatch


class AdSetPatchRequest(RequestBody):
    data: list[AdSetPatchResource] = Field(min_length=1, max_length=50)


class AudienceAttributes(Strict):
    advertiserId: str
    name: str
    description: str
    algebra: dict[str, Any] | None
    adSetIds: list[str] = Field(default_factory=list)
    createdAt: datetime
    updatedAt: datetime


class AudienceResource(Strict):
    id: str
    type: Literal["Audience"] = "Audience"
    attributes: AudienceAttributes


class AudienceSearchMeta(Strict):
    totalItems: int
    limit: int
    offset: int


class AudienceSearchResult(Envelope):
    data: list[AudienceResource]
    meta: AudienceSearchMeta


class AudienceList(Envelope):
    data: list[AudienceResource]


class AudienceFilters(RequestBody):
    audienceIds: list[str] | None = None
    advertiserIds: list[str] | None = None
    audienceSegmentIds: list[str] | None = None
    adSetIds: list[str] | None = None


class AudienceSearchAttributes(RequestBody):
    attributes: AudienceFilters = AudienceFilters()
    type: str = "AudienceSearch"


class AudienceSearch(RequestBody):
    data: AudienceSearchAttributes = AudienceSearchAttributes()


class AudienceCreate(RequestBody):
    advertiserId: str
    name: str = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=1000)
    algebra: dict[str, Any]

    @field_validator("algebra")
    @classmethod
    def _algebra_is_small(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value)) > MAX_ALGEBRA_CHARS:
            raise ValueError("the audience algebra is too large")
        return value


class AudienceCreateResource(RequestBody):
    type: str = "Audience"
    attributes: AudienceCreate


class AudienceCreateRequest(RequestBody):
    data: list[AudienceCreateResource] = Field(min_length=1, max_length=50)


class ImageAttributes(Strict):
    urls: list[str]
    landingPageUrl: str


class CreativeAttributes(Strict):
    advertiserId: str
    author: str
    name: str
    status: str
    description: str
    format: str
    datasetId: str
    imageAttributes: ImageAttributes


class CreativeResource(Strict):
    id: str
    type: Literal["Creative"] = "Creative"
    attributes: CreativeAttributes


class CreativeList(Envelope):
    data: list[CreativeResource]


class ProductSetRule(Strict):
    field: str
    operator: str
    values: list[str]


class ProductSetAttributes(Strict):
    id: str
    datasetId: str
    name: str
    status: str
    clientType: Literal["CGrowth"] = "CGrowth"
    creationDate: str
    numberOfProducts: int
    minimumNumberOfProducts: int = 1
    keepVariantProducts: bool = True
    isFallbackAllowed: bool = True
    rules: list[ProductSetRule]


class ProductSetResource(Strict):
    id: str
    type: Literal["ProductSet"] = "ProductSet"
    attributes: ProductSetAttributes


class ProductSetList(Envelope):
    data: list[ProductSetResource]

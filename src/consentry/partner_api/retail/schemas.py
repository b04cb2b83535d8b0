"""Retail Media response and request models: exactly Criteo's shapes.

`AccountPage` is Criteo's `JsonApiPageResponseOfAccount`; its SDK model forbids unknown properties,
so these models declare exactly Criteo's fields (and `Strict` rejects any other input).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from consentry.partner_api.schemas import Problem, RequestBody, Strict


class PageMetadata(Strict):
    totalItemsAcrossAllPages: int
    currentPageSize: int
    currentPageIndex: int
    totalPages: int
    nextPage: str | None
    previousPage: str | None


class AccountAttributes(Strict):
    """Criteo's ExternalAccount."""

    name: str
    type: Literal["unknown", "supply", "demand"]
    subtype: Literal["unknown", "brand", "seller"] | None
    countries: list[str]
    currency: str
    parentAccountLabel: str
    timeZone: str
    companyName: str | None
    onBehalfCompanyName: str | None = None


class AccountResource(Strict):
    id: str
    type: Literal["RetailMediaAccount"] = "RetailMediaAccount"
    attributes: AccountAttributes


class AccountPage(Strict):
    """`GET /{version}/retail-media/accounts`: Criteo's JsonApiPageResponseOfAccount."""

    metadata: PageMetadata
    data: list[AccountResource]
    warnings: list[Problem] = Field(default_factory=list)
    errors: list[Problem] = Field(default_factory=list)


class CampaignAttributes(Strict):
    """Criteo's CampaignV202301 (amounts in the account's currency)."""

    accountId: str
    name: str
    type: Literal["unknown", "auction", "preferred"]
    status: Literal["unknown", "active", "inactive", "scheduled", "ended"]
    isAutoDailyPacing: bool
    budget: float | None
    budgetSpent: float | None
    budgetRemaining: float | None
    dailyPacing: float | None
    monthlyPacing: float | None
    startDate: datetime | None
    endDate: datetime | None
    clickAttributionWindow: str
    viewAttributionWindow: str
    clickAttributionScope: str | None
    viewAttributionScope: str | None
    drawableBalanceIds: list[str] = Field(default_factory=list)
    promotedBrandIds: list[str] = Field(default_factory=list)
    createdAt: datetime
    updatedAt: datetime


class CampaignResource(Strict):
    id: str
    type: Literal["RetailMediaCampaign"] = "RetailMediaCampaign"
    attributes: CampaignAttributes


class CampaignPage(Strict):
    """Criteo's JsonApiPageResponseOfCampaignV202301."""

    metadata: PageMetadata
    data: list[CampaignResource]
    warnings: list[Problem] = Field(default_factory=list)
    errors: list[Problem] = Field(default_factory=list)


class CampaignResponse(Strict):
    """Criteo's JsonApiSingleResponseOfCampaignV202301."""

    data: CampaignResource
    warnings: list[Problem] = Field(default_factory=list)
    errors: list[Problem] = Field(default_factory=list)


Scope = Literal["unknown", "sameSku", "sameSkuCategory", "sameSkuCategoryBrand"]


class EditableCampaign(RequestBody):
    """Criteo's EditableCampaignAttributesV202301 (a PUT: absent optional values become null)."""

    name: str = Field(min_length=1, max_length=255)
    isAutoDailyPacing: bool
    clickAttributionWindow: Literal["7D", "14D", "30D", "unknown"]
    viewAttributionWindow: Literal["none", "1D", "7D", "14D", "30D", "unknown"]
    clickAttributionScope: Scope | None = None
    viewAttributionScope: Scope | None = None
    budget: float | None = Field(default=None, ge=0)
    dailyPacing: float | None = Field(default=None, ge=0)
    monthlyPacing: float | None = Field(default=None, ge=0)
    startDate: datetime | None = None
    endDate: datetime | None = None
    companyName: str | None = None
    onBehalfCompanyName: str | None = None


class EditableCampaignResource(RequestBody):
    id: str
    type: str
    attributes: EditableCampaign


class CampaignUpdate(RequestBody):
    """Criteo's PutCampaignV202301."""

    data: EditableCampaignResource

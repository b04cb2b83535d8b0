"""Ports to the partner data behind the partner API: records and one repository per aggregate.

Marketing Solutions (campaigns, ad sets, audiences, creatives, product sets, daily statistics),
Retail Media (accounts, campaigns) and the shared rate-limit counters. Lookups return None when
nothing matches; callers filter by the advertisers a token was granted before asking.
Money is kept in integer cents of the advertiser's currency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

from consentry.core.model import (
    Advertiser,
)
from consentry.core.ports.unit_of_work import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a longer list, with the size of the whole list."""

    items: list[T]
    total: int


@dataclass(frozen=True, slots=True)
class MarketingCampaign:
    id: int
    advertiser_id: int
    name: str
    goal: str
    spend_limit_type: str
    spend_limit_renewal: str
    spend_limit_cents: int | None


@dataclass(frozen=True, slots=True)
class AdSet:
    id: int
    campaign_id: int
    advertiser_id: int
    dataset_id: int
    name: str
    objective: str
    media_type: str
    cost_controller: str
    bid_cents: int | None
    budget_cents: int | None
    budget_renewal: str
    budget_strategy: str
    activation_status: str
    start_at: datetime | None
    end_at: datetime | None


@dataclass(frozen=True, slots=True)
class Audience:
    id: int
    advertiser_id: int
    name: str
    description: str
    algebra: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Creative:
    id: int
    advertiser_id: int
    dataset_id: int
    name: str
    description: str
    author: str
    status: str
    format: str
    landing_page_url: str
    image_urls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Dataset:
    id: int
    advertiser_id: int
    name: str


@dataclass(frozen=True, slots=True)
class ProductSet:
    id: int
    dataset_id: int
    name: str
    status: str
    number_of_products: int
    rules: tuple[dict[str, Any], ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StatRow:
    """One ad set on one day, with the names a report may show."""

    advertiser_id: int
    advertiser_name: str
    campaign_id: int
    campaign_name: str
    ad_set_id: int
    ad_set_name: str
    day: date
    displays: int
    clicks: int
    cost_cents: int
    sales: int
    revenue_cents: int


@dataclass(frozen=True, slots=True)
class RetailAccount:
    id: int
    advertiser_id: int
    name: str
    type: str
    subtype: str
    countries: tuple[str, ...]
    currency: str
    parent_account_label: str
    time_zone: str
    company_name: str | None


@dataclass(frozen=True, slots=True)
class RetailCampaignSettings:
    """The editable part of a Retail Media campaign (Criteo's EditableCampaignAttributes)."""

    name: str
    is_auto_daily_pacing: bool
    click_attribution_window: str
    view_attribution_window: str
    click_attribution_scope: str | None
    view_attribution_scope: str | None
    budget_cents: int | None
    daily_pacing_cents: int | None
    monthly_pacing_cents: int | None
    start_at: datetime | None
    end_at: datetime | None


@dataclass(frozen=True, slots=True)
class RetailCampaign:
    id: int
    account_id: int
    advertiser_id: int
    type: str
    status: str
    budget_spent_cents: int
    settings: RetailCampaignSettings
    created_at: datetime
    updated_at: datetime


class MarketingCampaignRepository(Protocol):
    async def search(
        self, advertiser_ids: tuple[int, ...], campaign_ids: tuple[int, ...] | None
    ) -> list[MarketingCampaign]: ...
    async def get(self, campaign_id: int) -> MarketingCampaign | None: ...
    async def set_spend_limit(
        self, campaign_id: int, limit_type: str, renewal: str, cents: int | None
    ) -> None: ...


class AdSetRepository(Protocol):
    async def search(
        self,
        advertiser_ids: tuple[int, ...],
        campaign_ids: tuple[int, ...] | None,
        ad_set_ids: tuple[int, ...] | None,
    ) -> list[AdSet]: ...
    async def get(self, ad_set_id: int) -> AdSet | None: ...
    async def set_bid(self, ad_set_id: int, cents: int | None) -> None: ...
    async def set_budget(self, ad_set_id: int, cents: int | None) -> None: ...


class AudienceRepository(Protocol):
    async def search(
        self,
        advertiser_ids: tuple[int, ...],
        audience_ids: tuple[int, ...] | None,
        limit: int,
        offset: int,
    ) -> Page[Audience]: ...
    async def add(
        self,
        advertiser_id: int,
        name: str,
        description: str,
        algebra: dict[str, Any] | None,
        now: datetime,
    ) -> Audience: ...


class CreativeRepository(Protocol):
    async def list(self, advertiser_id: int, limit: int, offset: int) -> Page[Creative]: ...


class ProductSetRepository(Protocol):
    async def dataset(self, dataset_id: int) -> Dataset | None: ...
    async def by_dataset(self, dataset_id: int) -> list[ProductSet]: ...


class StatisticsRepository(Protocol):
    async def rows(
        self,
        advertiser_ids: tuple[int, ...],
        first_day: date,
        last_day: date,
        ad_set_ids: tuple[int, ...] | None,
    ) -> list[StatRow]:
        """Daily rows of the advertisers' ad sets, both days included, in a stable order."""
        ...


class RetailAccountRepository(Protocol):
    async def page(
        self,
        advertiser_ids: tuple[int, ...],
        only_ids: tuple[int, ...] | None,
        page_index: int,
        page_size: int,
    ) -> Page[RetailAccount]: ...
    async def get(self, account_id: int) -> RetailAccount | None: ...


class RetailCampaignRepository(Protocol):
    async def page(
        self,
        account_id: int,
        only_ids: tuple[int, ...] | None,
        page_index: int,
        page_size: int,
    ) -> Page[RetailCampaign]: ...
    async def get(self, campaign_id: int) -> RetailCampaign | None: ...
    async def update(
        self, campaign_id: int, settings: RetailCampaignSettings, now: datetime
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Admission:
    """A partner-API call counted against its caller's window, with what its grant still grants.

    `advertisers` are the grant's (or, for a client-credentials token, the app-level grants')
    advertisers that are still granted, with their names, in no particular order.
    """

    count: int  # this call's number in its window
    advertisers: tuple[Advertiser, ...]


class RateLimitRepository(Protocol):
    """The shared counters of the partner API's rate limits, and the per-call admission."""

    async def admit_grant(
        self, key: str, window_start: int, grant_id: str, token_id: str, limit: int
    ) -> Admission | None:
        """Count a call of an authorization-code token, if its grant and the token are live.

        The call gets the next number of `key` in the window starting at `window_start` (epoch
        seconds), only when the grant is not revoked and the access token `token_id` was not
        revoked (RFC 7009); None, counting nothing, when either was. Numbers are unique across
        nodes, so no more than `limit` calls get a number up to `limit`. An implementation may
        take numbers ahead for a node (then say how early a caller can be refused) and may
        answer from what it learnt less than a second ago (DESIGN.md §2).
        """
        ...

    async def admit_app(
        self, key: str, window_start: int, client_id: str, token_id: str, limit: int
    ) -> Admission | None:
        """The same for a client-credentials token: live while its client id (pair) exists."""
        ...

    async def purge(self, before: int) -> None:
        """Forget some windows that started before `before`, never waiting on other callers."""
        ...


class PartnerData(Protocol):
    """The partner repositories, bound to the transaction of one unit of work."""

    @property
    def campaigns(self) -> MarketingCampaignRepository: ...
    @property
    def ad_sets(self) -> AdSetRepository: ...
    @property
    def audiences(self) -> AudienceRepository: ...
    @property
    def creatives(self) -> CreativeRepository: ...
    @property
    def product_sets(self) -> ProductSetRepository: ...
    @property
    def statistics(self) -> StatisticsRepository: ...
    @property
    def retail_accounts(self) -> RetailAccountRepository: ...
    @property
    def retail_campaigns(self) -> RetailCampaignRepository: ...
    @property
    def rate_limits(self) -> RateLimitRepository: ...


PartnerDataFactory = Callable[[UnitOfWork], PartnerData]

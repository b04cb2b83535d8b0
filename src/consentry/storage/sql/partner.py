"""The SQL partner repositories, bound to the connection of a request's unit of work."""

from __future__ import annotations

from consentry.storage.partner import (
    AdSetRepository,
    AudienceRepository,
    CreativeRepository,
    MarketingCampaignRepository,
    PartnerData,
    ProductSetRepository,
    RateLimitRepository,
    RetailAccountRepository,
    RetailCampaignRepository,
    StatisticsRepository,
)
from consentry.storage.repositories import UnitOfWork
from consentry.storage.sql.partner_marketing import (
    SqlAdSetRepository,
    SqlAudienceRepository,
    SqlCreativeRepository,
    SqlMarketingCampaignRepository,
)
from consentry.storage.sql.partner_reporting import (
    SqlProductSetRepository,
    SqlStatisticsRepository,
)
from consentry.storage.sql.partner_retail import (
    SqlRetailAccountRepository,
    SqlRetailCampaignRepository,
)
from consentry.storage.sql.rate_limits import SqlRateLimitRepository
from consentry.storage.sql.repositories import SqlUnitOfWork


class SqlPartnerData:
    """Every partner repository on one connection, so a request stays one transaction."""

    campaigns: MarketingCampaignRepository
    ad_sets: AdSetRepository
    audiences: AudienceRepository
    creatives: CreativeRepository
    product_sets: ProductSetRepository
    statistics: StatisticsRepository
    retail_accounts: RetailAccountRepository
    retail_campaigns: RetailCampaignRepository
    rate_limits: RateLimitRepository

    def __init__(self, uow: SqlUnitOfWork) -> None:
        conn = uow.connection
        self.campaigns = SqlMarketingCampaignRepository(conn)
        self.ad_sets = SqlAdSetRepository(conn)
        self.audiences = SqlAudienceRepository(conn)
        self.creatives = SqlCreativeRepository(conn)
        self.product_sets = SqlProductSetRepository(conn)
        self.statistics = SqlStatisticsRepository(conn)
        self.retail_accounts = SqlRetailAccountRepository(conn)
        self.retail_campaigns = SqlRetailCampaignRepository(conn)
        self.rate_limits = SqlRateLimitRepository(conn)


def sql_partner_data(uow: UnitOfWork) -> PartnerData:
    """The `PartnerDataFactory` of the SQL storage: needs a `SqlUnitOfWork`."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("the SQL partner repositories need a SqlUnitOfWork")
    return SqlPartnerData(uow)

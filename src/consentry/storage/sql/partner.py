"""The SQL partner repositories, bound to the connection of a request's unit of work."""

from __future__ import annotations

from functools import cached_property

from consentry.core.ports.partner import (
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
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.storage.sql.repositories.partner_marketing import (
    SqlAdSetRepository,
    SqlAudienceRepository,
    SqlCreativeRepository,
    SqlMarketingCampaignRepository,
)
from consentry.storage.sql.repositories.partner_reporting import (
    SqlProductSetRepository,
    SqlStatisticsRepository,
)
from consentry.storage.sql.repositories.partner_retail import (
    SqlRetailAccountRepository,
    SqlRetailCampaignRepository,
)
from consentry.storage.sql.repositories.rate_limits import SqlRateLimitRepository
from consentry.storage.sql.unit_of_work import SqlUnitOfWork


class SqlPartnerData:
    """Every partner repository on one connection, so a request stays one transaction.

    Each is built on first use: a call reads one or two of them.
    """

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._conn = uow.connection
        self._admissions = uow.recent.admissions

    @cached_property
    def campaigns(self) -> MarketingCampaignRepository:
        return SqlMarketingCampaignRepository(self._conn)

    @cached_property
    def ad_sets(self) -> AdSetRepository:
        return SqlAdSetRepository(self._conn)

    @cached_property
    def audiences(self) -> AudienceRepository:
        return SqlAudienceRepository(self._conn)

    @cached_property
    def creatives(self) -> CreativeRepository:
        return SqlCreativeRepository(self._conn)

    @cached_property
    def product_sets(self) -> ProductSetRepository:
        return SqlProductSetRepository(self._conn)

    @cached_property
    def statistics(self) -> StatisticsRepository:
        return SqlStatisticsRepository(self._conn)

    @cached_property
    def retail_accounts(self) -> RetailAccountRepository:
        return SqlRetailAccountRepository(self._conn)

    @cached_property
    def retail_campaigns(self) -> RetailCampaignRepository:
        return SqlRetailCampaignRepository(self._conn)

    @cached_property
    def rate_limits(self) -> RateLimitRepository:
        return SqlRateLimitRepository(self._conn, self._admissions)


def sql_partner_data(uow: UnitOfWork) -> PartnerData:
    """The `PartnerDataFactory` of the SQL storage: needs a `SqlUnitOfWork`."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("the SQL partner repositories need a SqlUnitOfWork")
    return SqlPartnerData(uow)

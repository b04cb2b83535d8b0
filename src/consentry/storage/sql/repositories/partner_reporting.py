"""The SQL repositories of catalogue and reporting data: datasets, product sets, daily statistics.

A day of `ms_daily_stats` is a PostgreSQL `date` (asyncpg gives and takes `datetime.date`) and
ISO text on SQLite, where days are bound as text too, so that they compare as the stored ones do.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from consentry.core.ports.partner import Dataset, ProductSet, StatRow
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, read_time
from consentry.storage.sql.statements import Dialect, Statement, among, parameter

datasets = schema.table(schema.MarketingDataset)
product_sets = schema.table(schema.MarketingProductSet)
daily_stats = schema.table(schema.MarketingDailyStat)
ad_sets = schema.table(schema.MarketingAdSet)
campaigns = schema.table(schema.MarketingCampaign)
advertisers = schema.table(schema.Advertiser)

_DATASET = Statement(
    select(datasets).where(datasets.c.id == parameter("dataset_id", datasets.c.id))
)
_PRODUCT_SETS = Statement(
    select(product_sets)
    .where(product_sets.c.dataset_id == parameter("dataset_id", product_sets.c.dataset_id))
    .order_by(product_sets.c.id)
)


def _statistics(*, by_ad_set: bool) -> Statement:
    """The daily rows of `advertiser_ids` from `first_day` to `last_day` (also among `ad_set_ids`
    if asked) with the names of their advertiser, campaign and ad set, by day and ad set."""
    query = (
        select(
            *daily_stats.c,
            advertisers.c.name.label("advertiser_name"),
            ad_sets.c.campaign_id,
            campaigns.c.name.label("campaign_name"),
            ad_sets.c.name.label("ad_set_name"),
        )
        .select_from(
            daily_stats.join(ad_sets, ad_sets.c.id == daily_stats.c.ad_set_id)
            .join(campaigns, campaigns.c.id == ad_sets.c.campaign_id)
            .join(advertisers, advertisers.c.id == daily_stats.c.advertiser_id)
        )
        .where(
            among(daily_stats.c.advertiser_id, "advertiser_ids"),
            daily_stats.c.day >= parameter("first_day", daily_stats.c.day),
            daily_stats.c.day <= parameter("last_day", daily_stats.c.day),
        )
    )
    if by_ad_set:
        query = query.where(among(daily_stats.c.ad_set_id, "ad_set_ids"))
    return Statement(query.order_by(daily_stats.c.day, daily_stats.c.ad_set_id))


# The statistics by whether `ad_set_ids` filters them.
_STATISTICS = {by_ad_set: _statistics(by_ad_set=by_ad_set) for by_ad_set in (False, True)}


def _bind_day(day: date, dialect: Dialect) -> object:
    """A day as the dialect stores it: `date` for asyncpg, ISO text for SQLite."""
    return day if dialect is Dialect.POSTGRESQL else day.isoformat()


def _read_day(value: object) -> date:
    """A stored day: `date` from asyncpg, ISO text from SQLite."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise TypeError(f"not a stored day: {type(value).__name__}")


class SqlProductSetRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def dataset(self, dataset_id: int) -> Dataset | None:
        row = await self._conn.fetchrow(_DATASET, dataset_id=dataset_id)
        return Dataset(row["id"], row["advertiser_id"], row["name"]) if row else None

    async def by_dataset(self, dataset_id: int) -> list[ProductSet]:
        return [
            ProductSet(
                id=row["id"],
                dataset_id=row["dataset_id"],
                name=row["name"],
                status=row["status"],
                number_of_products=row["number_of_products"],
                rules=tuple(json.loads(row["rules"])),
                created_at=read_time(row["created_at"]),
            )
            for row in await self._conn.fetch(_PRODUCT_SETS, dataset_id=dataset_id)
        ]


class SqlStatisticsRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def rows(
        self,
        advertiser_ids: tuple[int, ...],
        first_day: date,
        last_day: date,
        ad_set_ids: tuple[int, ...] | None,
    ) -> list[StatRow]:
        dialect = self._conn.dialect
        rows = await self._conn.fetch(
            _STATISTICS[ad_set_ids is not None],
            advertiser_ids=advertiser_ids,
            first_day=_bind_day(first_day, dialect),
            last_day=_bind_day(last_day, dialect),
            ad_set_ids=ad_set_ids,
        )
        return [
            StatRow(
                advertiser_id=row["advertiser_id"],
                advertiser_name=row["advertiser_name"],
                campaign_id=row["campaign_id"],
                campaign_name=row["campaign_name"],
                ad_set_id=row["ad_set_id"],
                ad_set_name=row["ad_set_name"],
                day=_read_day(row["day"]),
                displays=row["displays"],
                clicks=row["clicks"],
                cost_cents=row["cost_cents"],
                sales=row["sales"],
                revenue_cents=row["revenue_cents"],
            )
            for row in rows
        ]

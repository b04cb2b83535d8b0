"""SQL repositories of catalogue and reporting data: datasets, product sets, daily statistics.

SQL text run by the driver (`driver.py`). A day of `ms_daily_stats` is a PostgreSQL `date`
(asyncpg gives and takes `datetime.date`) and ISO text on SQLite, where days are bound as text
too, so that they compare as the stored ones do.
"""

from __future__ import annotations

import json
from datetime import date

from consentry.core.ports.partner import Dataset, ProductSet, StatRow
from consentry.storage.sql.connection import Connection, read_time, sql
from consentry.storage.sql.statements import Dialect

_DATASET = sql("SELECT id, advertiser_id, name FROM ms_datasets WHERE id = $1")
_PRODUCT_SETS = sql(
    "SELECT id, dataset_id, name, status, number_of_products, rules, created_at"
    " FROM ms_product_sets WHERE dataset_id = $1 ORDER BY id"
)

_STATS_SELECT = (
    "SELECT s.ad_set_id, s.day, s.advertiser_id, s.displays, s.clicks, s.cost_cents, s.sales,"
    " s.revenue_cents, v.name AS advertiser_name, a.campaign_id, c.name AS campaign_name,"
    " a.name AS ad_set_name"
    " FROM ms_daily_stats s JOIN ms_ad_sets a ON a.id = s.ad_set_id"
    " JOIN ms_campaigns c ON c.id = a.campaign_id"
    " JOIN advertisers v ON v.id = s.advertiser_id"
    " WHERE s.advertiser_id = ANY($1) AND s.day >= $2 AND s.day <= $3"
)
_STATS = sql(f"{_STATS_SELECT} ORDER BY s.day, s.ad_set_id")
_STATS_OF_AD_SETS = sql(f"{_STATS_SELECT} AND s.ad_set_id = ANY($4) ORDER BY s.day, s.ad_set_id")


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
        row = await self._conn.fetchrow(_DATASET, dataset_id)
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
            for row in await self._conn.fetch(_PRODUCT_SETS, dataset_id)
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
        args: list[object] = [
            list(advertiser_ids),
            _bind_day(first_day, dialect),
            _bind_day(last_day, dialect),
        ]
        statement = _STATS
        if ad_set_ids is not None:
            statement = _STATS_OF_AD_SETS
            args.append(list(ad_set_ids))
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
            for row in await self._conn.fetch(statement, *args)
        ]

"""SQL repositories of catalogue and reporting data: datasets, product sets, daily statistics."""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.storage.partner import Dataset, ProductSet, StatRow
from consentry.storage.sql import tables as t

datasets = cast(Table, t.MarketingDataset.__table__)
product_sets = cast(Table, t.MarketingProductSet.__table__)
stats = cast(Table, t.MarketingDailyStat.__table__)
ad_sets = cast(Table, t.MarketingAdSet.__table__)
campaigns = cast(Table, t.MarketingCampaign.__table__)
advertisers = cast(Table, t.Advertiser.__table__)


class SqlProductSetRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def dataset(self, dataset_id: int) -> Dataset | None:
        query = select(datasets).where(datasets.c.id == dataset_id)
        row = (await self._conn.execute(query)).first()
        return Dataset(row.id, row.advertiser_id, row.name) if row else None

    async def by_dataset(self, dataset_id: int) -> list[ProductSet]:
        query = (
            select(product_sets)
            .where(product_sets.c.dataset_id == dataset_id)
            .order_by(product_sets.c.id)
        )
        return [
            ProductSet(
                id=row.id,
                dataset_id=row.dataset_id,
                name=row.name,
                status=row.status,
                number_of_products=row.number_of_products,
                rules=tuple(row.rules),
                created_at=row.created_at,
            )
            for row in await self._conn.execute(query)
        ]


class SqlStatisticsRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def rows(
        self,
        advertiser_ids: tuple[int, ...],
        first_day: date,
        last_day: date,
        ad_set_ids: tuple[int, ...] | None,
    ) -> list[StatRow]:
        query = (
            select(
                stats,
                advertisers.c.name.label("advertiser_name"),
                ad_sets.c.campaign_id,
                campaigns.c.name.label("campaign_name"),
                ad_sets.c.name.label("ad_set_name"),
            )
            .join(ad_sets, ad_sets.c.id == stats.c.ad_set_id)
            .join(campaigns, campaigns.c.id == ad_sets.c.campaign_id)
            .join(advertisers, advertisers.c.id == stats.c.advertiser_id)
            .where(
                stats.c.advertiser_id.in_(advertiser_ids),
                stats.c.day >= first_day,
                stats.c.day <= last_day,
            )
            .order_by(stats.c.day, stats.c.ad_set_id)
        )
        if ad_set_ids is not None:
            query = query.where(stats.c.ad_set_id.in_(ad_set_ids))
        return [
            StatRow(
                advertiser_id=row.advertiser_id,
                advertiser_name=row.advertiser_name,
                campaign_id=row.campaign_id,
                campaign_name=row.campaign_name,
                ad_set_id=row.ad_set_id,
                ad_set_name=row.ad_set_name,
                day=row.day,
                displays=row.displays,
                clicks=row.clicks,
                cost_cents=row.cost_cents,
                sales=row.sales,
                revenue_cents=row.revenue_cents,
            )
            for row in await self._conn.execute(query)
        ]

"""SQL repositories of Marketing Solutions data: campaigns, ad sets, audiences, creatives."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.storage.partner import AdSet, Audience, Creative, MarketingCampaign, Page
from consentry.storage.sql import tables as t

campaigns = cast(Table, t.MarketingCampaign.__table__)
ad_sets = cast(Table, t.MarketingAdSet.__table__)
audiences = cast(Table, t.MarketingAudience.__table__)
creatives = cast(Table, t.MarketingCreative.__table__)


def _campaign(row: Row[Any]) -> MarketingCampaign:
    return MarketingCampaign(
        id=row.id,
        advertiser_id=row.advertiser_id,
        name=row.name,
        goal=row.goal,
        spend_limit_type=row.spend_limit_type,
        spend_limit_renewal=row.spend_limit_renewal,
        spend_limit_cents=row.spend_limit_cents,
    )


class SqlMarketingCampaignRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def search(
        self, advertiser_ids: tuple[int, ...], campaign_ids: tuple[int, ...] | None
    ) -> list[MarketingCampaign]:
        query = select(campaigns).where(campaigns.c.advertiser_id.in_(advertiser_ids))
        if campaign_ids is not None:
            query = query.where(campaigns.c.id.in_(campaign_ids))
        rows = await self._conn.execute(query.order_by(campaigns.c.id))
        return [_campaign(row) for row in rows]

    async def get(self, campaign_id: int) -> MarketingCampaign | None:
        query = select(campaigns).where(campaigns.c.id == campaign_id)
        row = (await self._conn.execute(query)).first()
        return _campaign(row) if row else None

    async def set_spend_limit(
        self, campaign_id: int, limit_type: str, renewal: str, cents: int | None
    ) -> None:
        await self._conn.execute(
            update(campaigns)
            .where(campaigns.c.id == campaign_id)
            .values(
                spend_limit_type=limit_type, spend_limit_renewal=renewal, spend_limit_cents=cents
            )
        )


def _ad_set(row: Row[Any]) -> AdSet:
    return AdSet(
        id=row.id,
        campaign_id=row.campaign_id,
        advertiser_id=row.advertiser_id,
        dataset_id=row.dataset_id,
        name=row.name,
        objective=row.objective,
        media_type=row.media_type,
        cost_controller=row.cost_controller,
        bid_cents=row.bid_cents,
        budget_cents=row.budget_cents,
        budget_renewal=row.budget_renewal,
        budget_strategy=row.budget_strategy,
        activation_status=row.activation_status,
        start_at=row.start_at,
        end_at=row.end_at,
    )


class SqlAdSetRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def search(
        self,
        advertiser_ids: tuple[int, ...],
        campaign_ids: tuple[int, ...] | None,
        ad_set_ids: tuple[int, ...] | None,
    ) -> list[AdSet]:
        query = select(ad_sets).where(ad_sets.c.advertiser_id.in_(advertiser_ids))
        if campaign_ids is not None:
            query = query.where(ad_sets.c.campaign_id.in_(campaign_ids))
        if ad_set_ids is not None:
            query = query.where(ad_sets.c.id.in_(ad_set_ids))
        rows = await self._conn.execute(query.order_by(ad_sets.c.id))
        return [_ad_set(row) for row in rows]

    async def get(self, ad_set_id: int) -> AdSet | None:
        row = (await self._conn.execute(select(ad_sets).where(ad_sets.c.id == ad_set_id))).first()
        return _ad_set(row) if row else None

    async def set_bid(self, ad_set_id: int, cents: int | None) -> None:
        statement = update(ad_sets).where(ad_sets.c.id == ad_set_id).values(bid_cents=cents)
        await self._conn.execute(statement)

    async def set_budget(self, ad_set_id: int, cents: int | None) -> None:
        statement = update(ad_sets).where(ad_sets.c.id == ad_set_id).values(budget_cents=cents)
        await self._conn.execute(statement)


def _audience(row: Row[Any]) -> Audience:
    return Audience(
        id=row.id,
        advertiser_id=row.advertiser_id,
        name=row.name,
        description=row.description,
        algebra=row.algebra,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlAudienceRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def search(
        self,
        advertiser_ids: tuple[int, ...],
        audience_ids: tuple[int, ...] | None,
        limit: int,
        offset: int,
    ) -> Page[Audience]:
        where = [audiences.c.advertiser_id.in_(advertiser_ids)]
        if audience_ids is not None:
            where.append(audiences.c.id.in_(audience_ids))
        total = await self._conn.scalar(select(func.count()).select_from(audiences).where(*where))
        query = select(audiences).where(*where).order_by(audiences.c.id).limit(limit).offset(offset)
        rows = await self._conn.execute(query)
        return Page([_audience(row) for row in rows], int(total or 0))

    async def add(
        self,
        advertiser_id: int,
        name: str,
        description: str,
        algebra: dict[str, Any] | None,
        now: datetime,
    ) -> Audience:
        row = (
            await self._conn.execute(
                insert(audiences)
                .values(
                    advertiser_id=advertiser_id,
                    name=name,
                    description=description,
                    algebra=algebra,
                    created_at=now,
                    updated_at=now,
                )
                .returning(*audiences.c)
            )
        ).one()
        return _audience(row)


class SqlCreativeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def list(self, advertiser_id: int, limit: int, offset: int) -> Page[Creative]:
        where = creatives.c.advertiser_id == advertiser_id
        total = await self._conn.scalar(select(func.count()).select_from(creatives).where(where))
        query = select(creatives).where(where).order_by(creatives.c.id).limit(limit).offset(offset)
        items = [
            Creative(
                id=row.id,
                advertiser_id=row.advertiser_id,
                dataset_id=row.dataset_id,
                name=row.name,
                description=row.description,
                author=row.author,
                status=row.status,
                format=row.format,
                landing_page_url=row.landing_page_url,
                image_urls=tuple(row.image_urls),
            )
            for row in await self._conn.execute(query)
        ]
        return Page(items, int(total or 0))

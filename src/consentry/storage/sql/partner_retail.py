"""SQL repositories of Retail Media data: accounts (paged) and their campaigns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.storage.partner import (
    Page,
    RetailAccount,
    RetailCampaign,
    RetailCampaignSettings,
)
from consentry.storage.sql import tables as t

accounts = cast(Table, t.RetailAccount.__table__)
campaigns = cast(Table, t.RetailCampaign.__table__)


def _account(row: Row[Any]) -> RetailAccount:
    return RetailAccount(
        id=row.id,
        advertiser_id=row.advertiser_id,
        name=row.name,
        type=row.type,
        subtype=row.subtype,
        countries=tuple(row.countries),
        currency=row.currency,
        parent_account_label=row.parent_account_label,
        time_zone=row.time_zone,
        company_name=row.company_name,
    )


class SqlRetailAccountRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def page(
        self,
        advertiser_ids: tuple[int, ...],
        only_ids: tuple[int, ...] | None,
        page_index: int,
        page_size: int,
    ) -> Page[RetailAccount]:
        where = [accounts.c.advertiser_id.in_(advertiser_ids)]
        if only_ids is not None:
            where.append(accounts.c.id.in_(only_ids))
        total = await self._conn.scalar(select(func.count()).select_from(accounts).where(*where))
        query = (
            select(accounts)
            .where(*where)
            .order_by(accounts.c.id)
            .limit(page_size)
            .offset(page_index * page_size)
        )
        return Page([_account(row) for row in await self._conn.execute(query)], int(total or 0))

    async def get(self, account_id: int) -> RetailAccount | None:
        query = select(accounts).where(accounts.c.id == account_id)
        row = (await self._conn.execute(query)).first()
        return _account(row) if row else None


def _campaign(row: Row[Any]) -> RetailCampaign:
    settings = RetailCampaignSettings(
        name=row.name,
        is_auto_daily_pacing=row.is_auto_daily_pacing,
        click_attribution_window=row.click_attribution_window,
        view_attribution_window=row.view_attribution_window,
        click_attribution_scope=row.click_attribution_scope,
        view_attribution_scope=row.view_attribution_scope,
        budget_cents=row.budget_cents,
        daily_pacing_cents=row.daily_pacing_cents,
        monthly_pacing_cents=row.monthly_pacing_cents,
        start_at=row.start_at,
        end_at=row.end_at,
    )
    return RetailCampaign(
        id=row.id,
        account_id=row.account_id,
        advertiser_id=row.advertiser_id,
        type=row.type,
        status=row.status,
        budget_spent_cents=row.budget_spent_cents,
        settings=settings,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlRetailCampaignRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    def _select(self) -> Any:
        return select(campaigns, accounts.c.advertiser_id).join(
            accounts, accounts.c.id == campaigns.c.account_id
        )

    async def page(
        self,
        account_id: int,
        only_ids: tuple[int, ...] | None,
        page_index: int,
        page_size: int,
    ) -> Page[RetailCampaign]:
        where = [campaigns.c.account_id == account_id]
        if only_ids is not None:
            where.append(campaigns.c.id.in_(only_ids))
        total = await self._conn.scalar(select(func.count()).select_from(campaigns).where(*where))
        query = (
            self._select()
            .where(*where)
            .order_by(campaigns.c.id)
            .limit(page_size)
            .offset(page_index * page_size)
        )
        items = [_campaign(row) for row in await self._conn.execute(query)]
        return Page(items, int(total or 0))

    async def get(self, campaign_id: int) -> RetailCampaign | None:
        row = (
            await self._conn.execute(self._select().where(campaigns.c.id == campaign_id))
        ).first()
        return _campaign(row) if row else None

    async def update(
        self, campaign_id: int, settings: RetailCampaignSettings, now: datetime
    ) -> None:
        await self._conn.execute(
            update(campaigns)
            .where(campaigns.c.id == campaign_id)
            .values(
                name=settings.name,
                is_auto_daily_pacing=settings.is_auto_daily_pacing,
                click_attribution_window=settings.click_attribution_window,
                view_attribution_window=settings.view_attribution_window,
                click_attribution_scope=settings.click_attribution_scope,
                view_attribution_scope=settings.view_attribution_scope,
                budget_cents=settings.budget_cents,
                daily_pacing_cents=settings.daily_pacing_cents,
                monthly_pacing_cents=settings.monthly_pacing_cents,
                start_at=settings.start_at,
                end_at=settings.end_at,
                updated_at=now,
            )
        )

"""SQL repositories of Retail Media data: accounts (paged) and their campaigns.

SQL text run by the driver (`driver.py`); a campaign row carries its account's advertiser
through a join.
"""

from __future__ import annotations

import json
from datetime import datetime

from consentry.core.ports.partner import Page, RetailAccount, RetailCampaign, RetailCampaignSettings
from consentry.storage.sql.connection import Connection, Row, read_optional_time, read_time, sql

_ACCOUNT_COLUMNS = (
    "id, advertiser_id, name, type, subtype, countries, currency, parent_account_label,"
    " time_zone, company_name"
)
_COUNT_ACCOUNTS = sql("SELECT count(*) FROM rm_accounts WHERE advertiser_id = ANY($1)")
_COUNT_ACCOUNTS_BY_ID = sql(
    "SELECT count(*) FROM rm_accounts WHERE advertiser_id = ANY($1) AND id = ANY($2)"
)
_ACCOUNTS = sql(
    f"SELECT {_ACCOUNT_COLUMNS} FROM rm_accounts WHERE advertiser_id = ANY($1)"
    " ORDER BY id LIMIT $2 OFFSET $3"
)
_ACCOUNTS_BY_ID = sql(
    f"SELECT {_ACCOUNT_COLUMNS} FROM rm_accounts WHERE advertiser_id = ANY($1)"
    " AND id = ANY($4) ORDER BY id LIMIT $2 OFFSET $3"
)
_GET_ACCOUNT = sql(f"SELECT {_ACCOUNT_COLUMNS} FROM rm_accounts WHERE id = $1")

_CAMPAIGN_SELECT = (
    "SELECT c.id, c.account_id, a.advertiser_id, c.name, c.type, c.status,"
    " c.is_auto_daily_pacing, c.click_attribution_window, c.view_attribution_window,"
    " c.click_attribution_scope, c.view_attribution_scope, c.budget_cents,"
    " c.budget_spent_cents, c.daily_pacing_cents, c.monthly_pacing_cents, c.start_at, c.end_at,"
    " c.created_at, c.updated_at"
    " FROM rm_campaigns c JOIN rm_accounts a ON a.id = c.account_id"
)
_COUNT_CAMPAIGNS = sql("SELECT count(*) FROM rm_campaigns WHERE account_id = $1")
_COUNT_CAMPAIGNS_BY_ID = sql(
    "SELECT count(*) FROM rm_campaigns WHERE account_id = $1 AND id = ANY($2)"
)
_CAMPAIGNS = sql(f"{_CAMPAIGN_SELECT} WHERE c.account_id = $1 ORDER BY c.id LIMIT $2 OFFSET $3")
_CAMPAIGNS_BY_ID = sql(
    f"{_CAMPAIGN_SELECT} WHERE c.account_id = $1 AND c.id = ANY($4)"
    " ORDER BY c.id LIMIT $2 OFFSET $3"
)
_GET_CAMPAIGN = sql(f"{_CAMPAIGN_SELECT} WHERE c.id = $1")
_UPDATE_CAMPAIGN = sql(
    "UPDATE rm_campaigns SET name = $2, is_auto_daily_pacing = $3,"
    " click_attribution_window = $4, view_attribution_window = $5,"
    " click_attribution_scope = $6, view_attribution_scope = $7, budget_cents = $8,"
    " daily_pacing_cents = $9, monthly_pacing_cents = $10, start_at = $11, end_at = $12,"
    " updated_at = $13 WHERE id = $1"
)


def _account(row: Row) -> RetailAccount:
    return RetailAccount(
        id=row["id"],
        advertiser_id=row["advertiser_id"],
        name=row["name"],
        type=row["type"],
        subtype=row["subtype"],
        countries=tuple(json.loads(row["countries"])),
        currency=row["currency"],
        parent_account_label=row["parent_account_label"],
        time_zone=row["time_zone"],
        company_name=row["company_name"],
    )


class SqlRetailAccountRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def page(
        self,
        advertiser_ids: tuple[int, ...],
        only_ids: tuple[int, ...] | None,
        page_index: int,
        page_size: int,
    ) -> Page[RetailAccount]:
        advertisers = list(advertiser_ids)
        offset = page_index * page_size
        if only_ids is None:
            total = await self._conn.fetchval(_COUNT_ACCOUNTS, advertisers)
            rows = await self._conn.fetch(_ACCOUNTS, advertisers, page_size, offset)
        else:
            ids = list(only_ids)
            total = await self._conn.fetchval(_COUNT_ACCOUNTS_BY_ID, advertisers, ids)
            rows = await self._conn.fetch(_ACCOUNTS_BY_ID, advertisers, page_size, offset, ids)
        return Page([_account(row) for row in rows], int(total or 0))

    async def get(self, account_id: int) -> RetailAccount | None:
        row = await self._conn.fetchrow(_GET_ACCOUNT, account_id)
        return _account(row) if row else None


def _campaign(row: Row) -> RetailCampaign:
    settings = RetailCampaignSettings(
        name=row["name"],
        is_auto_daily_pacing=bool(row["is_auto_daily_pacing"]),
        click_attribution_window=row["click_attribution_window"],
        view_attribution_window=row["view_attribution_window"],
        click_attribution_scope=row["click_attribution_scope"],
        view_attribution_scope=row["view_attribution_scope"],
        budget_cents=row["budget_cents"],
        daily_pacing_cents=row["daily_pacing_cents"],
        monthly_pacing_cents=row["monthly_pacing_cents"],
        start_at=read_optional_time(row["start_at"]),
        end_at=read_optional_time(row["end_at"]),
    )
    return RetailCampaign(
        id=row["id"],
        account_id=row["account_id"],
        advertiser_id=row["advertiser_id"],
        type=row["type"],
        status=row["status"],
        budget_spent_cents=row["budget_spent_cents"],
        settings=settings,
        created_at=read_time(row["created_at"]),
        updated_at=read_time(row["updated_at"]),
    )


class SqlRetailCampaignRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def page(
        self,
        account_id: int,
        only_ids: tuple[int, ...] | None,
        page_index: int,
        page_size: int,
    ) -> Page[RetailCampaign]:
        offset = page_index * page_size
        if only_ids is None:
            total = await self._conn.fetchval(_COUNT_CAMPAIGNS, account_id)
            rows = await self._conn.fetch(_CAMPAIGNS, account_id, page_size, offset)
        else:
            ids = list(only_ids)
            total = await self._conn.fetchval(_COUNT_CAMPAIGNS_BY_ID, account_id, ids)
            rows = await self._conn.fetch(_CAMPAIGNS_BY_ID, account_id, page_size, offset, ids)
        return Page([_campaign(row) for row in rows], int(total or 0))

    async def get(self, campaign_id: int) -> RetailCampaign | None:
        row = await self._conn.fetchrow(_GET_CAMPAIGN, campaign_id)
        return _campaign(row) if row else None

    async def update(
        self, campaign_id: int, settings: RetailCampaignSettings, now: datetime
    ) -> None:
        await self._conn.execute(
            _UPDATE_CAMPAIGN,
            campaign_id,
            settings.name,
            settings.is_auto_daily_pacing,
            settings.click_attribution_window,
            settings.view_attribution_window,
            settings.click_attribution_scope,
            settings.view_attribution_scope,
            settings.budget_cents,
            settings.daily_pacing_cents,
            settings.monthly_pacing_cents,
            settings.start_at,
            settings.end_at,
            now,
        )

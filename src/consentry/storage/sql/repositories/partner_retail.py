"""The SQL repositories of Retail Media data: accounts (paged) and their campaigns.

A campaign row carries its account's advertiser through a join; a page is a count and a
statement of its rows, one statement of each per filter shape (whether an id list is given).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, func, select, update

from consentry.core.ports.partner import Page, RetailAccount, RetailCampaign, RetailCampaignSettings
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, Row, read_optional_time, read_time
from consentry.storage.sql.statements import Statement, among, parameter

accounts = schema.table(schema.RetailAccount)
campaigns = schema.table(schema.RetailCampaign)

_LIMIT = parameter("limit", Integer())
_OFFSET = parameter("offset", Integer())


def _account_page(*, by_id: bool) -> tuple[Statement, Statement]:
    """The count of the accounts of `advertiser_ids` (also among `account_ids` if asked), and a
    page of them by id."""
    matching = [among(accounts.c.advertiser_id, "advertiser_ids")]
    if by_id:
        matching.append(among(accounts.c.id, "account_ids"))
    count = select(func.count()).select_from(accounts).where(*matching)
    page = select(accounts).where(*matching).order_by(accounts.c.id)
    return Statement(count), Statement(page.limit(_LIMIT).offset(_OFFSET))


# The account pages (count, rows) by whether `account_ids` filters them.
_ACCOUNT_PAGES = {by_id: _account_page(by_id=by_id) for by_id in (False, True)}
_GET_ACCOUNT = Statement(
    select(accounts).where(accounts.c.id == parameter("account_id", accounts.c.id))
)

# A campaign and its account's advertiser.
_CAMPAIGN = select(campaigns, accounts.c.advertiser_id).select_from(
    campaigns.join(accounts, accounts.c.id == campaigns.c.account_id)
)


def _campaign_page(*, by_id: bool) -> tuple[Statement, Statement]:
    """The count of the campaigns of `account_id` (also among `campaign_ids` if asked), and a
    page of them (with their advertiser) by id."""
    matching: list[ColumnElement[bool]] = [
        campaigns.c.account_id == parameter("account_id", campaigns.c.account_id)
    ]
    if by_id:
        matching.append(among(campaigns.c.id, "campaign_ids"))
    count = select(func.count()).select_from(campaigns).where(*matching)
    page = _CAMPAIGN.where(*matching).order_by(campaigns.c.id)
    return Statement(count), Statement(page.limit(_LIMIT).offset(_OFFSET))


# The campaign pages (count, rows) by whether `campaign_ids` filters them.
_CAMPAIGN_PAGES = {by_id: _campaign_page(by_id=by_id) for by_id in (False, True)}
_CAMPAIGN_BY_ID = campaigns.c.id == parameter("campaign_id", campaigns.c.id)
_GET_CAMPAIGN = Statement(_CAMPAIGN.where(_CAMPAIGN_BY_ID))
_UPDATE_CAMPAIGN = Statement(
    update(campaigns)
    .where(_CAMPAIGN_BY_ID)
    .values(
        name=parameter("name", campaigns.c.name),
        is_auto_daily_pacing=parameter("is_auto_daily_pacing", campaigns.c.is_auto_daily_pacing),
        click_attribution_window=parameter(
            "click_attribution_window", campaigns.c.click_attribution_window
        ),
        view_attribution_window=parameter(
            "view_attribution_window", campaigns.c.view_attribution_window
        ),
        click_attribution_scope=parameter(
            "click_attribution_scope", campaigns.c.click_attribution_scope
        ),
        view_attribution_scope=parameter(
            "view_attribution_scope", campaigns.c.view_attribution_scope
        ),
        budget_cents=parameter("budget_cents", campaigns.c.budget_cents),
        daily_pacing_cents=parameter("daily_pacing_cents", campaigns.c.daily_pacing_cents),
        monthly_pacing_cents=parameter("monthly_pacing_cents", campaigns.c.monthly_pacing_cents),
        start_at=parameter("start_at", campaigns.c.start_at),
        end_at=parameter("end_at", campaigns.c.end_at),
        updated_at=parameter("now", campaigns.c.updated_at),
    )
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
        count, page = _ACCOUNT_PAGES[only_ids is not None]
        total = await self._conn.fetchval(
            count, advertiser_ids=advertiser_ids, account_ids=only_ids
        )
        rows = await self._conn.fetch(
            page,
            advertiser_ids=advertiser_ids,
            account_ids=only_ids,
            limit=page_size,
            offset=page_index * page_size,
        )
        return Page([_account(row) for row in rows], int(total or 0))

    async def get(self, account_id: int) -> RetailAccount | None:
        row = await self._conn.fetchrow(_GET_ACCOUNT, account_id=account_id)
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
        count, page = _CAMPAIGN_PAGES[only_ids is not None]
        total = await self._conn.fetchval(count, account_id=account_id, campaign_ids=only_ids)
        rows = await self._conn.fetch(
            page,
            account_id=account_id,
            campaign_ids=only_ids,
            limit=page_size,
            offset=page_index * page_size,
        )
        return Page([_campaign(row) for row in rows], int(total or 0))

    async def get(self, campaign_id: int) -> RetailCampaign | None:
        row = await self._conn.fetchrow(_GET_CAMPAIGN, campaign_id=campaign_id)
        return _campaign(row) if row else None

    async def update(
        self, campaign_id: int, settings: RetailCampaignSettings, now: datetime
    ) -> None:
        await self._conn.execute(
            _UPDATE_CAMPAIGN,
            campaign_id=campaign_id,
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
            now=now,
        )

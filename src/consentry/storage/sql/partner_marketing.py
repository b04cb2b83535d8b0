"""SQL repositories of Marketing Solutions data: campaigns, ad sets, audiences, creatives.

SQL text run by the driver (`driver.py`). The searches with optional id filters use one
statement per filter shape, built from fixed text and cached in `_SEARCHES`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from consentry.core.ports.partner import AdSet, Audience, Creative, MarketingCampaign, Page
from consentry.storage.sql.connection import (
    Connection,
    Row,
    Sql,
    read_optional_time,
    read_time,
    sql,
)

_CAMPAIGN_COLUMNS = (
    "id, advertiser_id, name, goal, spend_limit_type, spend_limit_renewal, spend_limit_cents"
)
_GET_CAMPAIGN = sql(f"SELECT {_CAMPAIGN_COLUMNS} FROM ms_campaigns WHERE id = $1")
_SET_SPEND_LIMIT = sql(
    "UPDATE ms_campaigns SET spend_limit_type = $2, spend_limit_renewal = $3,"
    " spend_limit_cents = $4 WHERE id = $1"
)

_AD_SET_COLUMNS = (
    "id, campaign_id, advertiser_id, dataset_id, name, objective, media_type, cost_controller,"
    " bid_cents, budget_cents, budget_renewal, budget_strategy, activation_status,"
    " start_at, end_at"
)
_GET_AD_SET = sql(f"SELECT {_AD_SET_COLUMNS} FROM ms_ad_sets WHERE id = $1")
_SET_BID = sql("UPDATE ms_ad_sets SET bid_cents = $2 WHERE id = $1")
_SET_BUDGET = sql("UPDATE ms_ad_sets SET budget_cents = $2 WHERE id = $1")

_AUDIENCE_COLUMNS = "id, advertiser_id, name, description, algebra, created_at, updated_at"
_COUNT_AUDIENCES = sql("SELECT count(*) FROM ms_audiences WHERE advertiser_id = ANY($1)")
_COUNT_AUDIENCES_BY_ID = sql(
    "SELECT count(*) FROM ms_audiences WHERE advertiser_id = ANY($1) AND id = ANY($2)"
)
_AUDIENCES = sql(
    f"SELECT {_AUDIENCE_COLUMNS} FROM ms_audiences WHERE advertiser_id = ANY($1)"
    " ORDER BY id LIMIT $2 OFFSET $3"
)
_AUDIENCES_BY_ID = sql(
    f"SELECT {_AUDIENCE_COLUMNS} FROM ms_audiences WHERE advertiser_id = ANY($1)"
    " AND id = ANY($4) ORDER BY id LIMIT $2 OFFSET $3"
)
_ADD_AUDIENCE = sql(
    "INSERT INTO ms_audiences"
    " (advertiser_id, name, description, algebra, created_at, updated_at)"
    f" VALUES ($1, $2, $3, $4, $5, $5) RETURNING {_AUDIENCE_COLUMNS}"
)

_CREATIVE_COLUMNS = (
    "id, advertiser_id, dataset_id, name, description, author, status, format,"
    " landing_page_url, image_urls"
)
_COUNT_CREATIVES = sql("SELECT count(*) FROM ms_creatives WHERE advertiser_id = $1")
_CREATIVES = sql(
    f"SELECT {_CREATIVE_COLUMNS} FROM ms_creatives WHERE advertiser_id = $1"
    " ORDER BY id LIMIT $2 OFFSET $3"
)

# The searches: table -> (its selected columns, the id columns it may be filtered by).
_SEARCHABLE = {
    "ms_campaigns": (_CAMPAIGN_COLUMNS, {"id"}),
    "ms_ad_sets": (_AD_SET_COLUMNS, {"id", "campaign_id"}),
}
# (table, the id columns filtered besides the advertisers) -> the statement, built once.
_SEARCHES: dict[tuple[str, tuple[str, ...]], Sql] = {}


def _search(
    table: str, advertiser_ids: tuple[int, ...], **filters: tuple[int, ...] | None
) -> tuple[Sql, list[object]]:
    """The search of `table` by advertiser and the given id filters, with its parameters.

    Table and column names come from `_SEARCHABLE` only (never from request input); a filter
    that is None is left out.
    """
    columns = tuple(column for column, ids in filters.items() if ids is not None)
    args: list[object] = [list(advertiser_ids)]
    args += [list(ids) for ids in filters.values() if ids is not None]
    statement = _SEARCHES.get((table, columns))
    if statement is None:
        selected, filterable = _SEARCHABLE[table]
        if not filterable.issuperset(columns):
            raise ValueError(f"{table} is not searched by {columns}")
        where = ["advertiser_id = ANY($1)"]
        where += [f"{column} = ANY(${n})" for n, column in enumerate(columns, start=2)]
        conditions = " AND ".join(where)
        text = f"SELECT {selected} FROM {table} WHERE {conditions} ORDER BY id"
        statement = sql(text)
        _SEARCHES[(table, columns)] = statement
    return statement, args


def _campaign(row: Row) -> MarketingCampaign:
    return MarketingCampaign(
        id=row["id"],
        advertiser_id=row["advertiser_id"],
        name=row["name"],
        goal=row["goal"],
        spend_limit_type=row["spend_limit_type"],
        spend_limit_renewal=row["spend_limit_renewal"],
        spend_limit_cents=row["spend_limit_cents"],
    )


class SqlMarketingCampaignRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def search(
        self, advertiser_ids: tuple[int, ...], campaign_ids: tuple[int, ...] | None
    ) -> list[MarketingCampaign]:
        statement, args = _search("ms_campaigns", advertiser_ids, id=campaign_ids)
        rows = await self._conn.fetch(statement, *args)
        return [_campaign(row) for row in rows]

    async def get(self, campaign_id: int) -> MarketingCampaign | None:
        row = await self._conn.fetchrow(_GET_CAMPAIGN, campaign_id)
        return _campaign(row) if row else None

    async def set_spend_limit(
        self, campaign_id: int, limit_type: str, renewal: str, cents: int | None
    ) -> None:
        await self._conn.execute(_SET_SPEND_LIMIT, campaign_id, limit_type, renewal, cents)


def _ad_set(row: Row) -> AdSet:
    return AdSet(
        id=row["id"],
        campaign_id=row["campaign_id"],
        advertiser_id=row["advertiser_id"],
        dataset_id=row["dataset_id"],
        name=row["name"],
        objective=row["objective"],
        media_type=row["media_type"],
        cost_controller=row["cost_controller"],
        bid_cents=row["bid_cents"],
        budget_cents=row["budget_cents"],
        budget_renewal=row["budget_renewal"],
        budget_strategy=row["budget_strategy"],
        activation_status=row["activation_status"],
        start_at=read_optional_time(row["start_at"]),
        end_at=read_optional_time(row["end_at"]),
    )


class SqlAdSetRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def search(
        self,
        advertiser_ids: tuple[int, ...],
        campaign_ids: tuple[int, ...] | None,
        ad_set_ids: tuple[int, ...] | None,
    ) -> list[AdSet]:
        statement, args = _search(
            "ms_ad_sets", advertiser_ids, campaign_id=campaign_ids, id=ad_set_ids
        )
        rows = await self._conn.fetch(statement, *args)
        return [_ad_set(row) for row in rows]

    async def get(self, ad_set_id: int) -> AdSet | None:
        row = await self._conn.fetchrow(_GET_AD_SET, ad_set_id)
        return _ad_set(row) if row else None

    async def set_bid(self, ad_set_id: int, cents: int | None) -> None:
        await self._conn.execute(_SET_BID, ad_set_id, cents)

    async def set_budget(self, ad_set_id: int, cents: int | None) -> None:
        await self._conn.execute(_SET_BUDGET, ad_set_id, cents)


def _audience(row: Row) -> Audience:
    algebra = row["algebra"]  # JSON text; JSON null as SQL NULL alike are None
    return Audience(
        id=row["id"],
        advertiser_id=row["advertiser_id"],
        name=row["name"],
        description=row["description"],
        algebra=None if algebra is None else json.loads(algebra),
        created_at=read_time(row["created_at"]),
        updated_at=read_time(row["updated_at"]),
    )


class SqlAudienceRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def search(
        self,
        advertiser_ids: tuple[int, ...],
        audience_ids: tuple[int, ...] | None,
        limit: int,
        offset: int,
    ) -> Page[Audience]:
        advertisers = list(advertiser_ids)
        if audience_ids is None:
            total = await self._conn.fetchval(_COUNT_AUDIENCES, advertisers)
            rows = await self._conn.fetch(_AUDIENCES, advertisers, limit, offset)
        else:
            ids = list(audience_ids)
            total = await self._conn.fetchval(_COUNT_AUDIENCES_BY_ID, advertisers, ids)
            rows = await self._conn.fetch(_AUDIENCES_BY_ID, advertisers, limit, offset, ids)
        return Page([_audience(row) for row in rows], int(total or 0))

    async def add(
        self,
        advertiser_id: int,
        name: str,
        description: str,
        algebra: dict[str, Any] | None,
        now: datetime,
    ) -> Audience:
        row = await self._conn.fetchrow(
            _ADD_AUDIENCE, advertiser_id, name, description, json.dumps(algebra), now
        )
        if row is None:
            raise RuntimeError("INSERT … RETURNING returned no row")
        return _audience(row)


class SqlCreativeRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def list(self, advertiser_id: int, limit: int, offset: int) -> Page[Creative]:
        total = await self._conn.fetchval(_COUNT_CREATIVES, advertiser_id)
        items = [
            Creative(
                id=row["id"],
                advertiser_id=row["advertiser_id"],
                dataset_id=row["dataset_id"],
                name=row["name"],
                description=row["description"],
                author=row["author"],
                status=row["status"],
                format=row["format"],
                landing_page_url=row["landing_page_url"],
                image_urls=tuple(json.loads(row["image_urls"])),
            )
            for row in await self._conn.fetch(_CREATIVES, advertiser_id, limit, offset)
        ]
        return Page(items, int(total or 0))

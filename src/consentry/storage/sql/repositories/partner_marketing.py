"""The SQL repositories of Marketing Solutions data: campaigns, ad sets, audiences, creatives.

A search filtered by optional id lists has one statement per filter shape (which lists are
given), all built here from the schema; the lists are compared with `statements.among`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, func, insert, select, update

from consentry.core.ports.partner import AdSet, Audience, Creative, MarketingCampaign, Page
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, Row, read_optional_time, read_time
from consentry.storage.sql.statements import Statement, among, parameter

campaigns = schema.table(schema.MarketingCampaign)
ad_sets = schema.table(schema.MarketingAdSet)
audiences = schema.table(schema.MarketingAudience)
creatives = schema.table(schema.MarketingCreative)

_LIMIT = parameter("limit", Integer())
_OFFSET = parameter("offset", Integer())

_CAMPAIGNS_OF_ADVERTISERS = among(campaigns.c.advertiser_id, "advertiser_ids")
# The campaign searches by whether `campaign_ids` filters them.
_CAMPAIGN_SEARCHES = {
    False: Statement(select(campaigns).where(_CAMPAIGNS_OF_ADVERTISERS).order_by(campaigns.c.id)),
    True: Statement(
        select(campaigns)
        .where(_CAMPAIGNS_OF_ADVERTISERS, among(campaigns.c.id, "campaign_ids"))
        .order_by(campaigns.c.id)
    ),
}
_GET_CAMPAIGN = Statement(
    select(campaigns).where(campaigns.c.id == parameter("campaign_id", campaigns.c.id))
)
_SET_SPEND_LIMIT = Statement(
    update(campaigns)
    .where(campaigns.c.id == parameter("campaign_id", campaigns.c.id))
    .values(
        spend_limit_type=parameter("limit_type", campaigns.c.spend_limit_type),
        spend_limit_renewal=parameter("renewal", campaigns.c.spend_limit_renewal),
        spend_limit_cents=parameter("cents", campaigns.c.spend_limit_cents),
    )
)


def _ad_set_search(*, by_campaign: bool, by_id: bool) -> Statement:
    """The ad sets of `advertiser_ids`, also among `campaign_ids` and `ad_set_ids` if asked."""
    query = select(ad_sets).where(among(ad_sets.c.advertiser_id, "advertiser_ids"))
    if by_campaign:
        query = query.where(among(ad_sets.c.campaign_id, "campaign_ids"))
    if by_id:
        query = query.where(among(ad_sets.c.id, "ad_set_ids"))
    return Statement(query.order_by(ad_sets.c.id))


# The ad set searches by (whether `campaign_ids` filters them, whether `ad_set_ids` does).
_AD_SET_SEARCHES = {
    (by_campaign, by_id): _ad_set_search(by_campaign=by_campaign, by_id=by_id)
    for by_campaign in (False, True)
    for by_id in (False, True)
}
_AD_SET_BY_ID = ad_sets.c.id == parameter("ad_set_id", ad_sets.c.id)
_GET_AD_SET = Statement(select(ad_sets).where(_AD_SET_BY_ID))
_SET_BID = Statement(
    update(ad_sets).where(_AD_SET_BY_ID).values(bid_cents=parameter("cents", ad_sets.c.bid_cents))
)
_SET_BUDGET = Statement(
    update(ad_sets)
    .where(_AD_SET_BY_ID)
    .values(budget_cents=parameter("cents", ad_sets.c.budget_cents))
)


def _audience_search(*, by_id: bool) -> tuple[Statement, Statement]:
    """The count of the audiences of `advertiser_ids` (also among `audience_ids` if asked), and
    a page of them by id."""
    matching = [among(audiences.c.advertiser_id, "advertiser_ids")]
    if by_id:
        matching.append(among(audiences.c.id, "audience_ids"))
    count = select(func.count()).select_from(audiences).where(*matching)
    page = select(audiences).where(*matching).order_by(audiences.c.id)
    return Statement(count), Statement(page.limit(_LIMIT).offset(_OFFSET))


# The audience searches (count, page) by whether `audience_ids` filters them.
_AUDIENCE_SEARCHES = {by_id: _audience_search(by_id=by_id) for by_id in (False, True)}
_ADD_AUDIENCE = Statement(
    insert(audiences)
    .values(
        advertiser_id=parameter("advertiser_id", audiences.c.advertiser_id),
        name=parameter("name", audiences.c.name),
        description=parameter("description", audiences.c.description),
        algebra=parameter("algebra", audiences.c.algebra),
        created_at=parameter("now", audiences.c.created_at),
        updated_at=parameter("now", audiences.c.updated_at),
    )
    .returning(*audiences.c)
)

_CREATIVES_OF_ADVERTISER = creatives.c.advertiser_id == parameter(
    "advertiser_id", creatives.c.advertiser_id
)
_COUNT_CREATIVES = Statement(
    select(func.count()).select_from(creatives).where(_CREATIVES_OF_ADVERTISER)
)
_CREATIVES = Statement(
    select(creatives)
    .where(_CREATIVES_OF_ADVERTISER)
    .order_by(creatives.c.id)
    .limit(_LIMIT)
    .offset(_OFFSET)
)


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
        rows = await self._conn.fetch(
            _CAMPAIGN_SEARCHES[campaign_ids is not None],
            advertiser_ids=advertiser_ids,
            campaign_ids=campaign_ids,
        )
        return [_campaign(row) for row in rows]

    async def get(self, campaign_id: int) -> MarketingCampaign | None:
        row = await self._conn.fetchrow(_GET_CAMPAIGN, campaign_id=campaign_id)
        return _campaign(row) if row else None

    async def set_spend_limit(
        self, campaign_id: int, limit_type: str, renewal: str, cents: int | None
    ) -> None:
        await self._conn.execute(
            _SET_SPEND_LIMIT,
            campaign_id=campaign_id,
            limit_type=limit_type,
            renewal=renewal,
            cents=cents,
        )


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
        rows = await self._conn.fetch(
            _AD_SET_SEARCHES[campaign_ids is not None, ad_set_ids is not None],
            advertiser_ids=advertiser_ids,
            campaign_ids=campaign_ids,
            ad_set_ids=ad_set_ids,
        )
        return [_ad_set(row) for row in rows]

    async def get(self, ad_set_id: int) -> AdSet | None:
        row = await self._conn.fetchrow(_GET_AD_SET, ad_set_id=ad_set_id)
        return _ad_set(row) if row else None

    async def set_bid(self, ad_set_id: int, cents: int | None) -> None:
        await self._conn.execute(_SET_BID, ad_set_id=ad_set_id, cents=cents)

    async def set_budget(self, ad_set_id: int, cents: int | None) -> None:
        await self._conn.execute(_SET_BUDGET, ad_set_id=ad_set_id, cents=cents)


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
        count, page = _AUDIENCE_SEARCHES[audience_ids is not None]
        total = await self._conn.fetchval(
            count, advertiser_ids=advertiser_ids, audience_ids=audience_ids
        )
        rows = await self._conn.fetch(
            page,
            advertiser_ids=advertiser_ids,
            audience_ids=audience_ids,
            limit=limit,
            offset=offset,
        )
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
            _ADD_AUDIENCE,
            advertiser_id=advertiser_id,
            name=name,
            description=description,
            algebra=json.dumps(algebra),
            now=now,
        )
        if row is None:
            raise RuntimeError("INSERT … RETURNING returned no row")
        return _audience(row)


class SqlCreativeRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def list(self, advertiser_id: int, limit: int, offset: int) -> Page[Creative]:
        total = await self._conn.fetchval(_COUNT_CREATIVES, advertiser_id=advertiser_id)
        rows = await self._conn.fetch(
            _CREATIVES, advertiser_id=advertiser_id, limit=limit, offset=offset
        )
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
            for row in rows
        ]
        return Page(items, int(total or 0))

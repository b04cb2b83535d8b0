"""Demo partner data: campaigns, ad sets, audiences, creatives, product sets, 90 days of daily
statistics per ad set, and Retail Media accounts (seven per advertiser, enough to page) with
their campaigns. Deterministic: the same seed and `now` give the same rows, ids aside.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.demo.seed import ADVERTISERS
from consentry.storage.sql import schema as t

# (retailer, country, currency, time zone): fictional retail-media networks.
RETAILERS = (
    ("Hexa Market", "FR", "EUR", "Europe/Paris"),
    ("Nordvik", "SE", "SEK", "Europe/Stockholm"),
    ("Bayside Foods", "US", "USD", "America/New_York"),
    ("Kaufhaus Adler", "DE", "EUR", "Europe/Berlin"),
    ("Maple & Co", "CA", "CAD", "America/Toronto"),
    ("Iberia Shop", "ES", "EUR", "Europe/Madrid"),
    ("Thames Retail", "GB", "GBP", "Europe/London"),
)
# (campaign, goal, [(ad set, objective, cost controller)])
CAMPAIGNS = (
    ("Prospecting", "acquisition", (("Lookalike shoppers", "visits", "maxCPC"),
                                    ("New visitors, mobile", "clicks", "maxCPC"))),
    ("Retargeting", "retention", (("Cart abandoners", "conversions", "COS"),
                                  ("Past buyers", "revenue", "COS"))),
)  # fmt: skip
AUDIENCES = ("Cart abandoners (30 days)", "Loyal customers", "Newsletter subscribers")
CREATIVES = (("Seasonal banner", "Image"), ("Dynamic catalogue", "Dynamic"), ("Logo", "Adaptive"))
RETAIL_CAMPAIGNS = (
    ("Always-on sponsored products", "auction", "active"),
    ("Seasonal push", "auction", "scheduled"),
    ("Homepage takeover", "preferred", "inactive"),
)
DAYS = 90


@dataclass(frozen=True, slots=True)
class PartnerSeed:
    """Ids of what was seeded, by advertiser id."""

    campaigns: dict[int, list[int]] = field(default_factory=dict)
    ad_sets: dict[int, list[int]] = field(default_factory=dict)
    datasets: dict[int, int] = field(default_factory=dict)
    retail_accounts: dict[int, list[int]] = field(default_factory=dict)


async def _insert(conn: AsyncConnection, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    statement = insert(table).returning(table.id, sort_by_parameter_order=True)
    return list((await conn.scalars(statement, rows)).all())


async def seed_partner_data_once(conn: AsyncConnection, now: datetime) -> bool:
    """Seed partner data for the demo advertisers unless there is some; whether it did."""
    if await conn.scalar(select(t.MarketingCampaign.id).limit(1)) is not None:
        return False
    names = [name for name, _ in ADVERTISERS]
    rows = await conn.execute(
        select(t.Advertiser.name, t.Advertiser.id).where(t.Advertiser.name.in_(names))
    )
    found = {row.name: row.id for row in rows}
    if not found:
        return False
    await seed_partner_data(conn, found, now)
    return True


async def seed_partner_data(
    conn: AsyncConnection,
    advertiser_ids: Mapping[str, int],
    now: datetime,
    *,
    days: int = DAYS,
    seed: int = 2027,
) -> PartnerSeed:
    """Seed partner data for the named advertisers; statistics end the day before `now`."""
    rng = random.Random(seed)  # noqa: S311 - demo numbers, not secrets
    result = PartnerSeed()
    stats: list[dict[str, Any]] = []
    for name, advertiser_id in sorted(advertiser_ids.items(), key=lambda item: item[1]):
        (dataset_id,) = await _insert(
            conn, t.MarketingDataset, [{"advertiser_id": advertiser_id, "name": f"{name} catalog"}]
        )
        result.datasets[advertiser_id] = dataset_id
        result.campaigns[advertiser_id], result.ad_sets[advertiser_id] = [], []
        for campaign_name, goal, ad_sets in CAMPAIGNS:
            row = {
                "advertiser_id": advertiser_id,
                "name": f"{name} | {campaign_name}",
                "goal": goal,
                "spend_limit_type": "capped",
                "spend_limit_renewal": "monthly",
                "spend_limit_cents": rng.randrange(5_000, 40_000) * 100,
            }
            (campaign_id,) = await _insert(conn, t.MarketingCampaign, [row])
            result.campaigns[advertiser_id].append(campaign_id)
            rows = [
                {
                    "campaign_id": campaign_id,
                    "advertiser_id": advertiser_id,
                    "dataset_id": dataset_id,
                    "name": ad_set_name,
                    "objective": objective,
                    "media_type": "display",
                    "cost_controller": controller,
                    "bid_cents": rng.randrange(25, 180) if controller == "maxCPC" else None,
                    "budget_cents": rng.randrange(50, 800) * 100,
                    "budget_renewal": "daily",
                    "budget_strategy": "capped",
                    "activation_status": "on",
                    "start_at": now - timedelta(days=days + rng.randrange(0, 60)),
                    "end_at": None,
                }
                for ad_set_name, objective, controller in ad_sets
            ]
            ids = await _insert(conn, t.MarketingAdSet, rows)
            result.ad_sets[advertiser_id].extend(ids)
            for ad_set_id in ids:
                stats.extend(_daily(rng, advertiser_id, ad_set_id, now, days))
        await _seed_catalogue(conn, rng, name, advertiser_id, dataset_id, now)
        result.retail_accounts[advertiser_id] = await _seed_retail(
            conn, rng, name, advertiser_id, now
        )
    await conn.execute(insert(t.MarketingDailyStat), stats)
    return result


def _daily(
    rng: random.Random, advertiser_id: int, ad_set_id: int, now: datetime, days: int
) -> list[dict[str, Any]]:
    """`days` days of plausible numbers: weekly rhythm, a slow trend, day-to-day noise."""
    base, ctr = rng.randrange(4_000, 60_000), rng.uniform(0.003, 0.012)
    cpc, conversion, basket = rng.uniform(0.25, 1.4), rng.uniform(0.015, 0.06), rng.uniform(35, 140)
    rows = []
    for offset in range(days, 0, -1):
        day = (now - timedelta(days=offset)).date()
        weekly = 1.18 if day.weekday() >= 5 else 1.0
        trend = 1 + 0.25 * (days - offset) / days
        displays = max(0, int(base * weekly * trend * rng.uniform(0.85, 1.15)))
        clicks = int(displays * ctr * rng.uniform(0.8, 1.2))
        sales = int(clicks * conversion * rng.uniform(0.6, 1.4))
        rows.append(
            {
                "ad_set_id": ad_set_id,
                "day": day,
                "advertiser_id": advertiser_id,
                "displays": displays,
                "clicks": clicks,
                "cost_cents": round(clicks * cpc * 100),
                "sales": sales,
                "revenue_cents": round(sales * basket * rng.uniform(0.8, 1.2) * 100),
            }
        )
    return rows


async def _seed_catalogue(
    conn: AsyncConnection,
    rng: random.Random,
    name: str,
    advertiser_id: int,
    dataset_id: int,
    now: datetime,
) -> None:
    slug = "".join(c for c in name.lower() if c.isalnum())
    audiences = [
        {
            "advertiser_id": advertiser_id,
            "name": audience,
            "description": f"{audience} of {name}",
            "algebra": {"audienceSegmentId": str(rng.randrange(100_000, 999_999))},
            "created_at": now - timedelta(days=rng.randrange(30, 400)),
            "updated_at": now - timedelta(days=rng.randrange(0, 30)),
        }
        for audience in AUDIENCES
    ]
    creatives = [
        {
            "advertiser_id": advertiser_id,
            "dataset_id": dataset_id,
            "name": f"{name} {creative}",
            "description": f"{kind} creative",
            "author": "demo@consentry.test",
            "status": "Active",
            "format": kind,
            "landing_page_url": f"https://{slug}.example/",
            "image_urls": [f"https://cdn.{slug}.example/{n}x{n}.png" for n in (300, 600)],
        }
        for creative, kind in CREATIVES
    ]
    product_sets = [
        {
            "dataset_id": dataset_id,
            "name": product_set,
            "status": "Valid",
            "number_of_products": rng.randrange(40, 4_000),
            "rules": [{"field": field_name, "operator": "IsIn", "values": values}],
            "created_at": now - timedelta(days=rng.randrange(10, 300)),
        }
        for product_set, field_name, values in (
            ("Best sellers", "CustomLabel0", ["bestseller"]),
            ("New arrivals", "CustomLabel1", ["new"]),
        )
    ]
    await conn.execute(insert(t.MarketingAudience), audiences)
    await conn.execute(insert(t.MarketingCreative), creatives)
    await conn.execute(insert(t.MarketingProductSet), product_sets)


async def _seed_retail(
    conn: AsyncConnection, rng: random.Random, name: str, advertiser_id: int, now: datetime
) -> list[int]:
    accounts = [
        {
            "advertiser_id": advertiser_id,
            "name": f"{name} on {retailer} {country}",
            "type": "demand",
            "subtype": "brand" if index % 3 else "seller",
            "countries": [country],
            "currency": currency,
            "parent_account_label": name,
            "time_zone": zone,
            "company_name": f"{name} Ltd" if country in {"FR", "DE", "ES", "SE"} else None,
        }
        for index, (retailer, country, currency, zone) in enumerate(RETAILERS)
    ]
    account_ids = await _insert(conn, t.RetailAccount, accounts)
    campaigns = []
    for account_id in account_ids:
        for campaign, kind, status in RETAIL_CAMPAIGNS:
            budget = rng.randrange(1_000, 50_000) * 100
            campaigns.append(
                {
                    "account_id": account_id,
                    "name": campaign,
                    "type": kind,
                    "status": status,
                    "is_auto_daily_pacing": kind == "auction",
                    "click_attribution_window": "30D",
                    "view_attribution_window": "1D" if kind == "preferred" else "none",
                    "click_attribution_scope": "sameSkuCategory",
                    "view_attribution_scope": "sameSku" if kind == "preferred" else None,
                    "budget_cents": budget,
                    "budget_spent_cents": int(budget * rng.uniform(0.0, 0.9)),
                    "daily_pacing_cents": None,
                    "monthly_pacing_cents": budget // 6 if kind == "auction" else None,
                    "start_at": now - timedelta(days=rng.randrange(10, 120)),
                    "end_at": now + timedelta(days=rng.randrange(30, 200)),
                    "created_at": now - timedelta(days=130),
                    "updated_at": now - timedelta(days=rng.randrange(0, 10)),
                }
            )
    await conn.execute(insert(t.RetailCampaign), campaigns)
    return account_ids

"""`POST /{version}/statistics/report`: granted advertisers only, grouped and summed correctly."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.core.ports.partner import StatRow
from consentry.partner_api.marketing.report import build_report
from consentry.storage.sql import schema as t
from tests.conftest import Demo
from tests.partner_api.conftest import Caller
from tests.partner_api.test_errors import assert_criteo_error

REPORT = "/2027-01/statistics/report"


def query(advertisers: tuple[int, ...] | list[int], **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "advertiserIds": ",".join(str(a) for a in advertisers),
        "startDate": "2027-01-08T00:00:00.000Z",
        "endDate": "2027-01-14T00:00:00.000Z",
        "dimensions": ["AdvertiserId", "Day"],
        "metrics": ["Displays", "Clicks", "AdvertiserCost"],
        "currency": "EUR",
    }
    body.update(changes)
    return body


async def test_daily_report_matches_the_stored_statistics(
    client: httpx.AsyncClient, demo_token: Caller, engine: AsyncEngine
) -> None:
    response = await client.post(
        REPORT, json=query(demo_token.advertisers), headers=demo_token.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"Rows", "Total"}
    assert len(body["Rows"]) == 2 * 7  # two advertisers, seven days (both ends included)
    first = demo_token.advertisers[0]
    row = next(
        r for r in body["Rows"] if r["AdvertiserId"] == str(first) and r["Day"] == "2027-01-10"
    )
    stats = t.MarketingDailyStat
    async with engine.connect() as conn:
        clicks, cost = (
            await conn.execute(
                select(func.sum(stats.clicks), func.sum(stats.cost_cents)).where(
                    stats.advertiser_id == first, stats.day == date(2027, 1, 10)
                )
            )
        ).one()
    assert row["Clicks"] == clicks and row["AdvertiserCost"] == cost / 100
    assert row["Currency"] == "EUR"
    assert body["Total"]["Clicks"] == sum(r["Clicks"] for r in body["Rows"])


async def test_report_of_an_advertiser_outside_the_grant_is_403(
    client: httpx.AsyncClient, demo_token: Caller, demo: Demo
) -> None:
    wanted = [*demo_token.advertisers, demo.advertiser("Competitor Corp")]
    response = await client.post(REPORT, json=query(wanted), headers=demo_token.headers)
    assert_criteo_error(response, 403)


async def test_report_needs_the_analytics_scope(
    client: httpx.AsyncClient, retail_token: Caller
) -> None:
    response = await client.post(
        REPORT, json=query(retail_token.advertisers), headers=retail_token.headers
    )
    assert "MarketingSolutions_Analytics_Read" in str(assert_criteo_error(response, 403)["detail"])


async def test_csv_report_by_campaign_and_month(
    client: httpx.AsyncClient, demo_token: Caller
) -> None:
    body = query(
        demo_token.advertisers[:1],
        dimensions=["CampaignId", "Campaign", "Month"],
        metrics=["Clicks", "Cpc", "ClickThroughRate"],
        format="csv",
        startDate="2026-12-01T00:00:00Z",
    )
    response = await client.post(REPORT, json=body, headers=demo_token.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    assert lines[0] == "CampaignId,Campaign,Month,Currency,Clicks,Cpc,ClickThroughRate"
    assert len(lines) == 1 + 2 * 2  # two campaigns, December and January


@pytest.mark.parametrize(
    "changes",
    [
        {"metrics": ["Clicks", "Telepathy"]},
        {"dimensions": ["Hour"]},
        {"format": "excel"},
        {"startDate": "2027-01-14T00:00:00Z", "endDate": "2027-01-01T00:00:00Z"},
        {"startDate": "2025-01-01T00:00:00Z"},
        {"currency": "euro"},
    ],
    ids=["unknown-metric", "unsupported-dimension", "excel", "reversed", "over-a-year", "currency"],
)
async def test_invalid_report_requests_are_400(
    client: httpx.AsyncClient, demo_token: Caller, changes: dict[str, object]
) -> None:
    body = query(demo_token.advertisers, **changes)
    assert_criteo_error(await client.post(REPORT, json=body, headers=demo_token.headers), 400)


def stat(day: int, clicks: int, displays: int, cost: int) -> StatRow:
    return StatRow(1, "A", 2, "C", 3, "S", date(2027, 1, day), displays, clicks, cost, 1, 5000)


def test_derived_metrics_are_computed_on_the_group_totals() -> None:
    rows = [stat(1, 10, 1000, 500), stat(2, 30, 1000, 1500), stat(3, 0, 0, 0)]
    report = build_report(rows, ["Year"], ["Cpc", "ClickThroughRate", "ECpm", "RoasPc30d"])
    assert report.rows == [
        {"Year": "2027", "Currency": "EUR", "Cpc": 0.5, "ClickThroughRate": 0.02, "ECpm": 10.0,
         "RoasPc30d": 7.5},
    ]  # fmt: skip
    empty = build_report([stat(1, 0, 0, 0)], ["Day"], ["Cpc", "ECosPc30d"])
    assert empty.rows[0]["Cpc"] == 0.0  # no division by zero

"""The partner-API calls the demo page shows, each with the scope it needs.

A campaign list and a seven-day statistics report of the granted advertisers, made with the same
bearer token as the advertiser list. A refused call (say, a missing scope) is shown, not raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from demo_client.oauth import ConsentryClient, OAuthError

REPORT_DAYS = 7


@dataclass(frozen=True)
class ShownCall:
    """One call as the page shows it: what was sent, the scope it needs, and a small table."""

    key: str
    title: str
    method: str
    path: str
    scope: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    error: OAuthError | None = None


def _money(value: Any) -> str:
    return f"{float(value):,.2f}" if isinstance(value, int | float) else "—"


def campaign_rows(body: dict[str, Any]) -> list[list[str]]:
    """Name, advertiser and spend limit of each campaign of a campaigns/search answer."""
    rows = []
    for item in body.get("data") or []:
        attributes = item.get("attributes") or {}
        limit = (attributes.get("spendLimit") or {}).get("spendLimitAmount") or {}
        rows.append(
            [
                str(attributes.get("name", "")),
                str(attributes.get("advertiserId", "")),
                _money(limit.get("value")),
            ]
        )
    return rows


def report_rows(body: dict[str, Any]) -> list[list[str]]:
    """Day, displays, clicks and cost of each row of a JSON statistics report."""
    return [
        [
            str(row.get("Day", "")),
            str(row.get("Displays", "")),
            str(row.get("Clicks", "")),
            _money(row.get("AdvertiserCost")),
        ]
        for row in body.get("Rows") or []
    ]


async def showcase(
    client: ConsentryClient, access_token: str, advertiser_ids: list[str], today: date
) -> list[ShownCall]:
    """Run the demo's calls; each result carries either table rows or the error consentry sent."""
    campaigns = ShownCall(
        key="campaigns",
        title="Campaigns",
        method="POST",
        path="/marketing-solutions/campaigns/search",
        scope="MarketingSolutions_Campaign_Read",
        columns=["Campaign", "Advertiser", "Spend limit"],
    )
    first, last = today - timedelta(days=REPORT_DAYS), today - timedelta(days=1)
    report = ShownCall(
        key="report",
        title=f"Statistics, {first.isoformat()} to {last.isoformat()}",
        method="POST",
        path="/statistics/report",
        scope="MarketingSolutions_Analytics_Read",
        columns=["Day", "Displays", "Clicks", "Cost"],
    )
    query = {
        "advertiserIds": ",".join(advertiser_ids),
        "startDate": f"{first.isoformat()}T00:00:00Z",
        "endDate": f"{last.isoformat()}T00:00:00Z",
        "dimensions": ["Day"],
        "metrics": ["Displays", "Clicks", "AdvertiserCost"],
        "currency": "EUR",
        "format": "json",
    }
    shown = []
    for call, body, parse in (
        (campaigns, {"filters": {"advertiserIds": advertiser_ids}}, campaign_rows),
        (report, query, report_rows),
    ):
        try:
            answer = await client.api_call(call.method, call.path, access_token, body)
            shown.append(replace(call, rows=parse(answer)))
        except OAuthError as exc:
            shown.append(replace(call, error=exc))
    return shown

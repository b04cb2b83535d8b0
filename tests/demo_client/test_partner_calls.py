"""The demo page's partner-API calls: a campaign list and a statistics report, with their scopes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from demo_client.app import create_app
from demo_client.partner import campaign_rows, report_rows
from tests.demo_client.test_demo_client import (
    DEMO_URL,
    Clock,
    FakeConsentry,
    Harness,
    element_text,
    make_settings,
)

CAMPAIGNS = {
    "data": [
        {
            "id": "7",
            "type": "Campaign",
            "attributes": {
                "advertiserId": "123",
                "name": "Spring <sale>",
                "spendLimit": {"spendLimitAmount": {"value": 1500.5}},
            },
        }
    ],
    "errors": [],
    "warnings": [],
}
REPORT = {
    "Rows": [{"Day": "2027-01-14", "Currency": "EUR", "Displays": 1000, "Clicks": 12,
              "AdvertiserCost": 9.6}],
    "Total": {},
}  # fmt: skip


class PartnerFake(FakeConsentry):
    """The fake consentry, plus the two partner calls of the demo page."""

    refusal: tuple[int, dict[str, Any]] | None = None
    bodies: list[dict[str, Any]]

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in {"/2027-01/marketing-solutions/campaigns/search", "/2027-01/statistics/report"}:
            self.requests.append(request)
            self.bodies.append(json.loads(request.content))
            if self.refusal is not None and path.endswith("/report"):
                return httpx.Response(self.refusal[0], json=self.refusal[1])
            return httpx.Response(200, json=CAMPAIGNS if "campaigns" in path else REPORT)
        return super().handler(request)


@pytest.fixture
async def partner_harness() -> AsyncIterator[Harness]:
    clock = Clock()  # the demo's own test clock (2027-01-15 12:00 UTC)
    fake = PartnerFake()
    fake.bodies = []
    app = create_app(make_settings(), transport=httpx.MockTransport(fake.handler), now=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=DEMO_URL, follow_redirects=False
    ) as browser:
        yield Harness(app=app, browser=browser, fake=fake, clock=clock)
    await app.state.consentry.aclose()


async def test_home_shows_campaigns_and_report_with_their_scopes(partner_harness: Harness) -> None:
    await partner_harness.connect()
    html = (await partner_harness.get("/")).text
    assert "GET /2027-01/advertisers/me" in element_text(html, "advertisers-call")
    assert element_text(html, "campaigns-scope") == "MarketingSolutions_Campaign_Read"
    assert element_text(html, "campaigns-request") == (
        "POST /2027-01/marketing-solutions/campaigns/search"
    )
    assert element_text(html, "report-scope") == "MarketingSolutions_Analytics_Read"
    assert "Spring &lt;sale&gt;" in html  # escaped
    assert "1,500.50" in element_text(html, "campaigns-table")
    assert "2027-01-14" in element_text(html, "report-table")
    fake = partner_harness.fake
    assert isinstance(fake, PartnerFake)
    search, report = fake.bodies
    assert search == {"filters": {"advertiserIds": ["123", "456"]}}
    assert report["advertiserIds"] == "123,456"
    assert report["startDate"] == "2027-01-08T00:00:00Z"  # the clock's last seven days
    assert report["endDate"] == "2027-01-14T00:00:00Z"
    for request in fake.requests[-2:]:
        assert request.headers["authorization"].startswith("Bearer ")


async def test_a_refused_call_shows_consentrys_error(partner_harness: Harness) -> None:
    fake = partner_harness.fake
    assert isinstance(fake, PartnerFake)
    fake.refusal = (
        403,
        {"errors": [{"type": "authorization", "code": "insufficient_scope", "title": "t",
                     "detail": "This call needs the MarketingSolutions_Analytics_Read scope."}]},
    )  # fmt: skip
    await partner_harness.connect()
    html = (await partner_harness.get("/")).text
    assert element_text(html, "report-error") == "insufficient_scope"
    assert 'id="campaigns-table"' in html and 'id="report-table"' not in html


async def test_no_partner_calls_without_advertisers(partner_harness: Harness) -> None:
    await partner_harness.connect()
    partner_harness.fake.access_tokens.clear()  # advertisers/me now fails
    html = (await partner_harness.get("/")).text
    assert 'id="campaigns"' not in html and 'id="report"' not in html


def test_row_parsers_tolerate_missing_fields() -> None:
    assert campaign_rows({"data": [{"attributes": {}}]}) == [["", "", "—"]]
    assert report_rows({"Rows": [{}]}) == [["", "", "", "—"]]
    assert campaign_rows({}) == [] and report_rows({}) == []

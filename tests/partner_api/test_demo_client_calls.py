"""The demo client's page against the real consentry (in process): advertisers, campaigns and a
statistics report of the granted advertisers, each shown with the scope it used.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from consentry.clock import FixedClock
from consentry.demo.partner_data import PartnerSeed
from demo_client.app import create_app as create_demo_client
from demo_client.settings import DemoClientSettings
from tests.conftest import ISSUER, Demo
from tests.support.flow import decide, open_consent, sign_in

DEMO_URL = "http://localhost:3000"


def cells(html: str, table_id: str) -> list[str]:
    match = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', html, re.S)
    assert match, f"#{table_id} missing"
    return [c.strip() for c in re.findall(r"<td>(.*?)</td>", match.group(1), re.S)]


async def test_demo_page_shows_real_partner_calls_with_their_scopes(
    app: FastAPI,
    client: httpx.AsyncClient,
    demo: Demo,
    partner_seed: PartnerSeed,
    clock: FixedClock,
) -> None:
    settings = DemoClientSettings(
        consentry_url=ISSUER,
        client_id=demo.client_id,
        client_secret=SecretStr(demo.client_secret),
        session_secret=SecretStr("demo-client-session-secret-for-tests"),
    )
    transport = httpx.ASGITransport(app=app)
    demo_app = create_demo_client(settings, transport=transport, now=clock.now)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=demo_app), base_url=DEMO_URL
    ) as browser:
        link = (await browser.get("/connect")).headers["location"]
        await sign_in(client, demo.customer_email, demo.customer_password)
        path, html = await open_consent(client, link.removeprefix(ISSUER))
        chosen = [demo.advertiser("Maison Lumière"), demo.advertiser("Riverside Grocers")]
        decision = await decide(client, path, html, "approve", chosen)
        callback = urlsplit(decision.headers["location"])
        assert (await browser.get(f"{callback.path}?{callback.query}")).status_code == 303
        page = (await browser.get("/")).text
    await demo_app.state.consentry.aclose()

    assert "none, any valid access token" in page
    assert 'id="campaigns-scope">MarketingSolutions_Campaign_Read<' in page
    assert 'id="report-scope">MarketingSolutions_Analytics_Read<' in page
    campaigns = cells(page, "campaigns-table")
    assert len(campaigns) == 3 * 4  # two campaigns per granted advertiser, three columns
    assert "Riverside Grocers | Retargeting" in campaigns
    report = cells(page, "report-table")
    assert len(report) == 4 * 7 and report[0] == "2027-01-08"  # the seven days before today

"""Marketing Solutions endpoints: each reads or writes only the token's granted advertisers.

The demo app holds Analytics_Read, Campaign_Manage and Audience_Read; the "full" app every
Marketing Solutions domain (Audience and Campaign at Manage).
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.demo.partner_data import PartnerSeed
from consentry.storage.sql import schema as t
from tests.conftest import Demo
from tests.partner_api.conftest import Caller
from tests.partner_api.test_errors import assert_criteo_error, claims_of

V = "/2027-01"
SEARCH = f"{V}/marketing-solutions/campaigns/search"


def ids(body: dict[str, object]) -> list[int]:
    data = body["data"]
    assert isinstance(data, list)
    return sorted(int(item["id"]) for item in data)


async def test_campaign_search_lists_only_granted_advertisers_campaigns(
    client: httpx.AsyncClient, demo_token: Caller, partner_seed: PartnerSeed
) -> None:
    response = await client.post(SEARCH, json={}, headers=demo_token.headers)
    assert response.status_code == 200, response.text
    expected = sorted(c for a in demo_token.advertisers for c in partner_seed.campaigns[a])
    assert ids(response.json()) == expected
    first = response.json()["data"][0]
    assert first["type"] == "Campaign" and isinstance(first["id"], str)
    assert set(first["attributes"]) == {"advertiserId", "name", "goal", "spendLimit"}


async def test_campaign_manage_scope_also_grants_campaign_read(
    client: httpx.AsyncClient, demo_token: Caller
) -> None:
    # The demo app was given MarketingSolutions_Campaign_Manage only, never _Read.
    scopes = str(claims_of(demo_token.access_token)["scope"]).split()
    assert "MarketingSolutions_Campaign_Manage" in scopes
    assert "MarketingSolutions_Campaign_Read" not in scopes
    response = await client.post(SEARCH, headers=demo_token.headers)
    assert response.status_code == 200


async def test_campaign_search_filtered_by_a_granted_advertiser(
    client: httpx.AsyncClient, demo_token: Caller, partner_seed: PartnerSeed
) -> None:
    maison = demo_token.advertisers[0]
    body = {"filters": {"advertiserIds": [str(maison)]}}
    response = await client.post(SEARCH, json=body, headers=demo_token.headers)
    assert ids(response.json()) == partner_seed.campaigns[maison]


async def test_campaign_search_for_an_advertiser_outside_the_grant_is_403(
    client: httpx.AsyncClient, demo_token: Caller, demo: Demo
) -> None:
    other = demo.advertiser("Riverside Grocers")
    body = {"filters": {"advertiserIds": [str(other)]}}
    response = await client.post(SEARCH, json=body, headers=demo_token.headers)
    error = assert_criteo_error(response, 403)
    assert error["type"] == "authorization"
    assert str(other) in str(error["detail"])


async def test_get_campaign_checks_its_advertiser(
    client: httpx.AsyncClient, demo_token: Caller, demo: Demo, partner_seed: PartnerSeed
) -> None:
    mine = partner_seed.campaigns[demo_token.advertisers[0]][0]
    theirs = partner_seed.campaigns[demo.advertiser("Competitor Corp")][0]
    path = f"{V}/marketing-solutions/campaigns"
    ok = await client.get(f"{path}/{mine}", headers=demo_token.headers)
    assert ok.status_code == 200 and ok.json()["data"]["id"] == str(mine)
    assert_criteo_error(await client.get(f"{path}/{theirs}", headers=demo_token.headers), 403)
    assert_criteo_error(await client.get(f"{path}/999999", headers=demo_token.headers), 404)
    assert_criteo_error(await client.get(f"{path}/abc", headers=demo_token.headers), 404)


def spend_limit(campaign_id: int, amount: float | None, kind: str = "capped") -> dict[str, object]:
    limit = {
        "spendLimitType": kind,
        "spendLimitRenewal": "daily",
        "spendLimitAmount": {"value": amount},
    }
    return {
        "data": [{"id": str(campaign_id), "type": "Campaign", "attributes": {"spendLimit": limit}}]
    }


async def test_patch_campaign_spend_limit_with_manage_scope(
    client: httpx.AsyncClient, demo_token: Caller, partner_seed: PartnerSeed
) -> None:
    campaign = partner_seed.campaigns[demo_token.advertisers[0]][0]
    path = f"{V}/marketing-solutions/campaigns"
    response = await client.patch(
        path, json=spend_limit(campaign, 1234.56), headers=demo_token.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == [{"id": str(campaign), "type": "Campaign"}]
    after = (await client.get(f"{path}/{campaign}", headers=demo_token.headers)).json()
    limit = after["data"]["attributes"]["spendLimit"]
    assert limit == {
        "spendLimitType": "capped",
        "spendLimitRenewal": "daily",
        "spendLimitAmount": {"value": 1234.56},
    }


@pytest.mark.parametrize(
    ("amount", "kind"), [(None, "capped"), (10.0, "uncapped"), (-1.0, "capped")]
)
async def test_inconsistent_spend_limit_is_400(
    client: httpx.AsyncClient,
    demo_token: Caller,
    partner_seed: PartnerSeed,
    amount: float | None,
    kind: str,
) -> None:
    campaign = partner_seed.campaigns[demo_token.advertisers[0]][0]
    body = spend_limit(campaign, amount, kind)
    response = await client.patch(
        f"{V}/marketing-solutions/campaigns", json=body, headers=demo_token.headers
    )
    assert_criteo_error(response, 400)


async def test_patch_touching_one_foreign_campaign_changes_nothing(
    client: httpx.AsyncClient, demo_token: Caller, demo: Demo, partner_seed: PartnerSeed
) -> None:
    mine = partner_seed.campaigns[demo_token.advertisers[0]][0]
    theirs = partner_seed.campaigns[demo.advertiser("Competitor Corp")][0]
    body = spend_limit(mine, 1.0)
    body["data"] += spend_limit(theirs, 1.0)["data"]  # type: ignore[operator]
    path = f"{V}/marketing-solutions/campaigns"
    assert_criteo_error(await client.patch(path, json=body, headers=demo_token.headers), 403)
    after = (await client.get(f"{path}/{mine}", headers=demo_token.headers)).json()
    assert after["data"]["attributes"]["spendLimit"]["spendLimitAmount"]["value"] != 1.0


async def test_ad_sets_search_get_and_bid_change(
    client: httpx.AsyncClient, demo_token: Caller, partner_seed: PartnerSeed
) -> None:
    path = f"{V}/marketing-solutions/ad-sets"
    found = await client.post(f"{path}/search", json={"filters": {}}, headers=demo_token.headers)
    expected = sorted(a for adv in demo_token.advertisers for a in partner_seed.ad_sets[adv])
    assert ids(found.json()) == expected
    ad_set = expected[0]
    patch = {
        "data": [
            {
                "id": str(ad_set),
                "type": "AdSet",
                "attributes": {
                    "bidding": {"bidAmount": {"value": 0.42}},
                    "budget": {"budgetAmount": {"value": 75}},
                },
            }
        ]
    }
    changed = await client.patch(path, json=patch, headers=demo_token.headers)
    assert changed.status_code == 200, changed.text
    one = (await client.get(f"{path}/{ad_set}", headers=demo_token.headers)).json()["data"]
    assert one["attributes"]["bidding"]["bidAmount"] == 0.42
    assert one["attributes"]["budget"]["budgetAmount"] == 75.0


async def test_ad_set_of_another_advertiser_is_403(
    client: httpx.AsyncClient, demo_token: Caller, demo: Demo, partner_seed: PartnerSeed
) -> None:
    theirs = partner_seed.ad_sets[demo.advertiser("Riverside Grocers")][0]
    path = f"{V}/marketing-solutions/ad-sets/{theirs}"
    assert_criteo_error(await client.get(path, headers=demo_token.headers), 403)


async def test_audience_search_pages_and_create_needs_manage(
    client: httpx.AsyncClient, demo_token: Caller, marketing_token: Caller
) -> None:
    path = f"{V}/marketing-solutions/audiences"
    page = await client.post(f"{path}/search?limit=4&offset=2", headers=demo_token.headers)
    assert page.status_code == 200, page.text
    assert page.json()["meta"] == {"totalItems": 6, "limit": 4, "offset": 2}
    assert len(page.json()["data"]) == 4
    owner = str(marketing_token.advertisers[0])
    body = {
        "data": [
            {
                "type": "Audience",
                "attributes": {
                    "advertiserId": owner,
                    "name": "Lapsed buyers",
                    "algebra": {"audienceSegmentId": "42"},
                },
            }
        ]
    }
    refused = await client.post(f"{path}/create", json=body, headers=demo_token.headers)
    assert_criteo_error(refused, 403)  # Audience_Read does not imply Manage
    created = await client.post(f"{path}/create", json=body, headers=marketing_token.headers)
    assert created.status_code == 200, created.text
    new_id = created.json()["data"][0]["id"]
    search = {"data": {"attributes": {"audienceIds": [new_id]}}}
    again = await client.post(f"{path}/search", json=search, headers=marketing_token.headers)
    assert [a["attributes"]["name"] for a in again.json()["data"]] == ["Lapsed buyers"]


async def test_audience_creation_for_a_foreign_advertiser_is_403(
    client: httpx.AsyncClient, marketing_token: Caller, demo: Demo
) -> None:
    body = {
        "data": [
            {
                "attributes": {
                    "advertiserId": str(demo.advertiser("Competitor Corp")),
                    "name": "Stolen",
                    "algebra": {"audienceSegmentId": "1"},
                }
            }
        ]
    }
    path = f"{V}/marketing-solutions/audiences/create"
    assert_criteo_error(await client.post(path, json=body, headers=marketing_token.headers), 403)


async def test_creatives_need_creative_scope_and_a_granted_advertiser(
    client: httpx.AsyncClient, demo_token: Caller, marketing_token: Caller, demo: Demo
) -> None:
    mine = marketing_token.advertisers[0]
    path = f"{V}/marketing-solutions/advertisers/{mine}/creatives"
    listed = await client.get(f"{path}?limit=2", headers=marketing_token.headers)
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["data"]) == 2
    assert listed.json()["data"][0]["attributes"]["advertiserId"] == str(mine)
    assert_criteo_error(await client.get(path, headers=demo_token.headers), 403)  # no scope
    other = demo.advertiser("Pixel & Pine Toys")
    foreign = f"{V}/marketing-solutions/advertisers/{other}/creatives"
    assert_criteo_error(await client.get(foreign, headers=marketing_token.headers), 403)


async def test_product_sets_of_a_granted_dataset(
    client: httpx.AsyncClient, marketing_token: Caller, demo: Demo, partner_seed: PartnerSeed
) -> None:
    dataset = partner_seed.datasets[marketing_token.advertisers[0]]
    path = f"{V}/marketing-solutions/product-sets/dataset"
    listed = await client.get(f"{path}/{dataset}", headers=marketing_token.headers)
    assert listed.status_code == 200, listed.text
    names = {p["attributes"]["name"] for p in listed.json()["data"]}
    assert names == {"Best sellers", "New arrivals"}
    theirs = partner_seed.datasets[demo.advertiser("Competitor Corp")]
    assert_criteo_error(await client.get(f"{path}/{theirs}", headers=marketing_token.headers), 403)
    assert_criteo_error(await client.get(f"{path}/424242", headers=marketing_token.headers), 404)


async def test_an_advertiser_revoked_from_the_grant_disappears_at_once(
    client: httpx.AsyncClient,
    demo_token: Caller,
    engine: AsyncEngine,
    partner_seed: PartnerSeed,
) -> None:
    maison, pixel = demo_token.advertisers
    async with engine.begin() as conn:
        await conn.execute(
            update(t.GrantAdvertiser)
            .where(t.GrantAdvertiser.advertiser_id == maison)
            .values(revoked_at=datetime(2027, 1, 15, 12, 0, tzinfo=UTC))
        )
    response = await client.post(SEARCH, json={}, headers=demo_token.headers)
    assert ids(response.json()) == partner_seed.campaigns[pixel]
    campaign = partner_seed.campaigns[maison][0]
    path = f"{V}/marketing-solutions/campaigns/{campaign}"
    assert_criteo_error(await client.get(path, headers=demo_token.headers), 403)

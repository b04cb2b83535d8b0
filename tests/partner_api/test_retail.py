"""Retail Media: the paged account list in exactly Criteo's shape, and account campaigns."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from criteo_api_retailmedia_v2027_01.api_client import ApiClient
from criteo_api_retailmedia_v2027_01.model.json_api_page_response_of_account import (
    JsonApiPageResponseOfAccount,
)
from criteo_api_retailmedia_v2027_01.model.json_api_page_response_of_campaign_v202301 import (
    JsonApiPageResponseOfCampaignV202301,
)

from consentry.demo.partner_data import PartnerSeed
from tests.conftest import ISSUER, Demo
from tests.partner_api.conftest import Caller
from tests.partner_api.test_errors import assert_criteo_error

ACCOUNTS = "/2027-01/retail-media/accounts"
PAGE_KEYS = {"metadata", "data", "warnings", "errors"}
METADATA_KEYS = {
    "totalItemsAcrossAllPages",
    "currentPageSize",
    "currentPageIndex",
    "totalPages",
    "nextPage",
    "previousPage",
}
ATTRIBUTE_KEYS = {
    "name",
    "type",
    "subtype",
    "countries",
    "currency",
    "parentAccountLabel",
    "timeZone",
    "companyName",
    "onBehalfCompanyName",
}


def sdk_parse(body: dict[str, Any], model: type[Any]) -> Any:
    """Deserialize like Criteo's SDK does: its page models refuse unknown properties."""

    class Raw:
        data = json.dumps(body)

        def getheader(self, _name: str) -> None:
            return None

    return ApiClient().deserialize(Raw(), (model,), True)


async def test_account_page_has_exactly_criteos_shape(
    client: httpx.AsyncClient, retail_token: Caller
) -> None:
    response = await client.get(ACCOUNTS, headers=retail_token.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == PAGE_KEYS and body["errors"] == [] and body["warnings"] == []
    assert set(body["metadata"]) == METADATA_KEYS
    account = body["data"][0]
    assert set(account) == {"id", "type", "attributes"} and isinstance(account["id"], str)
    assert set(account["attributes"]) == ATTRIBUTE_KEYS
    parsed = sdk_parse(body, JsonApiPageResponseOfAccount)
    assert parsed.metadata.total_items_across_all_pages == 28
    assert parsed.data[0].attributes.type == "demand"


async def test_accounts_page_through_every_granted_account(
    client: httpx.AsyncClient, retail_token: Caller, partner_seed: PartnerSeed
) -> None:
    granted = sorted(
        a for adv in retail_token.advertisers for a in partner_seed.retail_accounts[adv]
    )
    first = (await client.get(ACCOUNTS, headers=retail_token.headers)).json()
    assert first["metadata"] == {
        "totalItemsAcrossAllPages": 28,
        "currentPageSize": 25,
        "currentPageIndex": 0,
        "totalPages": 2,
        "nextPage": f"{ISSUER}{ACCOUNTS}?pageIndex=1&pageSize=25",
        "previousPage": None,
    }
    nxt = first["metadata"]["nextPage"].removeprefix(ISSUER)
    second = (await client.get(nxt, headers=retail_token.headers)).json()
    assert second["metadata"]["currentPageSize"] == 3 and second["metadata"]["nextPage"] is None
    assert second["metadata"]["previousPage"] == f"{ISSUER}{ACCOUNTS}?pageIndex=0&pageSize=25"
    seen = [int(a["id"]) for a in first["data"] + second["data"]]
    assert seen == granted


async def test_limit_to_id_and_pages_past_the_end(
    client: httpx.AsyncClient, retail_token: Caller, partner_seed: PartnerSeed, demo: Demo
) -> None:
    mine = partner_seed.retail_accounts[retail_token.advertisers[0]][:2]
    foreign = partner_seed.retail_accounts[demo.advertiser("Competitor Corp")][0]
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("limitToId", str(a)) for a in [*mine, foreign]
    ]
    limited = await client.get(ACCOUNTS, params=params, headers=retail_token.headers)
    assert [int(a["id"]) for a in limited.json()["data"]] == mine  # foreign ids never show
    beyond = await client.get(
        ACCOUNTS, params={"pageIndex": 9, "pageSize": 10}, headers=retail_token.headers
    )
    metadata = beyond.json()["metadata"]
    assert beyond.json()["data"] == [] and metadata["nextPage"] is None
    assert metadata["previousPage"] == f"{ISSUER}{ACCOUNTS}?pageIndex=2&pageSize=10"


@pytest.mark.parametrize("params", [{"pageSize": 0}, {"pageSize": 101}, {"pageIndex": -1}])
async def test_bad_paging_is_400(
    client: httpx.AsyncClient, retail_token: Caller, params: dict[str, int]
) -> None:
    response = await client.get(ACCOUNTS, params=params, headers=retail_token.headers)
    assert_criteo_error(response, 400)


async def test_marketing_solutions_tokens_cannot_list_retail_accounts(
    client: httpx.AsyncClient, demo_token: Caller
) -> None:
    error = assert_criteo_error(await client.get(ACCOUNTS, headers=demo_token.headers), 403)
    assert "Retail Media" in str(error["detail"])


async def test_account_campaigns_are_paged_and_guarded(
    client: httpx.AsyncClient, retail_token: Caller, partner_seed: PartnerSeed, demo: Demo
) -> None:
    account = partner_seed.retail_accounts[retail_token.advertisers[0]][0]
    path = f"/2027-01/retail-media/accounts/{account}/campaigns"
    page = await client.get(path, params={"pageSize": 2}, headers=retail_token.headers)
    assert page.status_code == 200, page.text
    parsed = sdk_parse(page.json(), JsonApiPageResponseOfCampaignV202301)
    assert parsed.metadata.total_items_across_all_pages == 3 and len(parsed.data) == 2
    assert parsed.data[0].attributes.account_id == str(account)
    foreign = partner_seed.retail_accounts[demo.advertiser("Competitor Corp")][0]
    other = f"/2027-01/retail-media/accounts/{foreign}/campaigns"
    assert_criteo_error(await client.get(other, headers=retail_token.headers), 403)
    unknown = "/2027-01/retail-media/accounts/987654/campaigns"
    assert_criteo_error(await client.get(unknown, headers=retail_token.headers), 404)


def editable(campaign_id: str, **changes: Any) -> dict[str, Any]:
    attributes = {
        "name": "Back to school",
        "isAutoDailyPacing": True,
        "clickAttributionWindow": "7D",
        "viewAttributionWindow": "1D",
        "budget": 2500,
        "startDate": "2027-02-01T00:00:00Z",
        "endDate": "2027-03-01T00:00:00Z",
    }
    attributes.update(changes)
    return {"data": {"id": campaign_id, "type": "RetailMediaCampaign", "attributes": attributes}}


async def test_put_campaign_replaces_its_settings(
    client: httpx.AsyncClient, retail_token: Caller, partner_seed: PartnerSeed
) -> None:
    account = partner_seed.retail_accounts[retail_token.advertisers[0]][0]
    listed = await client.get(
        f"/2027-01/retail-media/accounts/{account}/campaigns", headers=retail_token.headers
    )
    campaign = listed.json()["data"][0]["id"]
    path = f"/2027-01/retail-media/campaigns/{campaign}"
    response = await client.put(path, json=editable(campaign), headers=retail_token.headers)
    assert response.status_code == 200, response.text
    attributes = (await client.get(path, headers=retail_token.headers)).json()["data"]["attributes"]
    assert attributes["name"] == "Back to school" and attributes["budget"] == 2500.0
    assert attributes["viewAttributionWindow"] == "1D"
    assert attributes["clickAttributionScope"] is None  # a PUT: absent means cleared
    assert attributes["updatedAt"] == "2027-01-15T12:00:00Z"
    wrong_id = await client.put(path, json=editable("999999"), headers=retail_token.headers)
    assert_criteo_error(wrong_id, 400)
    reversed_dates = editable(campaign, endDate="2027-01-01T00:00:00Z")
    assert_criteo_error(
        await client.put(path, json=reversed_dates, headers=retail_token.headers), 400
    )

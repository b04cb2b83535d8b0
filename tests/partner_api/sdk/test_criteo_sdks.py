"""Criteo's official Python SDKs, unmodified and configured only with `host=`, against consentry.

The SDKs deserialize every answer into their generated models (the Retail Media account page
forbids unknown properties), so a passing call proves the wire shape, not just the status code.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from criteo_api_marketingsolutions_v2027_01 import criteo_auth
from criteo_api_marketingsolutions_v2027_01.api.advertiser_api import AdvertiserApi
from criteo_api_marketingsolutions_v2027_01.api.analytics_api import AnalyticsApi
from criteo_api_marketingsolutions_v2027_01.api.audience_api import AudienceApi
from criteo_api_marketingsolutions_v2027_01.api.campaign_api import CampaignApi
from criteo_api_marketingsolutions_v2027_01.api.creative_api import CreativeApi
from criteo_api_marketingsolutions_v2027_01.api.gateway_api import GatewayApi
from criteo_api_marketingsolutions_v2027_01.api.reco_api import RecoApi
from criteo_api_marketingsolutions_v2027_01.api_client_builder import ApiClientBuilder
from criteo_api_marketingsolutions_v2027_01.model.ad_set_search_request_v26_q1 import (
    AdSetSearchRequestV26Q1,
)
from criteo_api_marketingsolutions_v2027_01.model.audience_search_entity_v1 import (
    AudienceSearchEntityV1,
)
from criteo_api_marketingsolutions_v2027_01.model.audience_search_entity_v1_resource import (
    AudienceSearchEntityV1Resource,
)
from criteo_api_marketingsolutions_v2027_01.model.audience_search_input_v1 import (
    AudienceSearchInputV1,
)
from criteo_api_marketingsolutions_v2027_01.model.campaign_search_filters_v23_q1 import (
    CampaignSearchFiltersV23Q1,
)
from criteo_api_marketingsolutions_v2027_01.model.campaign_search_request_v23_q1 import (
    CampaignSearchRequestV23Q1,
)
from criteo_api_marketingsolutions_v2027_01.model.statistics_report_query_message import (
    StatisticsReportQueryMessage,
)
from criteo_api_retailmedia_v2027_01.api.accounts_api import AccountsApi
from criteo_api_retailmedia_v2027_01.api.campaign_api import CampaignApi as RetailCampaignApi
from criteo_api_retailmedia_v2027_01.api.gateway_api import GatewayApi as RetailGatewayApi
from criteo_api_retailmedia_v2027_01.api_client_builder import (
    ApiClientBuilder as RetailClientBuilder,
)
from criteo_api_retailmedia_v2027_01.model.editable_campaign_attributes_v202301 import (
    EditableCampaignAttributesV202301,
)
from criteo_api_retailmedia_v2027_01.model.json_api_body_with_external_id_of_editable_campaign_attributes_v202301_and_campaign_v202301 import (  # noqa: E501
    JsonApiBodyWithExternalIdOfEditableCampaignAttributesV202301AndCampaignV202301,
)
from criteo_api_retailmedia_v2027_01.model.put_campaign_v202301 import PutCampaignV202301

from tests.conftest import CLIENT_REDIRECT_URI
from tests.partner_api.sdk.conftest import ROBOT_ADVERTISERS, World

GRANTED = ("Maison Lumière", "Pixel & Pine Toys")


def ids(data: list[Any]) -> list[int]:
    return sorted(int(item.id) for item in data)


async def test_client_credentials_list_advertisers(launch: Any) -> None:
    world: World = await launch()
    robot = world.robot
    client = ApiClientBuilder.WithClientCredentials(
        robot.client_id, robot.client_secret, host=world.base_url
    )
    portfolio = AdvertiserApi(client).list_advertisers()
    assert ids(portfolio.data) == list(world.advertisers(*ROBOT_ADVERTISERS))
    assert {item.type for item in portfolio.data} == {"advertiser"}
    assert portfolio.data[0].attributes.advertiser_name == "Nordic Outdoor Supply"


async def test_client_credentials_get_current_application(launch: Any) -> None:
    world: World = await launch()
    client = ApiClientBuilder.WithClientCredentials(
        world.robot.client_id, world.robot.client_secret, host=world.base_url
    )
    application = GatewayApi(client).get_current_application()
    attributes = application.data.attributes
    assert attributes.name == "Nightly Reporting Robot"
    assert attributes.application_id == world.robot.app_id
    assert isinstance(attributes.organization_id, int)
    assert attributes.criteo_service == "MarketingSolutions"


async def test_authorization_code_then_the_sdks_own_refresh(
    launch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Access tokens live 2 s with no leeway, so an expired token is really refused.
    world: World = await launch(access_token_ttl_seconds="2", access_token_leeway_seconds="0")
    code = await world.code(None, *GRANTED)
    demo = world.demo
    client = ApiClientBuilder.WithAuthorizationCode(
        demo.client_id, demo.client_secret, code, CLIENT_REDIRECT_URI, host=world.base_url
    )
    advertisers = AdvertiserApi(client)
    assert ids(advertisers.list_advertisers().data) == list(world.advertisers(*GRANTED))
    first_refresh_token = client.get_refresh_token()
    first_access_token = client.rest_client.authorization.token.token_string

    await asyncio.sleep(3.2)  # exp has whole seconds: wait past it for sure
    async with httpx.AsyncClient(base_url=world.base_url) as http:
        stale = await http.get(
            "/2027-01/advertisers/me", headers={"Authorization": first_access_token}
        )
    assert stale.status_code == 401  # the old token is refused now: the SDK must refresh

    class Later(datetime):
        """The SDK's clock, 20 s on: past `expires_in` + the SDK's own 15 s."""

        @classmethod
        def utcnow(cls) -> Later:
            moved = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=20)
            return cls.fromtimestamp(moved.timestamp())

    monkeypatch.setattr(criteo_auth, "datetime", Later)
    assert ids(advertisers.list_advertisers().data) == list(world.advertisers(*GRANTED))
    assert client.get_refresh_token() != first_refresh_token  # rotated on use
    assert client.rest_client.authorization.token.token_string != first_access_token


async def test_refresh_token_lists_retail_media_accounts_page_by_page(launch: Any) -> None:
    world: World = await launch()
    granted = ("Maison Lumière", "Nordic Outdoor Supply", "Pixel & Pine Toys", "Riverside Grocers")
    refresh_token = await world.refresh_token(world.retail, *granted)
    client = RetailClientBuilder.WithRefreshToken(
        world.retail.client_id, world.retail.client_secret, refresh_token, host=world.base_url
    )
    accounts = AccountsApi(client)
    first = accounts.get_accounts(page_size=25)
    assert first.metadata.total_items_across_all_pages == 28  # seven accounts per advertiser
    assert first.metadata.total_pages == 2 and first.metadata.current_page_index == 0
    assert len(first.data) == 25 and first.metadata.next_page is not None
    second = accounts.get_accounts(page_index=1, page_size=25)
    assert len(second.data) == 3 and second.metadata.next_page is None
    assert first.data[0].type == "RetailMediaAccount"
    assert first.data[0].attributes.parent_account_label == "Maison Lumière"
    only = accounts.get_accounts(limit_to_id=[first.data[1].id, second.data[0].id])
    assert [a.id for a in only.data] == [first.data[1].id, second.data[0].id]

    summary = RetailGatewayApi(client).get_current_application()
    assert summary.data.attributes.criteo_service == "RetailMedia"


async def test_retail_media_campaign_read_and_manage(launch: Any) -> None:
    world: World = await launch()
    refresh_token = await world.refresh_token(world.retail, "Riverside Grocers")
    client = RetailClientBuilder.WithRefreshToken(
        world.retail.client_id, world.retail.client_secret, refresh_token, host=world.base_url
    )
    account = AccountsApi(client).get_accounts().data[0]
    campaigns = RetailCampaignApi(client)
    page = campaigns.get_campaigns_by_account_id(account.id)
    assert len(page.data) == 3 and page.data[0].attributes.account_id == account.id
    campaign = page.data[0]
    attributes = EditableCampaignAttributesV202301(
        name="Renamed by the SDK",
        is_auto_daily_pacing=False,
        click_attribution_window="14D",
        view_attribution_window="none",
        budget=1234.5,
    )
    body = PutCampaignV202301(
        data=JsonApiBodyWithExternalIdOfEditableCampaignAttributesV202301AndCampaignV202301(
            id=campaign.id, type="RetailMediaCampaign", attributes=attributes
        )
    )
    changed = campaigns.update_campaign_by_campaign_id(campaign.id, body)
    assert changed.data.attributes.name == "Renamed by the SDK"
    assert changed.data.attributes.budget == 1234.5
    again = campaigns.get_campaign_by_campaign_id(campaign.id)
    assert again.data.attributes.click_attribution_window == "14D"


async def test_marketing_solutions_domains_through_the_sdk(launch: Any) -> None:
    world: World = await launch()
    code = await world.code(world.marketing, *GRANTED)
    client = ApiClientBuilder.WithAuthorizationCode(
        world.marketing.client_id,
        world.marketing.client_secret,
        code,
        CLIENT_REDIRECT_URI,
        host=world.base_url,
    )
    maison = world.demo.advertiser("Maison Lumière")
    search = CampaignSearchRequestV23Q1(
        filters=CampaignSearchFiltersV23Q1(advertiser_ids=[str(maison)])
    )
    found = CampaignApi(client).search_campaigns(campaign_search_request_v23_q1=search)
    assert {c.attributes.advertiser_id for c in found.data} == {str(maison)}
    one = CampaignApi(client).get_campaign(found.data[0].id)
    assert one.data.attributes.name.startswith("Maison Lumière")
    query = AudienceSearchInputV1(
        data=AudienceSearchEntityV1Resource(
            type="AudienceSearch", attributes=AudienceSearchEntityV1(advertiser_ids=[str(maison)])
        )
    )
    audiences = AudienceApi(client).search_audiences(query, limit=2)
    assert len(audiences.data) == 2 and audiences.meta.total_items == 3
    report = AnalyticsApi(client).get_adset_report(
        statistics_report_query_message=StatisticsReportQueryMessage(
            advertiser_ids=str(maison),
            start_date=datetime.now(UTC) - timedelta(days=7),
            end_date=datetime.now(UTC) - timedelta(days=1),
            dimensions=["AdvertiserId", "Day"],
            metrics=["Clicks", "Displays", "AdvertiserCost"],
            currency="EUR",
            format="json",
        )
    )
    with report:  # the SDK hands file-type answers over as an open temporary file
        rows = json.loads(report.read())["Rows"]
    Path(report.name).unlink()
    assert len(rows) == 7 and {row["AdvertiserId"] for row in rows} == {str(maison)}
    creatives = CreativeApi(client).get_advertiser_creatives(str(maison))
    assert len(creatives.data) == 3
    ad_sets = CampaignApi(client).search_ad_sets(
        ad_set_search_request_v26_q1=AdSetSearchRequestV26Q1()
    )
    dataset = ad_sets.data[0].attributes.dataset_id
    product_sets = RecoApi(client).fetch_product_sets(dataset)
    assert {p.attributes.name for p in product_sets.data} == {"Best sellers", "New arrivals"}

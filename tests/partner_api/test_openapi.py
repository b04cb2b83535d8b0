"""The served OpenAPI documents every partner endpoint with its scope, and the scope is enforced.

The table below lists every scoped operation with a valid request; the test checks the table
against `/openapi.json` (nothing undocumented, nothing untested), then calls each operation with
a token that lacks the scope and expects 403 naming that scope.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.hashing import SecretHasher
from consentry.core.scopes import MARKETING_SOLUTIONS, SERVICES, Level, parse_scope
from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.partner_api.conftest import Caller, consent
from tests.partner_api.test_errors import assert_criteo_error
from tests.partner_api.world import add_partner_app

SPEND = {"spendLimitType": "uncapped", "spendLimitRenewal": "undefined", "spendLimitAmount": {}}
AUDIENCE = {"advertiserId": "1", "name": "n", "algebra": {"audienceSegmentId": "1"}}
EDIT = {
    "name": "n",
    "isAutoDailyPacing": True,
    "clickAttributionWindow": "7D",
    "viewAttributionWindow": "none",
}
REPORT = {
    "advertiserIds": "1",
    "startDate": "2027-01-01T00:00:00Z",
    "endDate": "2027-01-02T00:00:00Z",
    "dimensions": ["Day"],
    "metrics": ["Clicks"],
    "currency": "EUR",
}
# (method, documented path, scope, concrete path, JSON body)
SCOPED: list[tuple[str, str, str, str, Any]] = [
    ("POST", "/marketing-solutions/campaigns/search", "MarketingSolutions_Campaign_Read",
     "/marketing-solutions/campaigns/search", {}),
    ("GET", "/marketing-solutions/campaigns/{campaign_id}", "MarketingSolutions_Campaign_Read",
     "/marketing-solutions/campaigns/1", None),
    ("PATCH", "/marketing-solutions/campaigns", "MarketingSolutions_Campaign_Manage",
     "/marketing-solutions/campaigns", {"data": [{"id": "1", "attributes": {"spendLimit": SPEND}}]},
     ),
    ("POST", "/marketing-solutions/ad-sets/search", "MarketingSolutions_Campaign_Read",
     "/marketing-solutions/ad-sets/search", {}),
    ("GET", "/marketing-solutions/ad-sets/{ad_set_id}", "MarketingSolutions_Campaign_Read",
     "/marketing-solutions/ad-sets/1", None),
    ("PATCH", "/marketing-solutions/ad-sets", "MarketingSolutions_Campaign_Manage",
     "/marketing-solutions/ad-sets", {"data": [{"id": "1", "attributes": {}}]}),
    ("POST", "/marketing-solutions/audiences/search", "MarketingSolutions_Audience_Read",
     "/marketing-solutions/audiences/search", {}),
    ("POST", "/marketing-solutions/audiences/create", "MarketingSolutions_Audience_Manage",
     "/marketing-solutions/audiences/create", {"data": [{"attributes": AUDIENCE}]}),
    ("GET", "/marketing-solutions/advertisers/{advertiser_id}/creatives",
     "MarketingSolutions_Creative_Read", "/marketing-solutions/advertisers/1/creatives", None),
    ("POST", "/statistics/report", "MarketingSolutions_Analytics_Read", "/statistics/report",
     REPORT),
    ("GET", "/marketing-solutions/product-sets/dataset/{dataset_id}",
     "MarketingSolutions_Reco_Read", "/marketing-solutions/product-sets/dataset/1", None),
    ("GET", "/retail-media/accounts/{account_id}/campaigns", "RetailMedia_Campaign_Read",
     "/retail-media/accounts/1/campaigns", None),
    ("GET", "/retail-media/campaigns/{campaignId}", "RetailMedia_Campaign_Read",
     "/retail-media/campaigns/1", None),
    ("PUT", "/retail-media/campaigns/{campaignId}", "RetailMedia_Campaign_Manage",
     "/retail-media/campaigns/1", {"data": {"id": "1", "type": "t", "attributes": EDIT}}),
]  # fmt: skip
ANY_TOKEN = {
    ("GET", "/advertisers/me"),
    ("GET", "/marketing-solutions/me"),
    ("GET", "/retail-media/me"),
    ("GET", "/retail-media/accounts"),
}


def partner_operations(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path.removeprefix("/{version}")): operation
        for path, operations in schema["paths"].items()
        if path.startswith("/{version}/")
        for method, operation in operations.items()
    }


async def test_openapi_documents_each_partner_endpoint_with_its_scope(
    client: httpx.AsyncClient,
) -> None:
    operations = partner_operations((await client.get("/openapi.json")).json())
    documented = {key: op["x-required-scope"] for key, op in operations.items()}
    assert documented == {
        **{(method, path): scope for method, path, scope, _, _ in SCOPED},
        **dict.fromkeys(ANY_TOKEN, "none"),
    }
    assert operations[("GET", "/retail-media/accounts")]["x-required-service"] == "RetailMedia"
    for key, operation in operations.items():
        scope = operation["x-required-scope"]
        assert (scope if scope != "none" else "any valid") in operation["description"], key
        assert {"401", "403", "429"} <= set(operation["responses"]), key
        assert any(p["name"] == "version" and p["in"] == "path" for p in operation["parameters"])
        if scope != "none":
            service, domain, level = parse_scope(scope)
            known = {s.name: s for s in SERVICES.values()}[service]
            assert domain in known.domains and level in Level


@pytest.fixture
async def reco_only(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
    demo: Demo,
) -> tuple[Caller, Caller]:
    """Tokens of two apps with one scope each: Reco_Read, and Creative_Read."""
    callers = []
    for domain in ("Reco", "Creative"):
        pair = await add_partner_app(
            engine,
            hasher,
            clock.now(),
            service=MARKETING_SOLUTIONS,
            levels={domain: Level.READ},
            redirect_uris=(CLIENT_REDIRECT_URI,),
            name=f"{domain} only",
        )
        callers.append(await consent(client, demo, pair, ("Maison Lumière",)))
    return callers[0], callers[1]


async def test_each_scoped_endpoint_refuses_a_token_without_its_scope(
    client: httpx.AsyncClient, reco_only: tuple[Caller, Caller]
) -> None:
    # One test over the whole table: each case needs the same two apps and consents.
    for method, documented, scope, path, body in SCOPED:
        caller = reco_only[1] if scope == "MarketingSolutions_Reco_Read" else reco_only[0]
        response = await client.request(
            method, f"/2027-01{path}", json=body, headers=caller.headers
        )
        assert response.status_code == 403, f"{method} {documented}: {response.text}"
        error = assert_criteo_error(response, 403)
        assert scope in str(error["detail"]), f"{method} {documented}"

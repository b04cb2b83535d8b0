"""Criteo's error envelope on every partner-API failure, with RFC 6750 challenges on 401/403."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.partner_api.conftest import Caller

V = "/2027-01"


def assert_criteo_error(response: httpx.Response, status: int) -> dict[str, object]:
    """The response is `status` with exactly Criteo's `{"errors": [one problem]}` body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1
    error = body["errors"][0]
    assert set(error) == {"traceId", "type", "code", "title", "detail"}
    assert all(isinstance(value, str) and value for value in error.values())
    assert response.headers["cache-control"] == "no-store"
    return dict(error)


def claims_of(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/marketing-solutions/campaigns/search"),
        ("GET", "/marketing-solutions/campaigns/1"),
        ("POST", "/statistics/report"),
        ("GET", "/retail-media/accounts"),
        ("GET", "/retail-media/campaigns/1"),
    ],
)
async def test_every_endpoint_wants_a_bearer_token(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, f"{V}{path}")
    if response.status_code == 400:  # a body is validated before the handler runs
        response = await client.request(method, f"{V}{path}", json={})
    error = assert_criteo_error(response, 400 if response.status_code == 400 else 401)
    if response.status_code == 401:
        assert error["type"] == "authentication"
        assert response.headers["www-authenticate"] == 'Bearer realm="consentry"'


async def test_missing_scope_is_403_with_insufficient_scope_challenge(
    client: httpx.AsyncClient, demo_token: Caller
) -> None:
    creatives = f"{V}/marketing-solutions/advertisers/{demo_token.advertisers[0]}/creatives"
    response = await client.get(creatives, headers=demo_token.headers)
    error = assert_criteo_error(response, 403)
    assert error["type"] == "authorization" and error["code"] == "insufficient_scope"
    assert "MarketingSolutions_Creative_Read" in str(error["detail"])
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_malformed_body_is_400_in_criteos_shape(
    client: httpx.AsyncClient, demo_token: Caller
) -> None:
    response = await client.post(
        f"{V}/marketing-solutions/campaigns/search",
        json={"filters": {"advertiserIds": "not-a-list"}},
        headers=demo_token.headers,
    )
    assert assert_criteo_error(response, 400)["type"] == "validation"


async def test_non_numeric_ids_in_a_body_are_400(
    client: httpx.AsyncClient, demo_token: Caller
) -> None:
    body = {"filters": {"campaignIds": ["12; DROP TABLE"]}}
    response = await client.post(
        f"{V}/marketing-solutions/campaigns/search", json=body, headers=demo_token.headers
    )
    assert_criteo_error(response, 400)


async def test_unknown_fields_are_refused_not_ignored(
    client: httpx.AsyncClient, demo_token: Caller
) -> None:
    body = {"filters": {}, "surprise": True}
    response = await client.post(
        f"{V}/marketing-solutions/campaigns/search", json=body, headers=demo_token.headers
    )
    assert_criteo_error(response, 400)

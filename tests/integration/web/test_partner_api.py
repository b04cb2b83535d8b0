"""The partner API's `/{version}/advertisers/me` and its bearer-token checks (RFC 6750, Criteo).

Criteo's Python SDK keeps using a token until 15 s after `expires_in`; we accept a 30 s leeway.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from tests.conftest import Demo
from tests.integration.conftest import Issued, run_code_flow
from tests.support.flow import bearer
from tests.support.world import revoke_all_grants

ME = "/2027-01/advertisers/me"


def assert_criteo_error(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"}
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    assert set(error) == {"traceId", "type", "code", "title", "detail"}
    assert all(isinstance(value, str) and value for value in error.values())
    return dict(error)


def claims_of(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def test_advertisers_me_has_criteos_exact_shape(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    response = await client.get(ME, headers=bearer(issued.access_token))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": [
            {
                "type": "advertiser",
                "id": str(demo.advertiser("Maison Lumière")),
                "attributes": {"advertiserName": "Maison Lumière"},
            },
            {
                "type": "advertiser",
                "id": str(demo.advertiser("Pixel & Pine Toys")),
                "attributes": {"advertiserName": "Pixel & Pine Toys"},
            },
        ],
        "errors": [],
        "warnings": [],
    }


async def test_advertisers_me_lists_only_the_granted_advertisers(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    only = demo.advertiser("Riverside Grocers")
    issued = await run_code_flow(client, demo, (only,))
    response = await client.get(ME, headers=bearer(issued.access_token))
    assert [a["id"] for a in response.json()["data"]] == [str(only)]


@pytest.mark.parametrize("version", ["2026-07", "2026-10", "2027-01"])
async def test_every_supported_version_serves_advertisers_me(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, version: str
) -> None:
    response = await client.get(f"/{version}/advertisers/me", headers=bearer(issued.access_token))
    assert response.status_code == 200


async def test_missing_token_is_401_with_bearer_challenge(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.get(ME)
    assert_criteo_error(response, 401)
    # RFC 6750 §3.1: no error code when the request carried no token at all.
    assert response.headers["www-authenticate"].startswith("Bearer realm=")
    assert "error=" not in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer garbage",
        "Bearer a.b.c",
        "Bearer eyJhbGciOiJub25lIn0.e30.",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
        "Bearer " + "x" * 9000,
    ],
    ids=["garbage", "three-dots", "alg-none", "basic-scheme", "empty", "oversized"],
)
async def test_invalid_token_is_401_with_criteos_error_body(
    client: httpx.AsyncClient, demo: Demo, authorization: str
) -> None:
    response = await client.get(ME, headers={"Authorization": authorization})
    error = assert_criteo_error(response, 401)
    assert error["type"] == "authentication"
    assert response.headers["www-authenticate"].startswith("Bearer realm=")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def forge(claims: dict[str, object], kid: str) -> str:
    key = ECKey.generate_key("P-256", parameters={"kid": kid})
    return jwt.encode({"alg": "ES256", "kid": kid, "typ": "at+jwt"}, claims, key)


async def test_token_signed_by_another_key_with_an_unknown_kid_is_401(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    forged = forge(claims_of(issued.access_token), "attacker-key")
    assert_criteo_error(await client.get(ME, headers=bearer(forged)), 401)


async def test_token_signed_by_another_key_under_our_kid_is_401(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    header = json.loads(base64.urlsafe_b64decode(issued.access_token.split(".")[0] + "=="))
    forged = forge(claims_of(issued.access_token), header["kid"])
    assert_criteo_error(await client.get(ME, headers=bearer(forged)), 401)


async def test_token_with_tampered_claims_is_401(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    header, _, signature = issued.access_token.split(".")
    claims = claims_of(issued.access_token)
    claims["advertisers"] = [str(demo.advertiser("Competitor Corp"))]
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    tampered = f"{header}.{payload}.{signature}"
    assert_criteo_error(await client.get(ME, headers=bearer(tampered)), 401)


async def test_token_is_still_accepted_15_seconds_after_expiry(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    # Criteo's SDK refreshes only 15 s after expires_in: the leeway covers it.
    clock.advance(timedelta(seconds=900 + 15))
    assert (await client.get(ME, headers=bearer(issued.access_token))).status_code == 200


async def test_token_past_expiry_and_leeway_is_401(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    clock.advance(timedelta(seconds=900 + 31))
    response = await client.get(ME, headers=bearer(issued.access_token))
    assert_criteo_error(response, 401)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_token_of_a_revoked_grant_is_401(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, engine: AsyncEngine, clock: FixedClock
) -> None:
    assert (await client.get(ME, headers=bearer(issued.access_token))).status_code == 200
    await revoke_all_grants(engine, clock.now())
    assert_criteo_error(await client.get(ME, headers=bearer(issued.access_token)), 401)


@pytest.mark.parametrize("version", ["1999-01", "2027-13", "2099-01"])
async def test_unknown_version_is_404_in_criteos_error_shape(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, version: str
) -> None:
    response = await client.get(f"/{version}/advertisers/me", headers=bearer(issued.access_token))
    assert_criteo_error(response, 404)


async def test_unknown_partner_path_is_404_in_criteos_error_shape(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    response = await client.get("/2027-01/no-such-resource", headers=bearer(issued.access_token))
    assert_criteo_error(response, 404)


async def test_partner_api_errors_are_not_cached(client: httpx.AsyncClient, demo: Demo) -> None:
    response = await client.get(ME)
    assert response.headers["cache-control"] == "no-store"

"""`POST /oauth2/introspect` (RFC 7662). ↔ core/introspection.py, oauth/token_routes.py"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.hashing import SecretHasher
from consentry.storage.sql import schema as t
from tests.conftest import ISSUER, Demo
from tests.security.conftest import (
    Issued,
    add_app_grant,
    add_cc_app,
    client_credentials,
    credentials_of,
)
from tests.support.flow import refresh
from tests.support.world import add_credential_pair

INACTIVE = {"active": False}


async def introspect(
    http: httpx.AsyncClient, token: str, credentials: dict[str, str]
) -> dict[str, object]:
    response = await http.post("/oauth2/introspect", data={"token": token, **credentials})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return dict(response.json())


async def test_active_access_token_is_described(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    answer = await introspect(client, issued.access_token, credentials_of(demo))

    now = int(clock.now().timestamp())
    assert answer["active"] is True
    assert answer["client_id"] == demo.client_id
    assert answer["sub"] == str(demo.app.customer_id)
    assert answer["iat"] == now and answer["exp"] == now + 900
    assert answer["iss"] == ISSUER and answer["token_type"] == "Bearer"
    assert set(str(answer["scope"]).split()) == {
        "MarketingSolutions_Analytics_Read",
        "MarketingSolutions_Audience_Read",
        "MarketingSolutions_Campaign_Manage",
    }
    assert answer["advertisers"] == [str(a) for a in issued.advertisers]


async def test_active_refresh_token_is_described(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    answer = await introspect(client, issued.refresh_token, credentials_of(demo))

    assert answer["active"] is True
    assert answer["token_use"] == "refresh_token"
    assert answer["client_id"] == demo.client_id
    assert answer["sub"] == str(demo.app.customer_id)
    assert answer["advertisers"] == [str(a) for a in issued.advertisers]


async def test_client_credentials_token_is_described(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    app = await add_cc_app(engine, hasher, clock.now())
    lumiere = demo.advertiser("Maison Lumière")
    await add_app_grant(
        engine,
        app_id=app.app_id,
        user_id=demo.app.customer_id,
        advertisers=[lumiere],
        now=clock.now(),
    )
    token = (await client_credentials(client, app)).json()["access_token"]
    as_app = {"client_id": app.client_id, "client_secret": app.client_secret}

    answer = await introspect(client, token, as_app)

    assert answer["active"] is True and answer["sub"] == app.client_id
    assert answer["advertisers"] == [str(lumiere)]


async def test_expired_access_token_is_inactive(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    clock.advance(timedelta(seconds=900 + 31))

    assert await introspect(client, issued.access_token, credentials_of(demo)) == INACTIVE


async def test_tokens_of_another_client_are_inactive(
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    other = await add_credential_pair(engine, hasher, demo.app.app_id, clock.now())
    as_other = {"client_id": other.client_id, "client_secret": other.client_secret}

    assert await introspect(client, issued.access_token, as_other) == INACTIVE
    assert await introspect(client, issued.refresh_token, as_other) == INACTIVE


async def test_revoked_grant_makes_both_tokens_inactive(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, engine: AsyncEngine, clock: FixedClock
) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(t.Grant).values(revoked_at=clock.now()))

    assert await introspect(client, issued.access_token, credentials_of(demo)) == INACTIVE
    assert await introspect(client, issued.refresh_token, credentials_of(demo)) == INACTIVE


async def test_revoked_advertiser_disappears_from_the_answer(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, engine: AsyncEngine, clock: FixedClock
) -> None:
    gone, kept = issued.advertisers
    async with engine.begin() as conn:
        await conn.execute(
            update(t.GrantAdvertiser)
            .where(t.GrantAdvertiser.advertiser_id == gone)
            .values(revoked_at=clock.now())
        )

    for token in (issued.access_token, issued.refresh_token):
        answer = await introspect(client, token, credentials_of(demo))
        assert answer["active"] is True and answer["advertisers"] == [str(kept)]


async def test_rotated_refresh_token_is_inactive(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    rotated = await refresh(client, issued.refresh_token, **credentials_of(demo))

    assert await introspect(client, issued.refresh_token, credentials_of(demo)) == INACTIVE
    answer = await introspect(client, rotated.json()["refresh_token"], credentials_of(demo))
    assert answer["active"] is True


@pytest.mark.parametrize("token", ["nope", "a.b.c", "é" * 10], ids=["random", "fake jwt", "utf8"])
async def test_unknown_tokens_are_inactive(
    client: httpx.AsyncClient, demo: Demo, token: str
) -> None:
    assert await introspect(client, token, credentials_of(demo)) == INACTIVE


async def test_introspection_requires_client_authentication(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    response = await client.post(
        "/oauth2/introspect",
        data={"token": issued.access_token, "client_id": demo.client_id, "client_secret": "x"},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "active" not in response.json()

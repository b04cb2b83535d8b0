"""Criteo's rate limits, counted in the database: 35/min per authorization-code access token,
250/min per app for client-credentials tokens; 429 with x-ratelimit-* headers; shared by nodes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.composition.app import create_app
from consentry.core.hashing import SecretHasher
from consentry.core.model import AccessTokenClaims, AuthMethod
from consentry.core.scopes import MARKETING_SOLUTIONS
from consentry.keys.keyring import KeyRing
from consentry.partner_api.rate_limit import RateLimitPolicy, RateLimitState, bucket
from consentry.settings import Settings
from consentry.storage.sql import schema as t
from tests.conftest import ISSUER, Demo
from tests.partner_api.conftest import Caller, consent
from tests.partner_api.test_errors import assert_criteo_error
from tests.partner_api.world import MARKETING_LEVELS, add_partner_app, grant_app, marketing_scopes
from tests.support.flow import bearer, refresh

ME = "/2027-01/advertisers/me"
WINDOW_END = 1800014460  # 2027-01-15T12:01:00Z, the end of the test clock's first window


async def test_the_36th_call_of_a_token_within_a_minute_is_429(
    client: httpx.AsyncClient, demo_token: Caller
) -> None:
    for done in range(1, 36):
        response = await client.get(ME, headers=demo_token.headers)
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "35"
        assert response.headers["x-ratelimit-remaining"] == str(35 - done)
        assert response.headers["x-ratelimit-reset"] == str(WINDOW_END)
    refused = await client.get(ME, headers=demo_token.headers)
    error = assert_criteo_error(refused, 429)
    assert error["type"] == "quota"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["retry-after"] == "60"


async def test_the_next_window_starts_afresh(
    client: httpx.AsyncClient, demo_token: Caller, clock: FixedClock
) -> None:
    for _ in range(36):
        await client.get(ME, headers=demo_token.headers)
    clock.advance(timedelta(seconds=60))
    again = await client.get(ME, headers=demo_token.headers)
    assert again.status_code == 200 and again.headers["x-ratelimit-remaining"] == "34"
    assert again.headers["x-ratelimit-reset"] == str(WINDOW_END + 60)


async def test_each_access_token_has_its_own_budget(
    client: httpx.AsyncClient, demo_token: Caller, demo: Demo
) -> None:
    for _ in range(36):
        await client.get(ME, headers=demo_token.headers)
    renewed = await refresh(
        client, demo_token.refresh_token, client_id=demo.client_id, client_secret=demo.client_secret
    )
    fresh = await client.get(ME, headers=bearer(renewed.json()["access_token"]))
    assert fresh.status_code == 200 and fresh.headers["x-ratelimit-remaining"] == "34"


async def test_refused_calls_count_and_carry_the_headers(
    client: httpx.AsyncClient, demo_token: Caller
) -> None:
    creatives = f"/2027-01/marketing-solutions/advertisers/{demo_token.advertisers[0]}/creatives"
    forbidden = await client.get(creatives, headers=demo_token.headers)
    assert forbidden.status_code == 403 and forbidden.headers["x-ratelimit-remaining"] == "34"
    missing = await client.get(
        "/2027-01/marketing-solutions/campaigns/0", headers=demo_token.headers
    )
    assert missing.status_code == 404 and missing.headers["x-ratelimit-remaining"] == "33"


async def test_a_revoked_token_is_refused_without_spending_any_budget(
    client: httpx.AsyncClient, demo_token: Caller, demo: Demo, engine: AsyncEngine
) -> None:
    assert (await client.get(ME, headers=demo_token.headers)).status_code == 200
    revoked = await client.post(
        "/oauth2/revoke",
        data={
            "token": demo_token.access_token,
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
        },
    )
    assert revoked.status_code == 200
    for _ in range(3):
        refused = await client.get(ME, headers=demo_token.headers)
        assert refused.status_code == 401 and "x-ratelimit-remaining" not in refused.headers
    async with engine.connect() as conn:
        counts = list(await conn.scalars(select(t.RateLimitCounter.count)))
    assert counts == [1]  # the call before the revocation, and nothing since


@pytest.fixture
async def nodes(settings: Settings, clock: FixedClock) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Two consentry nodes on the same database (per-app limit lowered to 5 calls a minute)."""
    tuned = settings.model_copy(update={"rate_limit_per_app_per_minute": 5})
    apps: list[FastAPI] = [create_app(tuned, clock=clock) for _ in range(2)]
    clients = []
    for app in apps:
        await app.state.components.get(KeyRing).ready()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        clients.append(httpx.AsyncClient(transport=transport, base_url=ISSUER))
    yield clients
    for http, app in zip(clients, apps, strict=True):
        await http.aclose()
        await app.state.database.close()


async def test_counters_are_shared_by_concurrent_nodes(
    nodes: list[httpx.AsyncClient], demo: Demo
) -> None:
    caller = await consent(nodes[0], demo, None, ("Maison Lumière",))
    calls = [nodes[i % 2].get(ME, headers=caller.headers) for i in range(40)]
    statuses = sorted(r.status_code for r in await asyncio.gather(*calls))
    assert statuses == [200] * 35 + [429] * 5


async def test_client_credentials_tokens_share_their_apps_budget(
    nodes: list[httpx.AsyncClient],
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    robot = await add_partner_app(
        engine,
        hasher,
        clock.now(),
        service=MARKETING_SOLUTIONS,
        levels=MARKETING_LEVELS,
        auth_method=AuthMethod.CLIENT_CREDENTIALS,
    )
    advertisers = (demo.advertiser("Maison Lumière"),)
    await grant_app(
        engine, robot.app_id, demo.app.customer_id, advertisers, marketing_scopes(), clock.now()
    )
    tokens = []
    for node in nodes:  # one token from each node: different jti, same app
        issued = await node.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": robot.client_id,
                "client_secret": robot.client_secret,
            },
        )
        assert issued.status_code == 200, issued.text
        tokens.append(issued.json()["access_token"])
    statuses = [
        (await nodes[i % 2].get(ME, headers=bearer(tokens[i % 2]))).status_code for i in range(6)
    ]
    assert statuses == [200] * 5 + [429]


async def test_old_windows_are_purged_when_a_new_window_opens(
    client: httpx.AsyncClient, demo_token: Caller, engine: AsyncEngine, clock: FixedClock
) -> None:
    now = int(clock.now().timestamp())
    async with engine.begin() as conn:
        await conn.execute(
            insert(t.RateLimitCounter),
            [
                {"key": f"jti:gone-{n}", "window_start": now - 3600 - n * 60, "count": 3}
                for n in range(5)
            ],
        )
    await client.get(ME, headers=demo_token.headers)  # this token's first call: a new window
    async with engine.connect() as conn:
        left = await conn.scalar(select(func.count()).select_from(t.RateLimitCounter))
    assert left == 1  # only the current window of this token


def claims(grant_id: str, jti: str) -> AccessTokenClaims:
    return AccessTokenClaims("sub", "client", frozenset(), grant_id, (), 0, 0, jti)


def test_buckets_are_per_app_for_client_credentials_and_per_token_otherwise() -> None:
    policy = RateLimitPolicy(per_app=250, per_token=35)
    assert bucket(policy, claims("app:7", "x")) == ("app:7", 250)
    assert bucket(policy, claims("g-123", "abc")) == ("jti:abc", 35)


def test_state_headers_and_retry_after() -> None:
    state = RateLimitState(limit=35, count=40, reset=120, now=119)
    assert state.exceeded and state.retry_after == 1
    assert state.headers() == {
        "x-ratelimit-limit": "35",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "120",
    }

"""Failed client authentication is throttled per client_id (429 + Retry-After), shared by all
nodes through the database, while a valid secret is never slowed down.

↔ core/server.py (AuthorizationServer._count_failure),
storage/sql/repositories/client_auth_failures.py
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.settings import Settings
from consentry.storage.sql import schema as t
from tests.conftest import Demo
from tests.security.conftest import Issued, second_node

LIMIT = 10  # settings.client_auth_max_failures
WINDOW = 60  # settings.client_auth_failure_window_seconds


async def bad_attempt(http: httpx.AsyncClient, client_id: str) -> httpx.Response:
    return await http.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": "guessed-secret",
        },
    )


async def good_attempt(http: httpx.AsyncClient, demo: Demo, issued: Issued) -> httpx.Response:
    return await http.post(
        "/oauth2/introspect",
        data={
            "token": issued.access_token,
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
        },
    )


async def test_failures_beyond_the_limit_answer_429_with_retry_after(
    client: httpx.AsyncClient, demo: Demo, clock: FixedClock
) -> None:
    for _ in range(LIMIT):
        assert (await bad_attempt(client, demo.client_id)).status_code == 401
    clock.advance(timedelta(seconds=20))

    throttled = await bad_attempt(client, demo.client_id)

    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == str(WINDOW - 20)
    assert throttled.headers["cache-control"] == "no-store"
    assert throttled.json()["error"] == "too_many_requests"


async def test_valid_client_is_not_slowed_while_its_id_is_throttled(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    for _ in range(LIMIT + 5):
        await bad_attempt(client, demo.client_id)

    response = await good_attempt(client, demo, issued)

    assert response.status_code == 200 and response.json()["active"] is True


async def test_the_count_is_shared_by_every_node(
    client: httpx.AsyncClient, demo: Demo, settings: Settings, clock: FixedClock
) -> None:
    async with second_node(settings, clock) as other:
        responses = await asyncio.gather(
            *(bad_attempt(http, demo.client_id) for http in [client, other] * (LIMIT // 2))
        )
        assert {r.status_code for r in responses} == {401}

        assert (await bad_attempt(other, demo.client_id)).status_code == 429
        assert (await bad_attempt(client, demo.client_id)).status_code == 429


async def test_the_window_ends_and_counting_starts_again(
    client: httpx.AsyncClient, demo: Demo, clock: FixedClock
) -> None:
    for _ in range(LIMIT + 1):
        await bad_attempt(client, demo.client_id)

    clock.advance(timedelta(seconds=WINDOW))

    assert (await bad_attempt(client, demo.client_id)).status_code == 401


async def test_revocation_and_introspection_share_the_throttle(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    for _ in range(LIMIT):
        await bad_attempt(client, demo.client_id)
    wrong = {"token": "x", "client_id": demo.client_id, "client_secret": "nope"}

    assert (await client.post("/oauth2/revoke", data=wrong)).status_code == 429
    assert (await client.post("/oauth2/introspect", data=wrong)).status_code == 429


async def test_unknown_client_ids_are_not_counted(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    for _ in range(LIMIT + 2):
        assert (await bad_attempt(client, "no-such-client")).status_code == 401

    async with engine.connect() as conn:
        assert (await conn.execute(select(t.ClientAuthFailure))).all() == []

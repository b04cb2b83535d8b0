"""`grant_type=client_credentials` (RFC 6749 §4.4): tokens cover the app-level grants, live.

↔ core/grants/client_credentials.py, core/access.py (pseudo grant `app:<id>`), partner_api/guard.py
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import httpx
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.hashing import SecretHasher
from consentry.settings import Settings
from consentry.storage.sql import schema as t
from tests.conftest import Demo
from tests.security.conftest import (
    add_app_grant,
    add_cc_app,
    client_credentials,
    granted_ids,
    second_node,
)


def claims_of(access_token: str) -> dict[str, object]:
    payload = access_token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def test_client_credentials_token_covers_the_apps_granted_advertisers(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    app = await add_cc_app(engine, hasher, clock.now())
    lumiere, toys = demo.advertiser("Maison Lumière"), demo.advertiser("Pixel & Pine Toys")
    grocers = demo.advertiser("Riverside Grocers")
    user = demo.app.customer_id
    await add_app_grant(
        engine, app_id=app.app_id, user_id=user, advertisers=[lumiere, toys], now=clock.now()
    )
    await add_app_grant(
        engine, app_id=app.app_id, user_id=user, advertisers=[toys, grocers], now=clock.now()
    )

    response = await client_credentials(client, app)

    assert response.status_code == 200, response.text
    body = response.json()
    # Criteo's SDK reads body["refresh_token"]: the key is present, and null (RFC 6749 §4.4.3).
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["refresh_token"] is None and body["expires_in"] == 900
    assert response.headers["cache-control"] == "no-store"
    assert claims_of(body["access_token"])["gid"] == f"app:{app.app_id}"
    assert await granted_ids(client, body["access_token"]) == sorted([lumiere, toys, grocers])


async def test_client_credentials_ignore_grants_of_other_apps_and_revoked_ones(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    app = await add_cc_app(engine, hasher, clock.now())
    other = await add_cc_app(engine, hasher, clock.now(), name="Someone Else's Reporter")
    lumiere, toys = demo.advertiser("Maison Lumière"), demo.advertiser("Pixel & Pine Toys")
    user = demo.app.customer_id
    await add_app_grant(
        engine, app_id=other.app_id, user_id=user, advertisers=[toys], now=clock.now()
    )
    revoked = await add_app_grant(
        engine, app_id=app.app_id, user_id=user, advertisers=[toys], now=clock.now()
    )
    await add_app_grant(
        engine, app_id=app.app_id, user_id=user, advertisers=[lumiere], now=clock.now()
    )
    async with engine.begin() as conn:
        await conn.execute(
            update(t.Grant).where(t.Grant.id == revoked).values(revoked_at=clock.now())
        )

    token = (await client_credentials(client, app)).json()["access_token"]

    assert await granted_ids(client, token) == [lumiere]


async def test_client_credentials_without_any_grant_issue_an_empty_token(
    client: httpx.AsyncClient, engine: AsyncEngine, hasher: SecretHasher, clock: FixedClock
) -> None:
    app = await add_cc_app(engine, hasher, clock.now())

    response = await client_credentials(client, app)

    assert response.status_code == 200
    assert await granted_ids(client, response.json()["access_token"]) == []


async def test_client_credentials_are_refused_to_authorization_code_apps(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
        },
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


async def test_client_credentials_need_a_valid_secret(
    client: httpx.AsyncClient, engine: AsyncEngine, hasher: SecretHasher, clock: FixedClock
) -> None:
    app = await add_cc_app(engine, hasher, clock.now())

    response = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret + "x",
        },
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_revoking_an_app_level_grant_applies_to_live_tokens_on_every_node(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
    settings: Settings,
) -> None:
    app = await add_cc_app(engine, hasher, clock.now())
    lumiere, toys = demo.advertiser("Maison Lumière"), demo.advertiser("Pixel & Pine Toys")
    user = demo.app.customer_id
    first = await add_app_grant(
        engine, app_id=app.app_id, user_id=user, advertisers=[lumiere], now=clock.now()
    )
    await add_app_grant(
        engine, app_id=app.app_id, user_id=user, advertisers=[toys], now=clock.now()
    )
    token = (await client_credentials(client, app)).json()["access_token"]
    async with second_node(settings, clock) as other:
        assert await granted_ids(other, token) == sorted([lumiere, toys])
        async with engine.begin() as conn:
            await conn.execute(
                update(t.Grant).where(t.Grant.id == first).values(revoked_at=clock.now())
            )

        # No clock movement: the very next call on either node sees the revocation.
        assert await granted_ids(other, token) == [toys]
        assert await granted_ids(client, token) == [toys]


async def test_a_new_app_level_grant_needs_a_new_token(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    app = await add_cc_app(engine, hasher, clock.now())
    lumiere, toys = demo.advertiser("Maison Lumière"), demo.advertiser("Pixel & Pine Toys")
    user = demo.app.customer_id
    await add_app_grant(
        engine, app_id=app.app_id, user_id=user, advertisers=[lumiere], now=clock.now()
    )
    old_token = (await client_credentials(client, app)).json()["access_token"]
    await add_app_grant(
        engine, app_id=app.app_id, user_id=user, advertisers=[toys], now=clock.now()
    )

    assert await granted_ids(client, old_token) == [lumiere]  # a token never gains advertisers
    new_token = (await client_credentials(client, app)).json()["access_token"]
    assert await granted_ids(client, new_token) == sorted([lumiere, toys])


async def test_deleting_the_credential_pair_ends_its_client_credentials_tokens(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    app = await add_cc_app(engine, hasher, clock.now())
    await add_app_grant(
        engine,
        app_id=app.app_id,
        user_id=demo.app.customer_id,
        advertisers=[demo.advertiser("Maison Lumière")],
        now=clock.now(),
    )
    token = (await client_credentials(client, app)).json()["access_token"]
    async with engine.begin() as conn:
        await conn.execute(delete(t.Credential).where(t.Credential.client_id == app.client_id))

    assert await granted_ids(client, token) == 401


async def test_client_credentials_tokens_expire_after_their_lifetime(
    client: httpx.AsyncClient, engine: AsyncEngine, hasher: SecretHasher, clock: FixedClock
) -> None:
    app = await add_cc_app(engine, hasher, clock.now())
    token = (await client_credentials(client, app)).json()["access_token"]

    clock.advance(timedelta(seconds=900 + 31))  # past exp and the 30 s leeway

    assert await granted_ids(client, token) == 401


async def test_a_pair_deleted_on_another_node_stops_authenticating_within_a_second(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
    settings: Settings,
) -> None:
    """Each node keeps a pair it authenticated for at most a second (storage/sql/client_cache)."""
    app = await add_cc_app(engine, hasher, clock.now())
    assert (await client_credentials(client, app)).status_code == 200  # read and kept here
    async with engine.begin() as conn:  # another node (or an operator) deletes the pair
        await conn.execute(delete(t.Credential).where(t.Credential.client_id == app.client_id))
    kept = await client_credentials(client, app)
    assert kept.status_code == 200  # within the second: a token that is dead on arrival
    assert await granted_ids(client, kept.json()["access_token"]) == 401
    clock.advance(timedelta(seconds=1))
    assert (await client_credentials(client, app)).status_code == 401
    async with second_node(settings, clock) as other:  # a node that never saw it
        assert (await client_credentials(other, app)).status_code == 401

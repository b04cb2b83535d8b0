"""`POST /oauth2/revoke` (RFC 7009). ↔ core/revocation.py, oauth/token_routes.py"""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.hashing import SecretHasher
from consentry.settings import Settings
from consentry.storage.sql import schema as t
from tests.conftest import Demo
from tests.security.conftest import (
    Issued,
    credentials_of,
    granted_ids,
    second_node,
)
from tests.support.flow import refresh
from tests.support.world import add_credential_pair


async def revoke(http: httpx.AsyncClient, demo: Demo, token: str, **extra: str) -> httpx.Response:
    return await http.post("/oauth2/revoke", data={"token": token, **credentials_of(demo), **extra})


async def introspect(http: httpx.AsyncClient, demo: Demo, token: str) -> dict[str, object]:
    response = await http.post("/oauth2/introspect", data={"token": token, **credentials_of(demo)})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_revoking_a_refresh_token_revokes_its_whole_family(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, settings: Settings, clock: FixedClock
) -> None:
    rotated = await refresh(client, issued.refresh_token, **credentials_of(demo))
    access, current = rotated.json()["access_token"], rotated.json()["refresh_token"]

    response = await revoke(client, demo, current, token_type_hint="refresh_token")

    assert response.status_code == 200 and response.content == b""
    assert response.headers["cache-control"] == "no-store"
    assert (await refresh(client, current, **credentials_of(demo))).status_code == 400
    # RFC 7009 §2.1: the access tokens of the same grant are invalidated too, on every node.
    async with second_node(settings, clock) as other:
        assert await granted_ids(other, access) == 401
        assert await granted_ids(other, issued.access_token) == 401
    assert await introspect(client, demo, access) == {"active": False}


async def test_revoking_an_access_token_ends_only_that_token(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, settings: Settings, clock: FixedClock
) -> None:
    response = await revoke(client, demo, issued.access_token, token_type_hint="access_token")

    assert response.status_code == 200
    async with second_node(settings, clock) as other:
        assert await granted_ids(other, issued.access_token) == 401
    assert await introspect(client, demo, issued.access_token) == {"active": False}
    # The grant lives on: the refresh token still works and mints a usable access token.
    rotated = await refresh(client, issued.refresh_token, **credentials_of(demo))
    assert rotated.status_code == 200
    assert await granted_ids(client, rotated.json()["access_token"]) == list(issued.advertisers)


async def test_revoked_access_token_rows_are_forgotten_once_expired(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, engine: AsyncEngine, clock: FixedClock
) -> None:
    await revoke(client, demo, issued.access_token)
    clock.advance(timedelta(seconds=900 + 31))
    fresh = await refresh(client, issued.refresh_token, **credentials_of(demo))

    await revoke(client, demo, fresh.json()["access_token"])  # purges rows past their expiry

    async with engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(t.RevokedAccessToken))
    assert count == 1


@pytest.mark.parametrize(
    "token",
    ["unknown-refresh-token", "a.b.c", "eyJhbGciOiJFUzI1NiJ9.e30.sig", "x" * 300],
    ids=["unknown refresh token", "malformed jwt", "bad signature", "long garbage"],
)
async def test_unknown_tokens_answer_200(client: httpx.AsyncClient, demo: Demo, token: str) -> None:
    response = await revoke(client, demo, token)

    assert response.status_code == 200


async def test_expired_access_token_answers_200(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    clock.advance(timedelta(days=1))

    assert (await revoke(client, demo, issued.access_token)).status_code == 200


async def test_token_of_another_client_is_refused_and_left_alone(
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    other = await add_credential_pair(engine, hasher, demo.app.app_id, clock.now())
    as_other = {"client_id": other.client_id, "client_secret": other.client_secret}

    for token in (issued.refresh_token, issued.access_token):
        response = await client.post("/oauth2/revoke", data={"token": token, **as_other})
        assert response.status_code == 400
        assert response.json()["error"] == "unauthorized_client"

    assert await granted_ids(client, issued.access_token) == list(issued.advertisers)
    assert (await refresh(client, issued.refresh_token, **credentials_of(demo))).status_code == 200


async def test_revocation_requires_client_authentication(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    no_secret = await client.post(
        "/oauth2/revoke", data={"token": issued.refresh_token, "client_id": demo.client_id}
    )
    wrong = await client.post(
        "/oauth2/revoke",
        data={"token": issued.refresh_token, "client_id": demo.client_id, "client_secret": "no"},
    )

    assert no_secret.status_code == 401 and wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert (await refresh(client, issued.refresh_token, **credentials_of(demo))).status_code == 200


async def test_revocation_accepts_http_basic(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    basic = base64.b64encode(f"{demo.client_id}:{demo.client_secret}".encode()).decode()

    response = await client.post(
        "/oauth2/revoke",
        data={"token": issued.refresh_token},
        headers={"Authorization": f"Basic {basic}"},
    )

    assert response.status_code == 200
    assert (await refresh(client, issued.refresh_token, **credentials_of(demo))).status_code == 400


async def test_revocation_without_token_is_invalid_request(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post("/oauth2/revoke", data=credentials_of(demo))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_revocation_refuses_repeated_parameters(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    response = await client.post(
        "/oauth2/revoke",
        content=f"token={issued.refresh_token}&token=other&client_id={demo.client_id}"
        f"&client_secret={demo.client_secret}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 400
    assert (await refresh(client, issued.refresh_token, **credentials_of(demo))).status_code == 200

"""Race-free one-time values: a code or a refresh token presented twice at once is used once.

Consumption is one conditional UPDATE in the database, so it holds across requests on one node and
across nodes sharing the database (DESIGN.md §3). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from consentry.clock import FixedClock
from consentry.composition.app import create_app
from consentry.keys.keyring import KeyRing
from consentry.settings import Settings
from tests.conftest import CLIENT_REDIRECT_URI, ISSUER, Demo
from tests.integration.conftest import Issued
from tests.support.flow import exchange_code, obtain_code, refresh

ATTEMPTS = 4


@asynccontextmanager
async def second_node(settings: Settings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    """Another consentry node: its own app, engine and key cache, on the same database."""
    node: FastAPI = create_app(settings, clock=clock)
    await node.state.components.get(KeyRing).ready()
    transport = httpx.ASGITransport(app=node, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
            yield http
    finally:
        await node.state.database.close()


async def fresh_code(client: httpx.AsyncClient, demo: Demo) -> str:
    return await obtain_code(
        client,
        client_id=demo.client_id,
        redirect_uri=CLIENT_REDIRECT_URI,
        email=demo.customer_email,
        password=demo.customer_password,
        advertisers=[demo.advertiser("Maison Lumière")],
    )


def redeem(http: httpx.AsyncClient, demo: Demo, code: str) -> asyncio.Future[httpx.Response]:
    return asyncio.ensure_future(
        exchange_code(
            http,
            code,
            client_id=demo.client_id,
            client_secret=demo.client_secret,
            redirect_uri=CLIENT_REDIRECT_URI,
        )
    )


def use_refresh(
    http: httpx.AsyncClient, demo: Demo, refresh_token: str
) -> asyncio.Future[httpx.Response]:
    return asyncio.ensure_future(
        refresh(http, refresh_token, client_id=demo.client_id, client_secret=demo.client_secret)
    )


def assert_exactly_one_rotation(responses: list[httpx.Response]) -> str:
    """One refresh token rotated once: every success carries the same new pair.

    DESIGN.md §2: the same old token presented again within the reuse window (concurrent tabs,
    two nodes racing) gets the pair the winner received, not a new family; anything else that
    loses is invalid_grant. Returns the one new refresh token.
    """
    pairs: set[tuple[str, str]] = {
        (str(r.json()["access_token"]), str(r.json()["refresh_token"]))
        for r in responses
        if r.status_code == 200
    }
    assert len(pairs) == 1, [r.text for r in responses]
    for response in responses:
        if response.status_code != 200:
            assert response.status_code == 400, response.text
            assert response.json()["error"] == "invalid_grant"
    return pairs.pop()[1]


def assert_exactly_one_winner(responses: list[httpx.Response]) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * (len(responses) - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 400:
            assert response.json()["error"] == "invalid_grant"


async def test_concurrent_redemptions_of_one_code_on_one_node_succeed_once(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await fresh_code(client, demo)
    responses = await asyncio.gather(*(redeem(client, demo, code) for _ in range(ATTEMPTS)))
    assert_exactly_one_winner(list(responses))


async def test_concurrent_redemptions_of_one_code_on_two_nodes_succeed_once(
    client: httpx.AsyncClient, demo: Demo, settings: Settings, clock: FixedClock
) -> None:
    code = await fresh_code(client, demo)
    async with second_node(settings, clock) as other:
        responses = await asyncio.gather(
            *(redeem(http, demo, code) for http in [client, other] * (ATTEMPTS // 2))
        )
    assert_exactly_one_winner(list(responses))


async def test_concurrent_refreshes_of_one_token_on_one_node_rotate_it_once(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    responses = await asyncio.gather(
        *(use_refresh(client, demo, issued.refresh_token) for _ in range(ATTEMPTS))
    )
    rotated = assert_exactly_one_rotation(list(responses))
    assert (await use_refresh(client, demo, rotated)).status_code == 200


async def test_concurrent_refreshes_of_one_token_on_two_nodes_rotate_it_once(
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    settings: Settings,
    clock: FixedClock,
) -> None:
    async with second_node(settings, clock) as other:
        responses = await asyncio.gather(
            *(
                use_refresh(http, demo, issued.refresh_token)
                for http in [client, other] * (ATTEMPTS // 2)
            )
        )
        rotated = assert_exactly_one_rotation(list(responses))
        assert (await use_refresh(other, demo, rotated)).status_code == 200


async def test_second_node_verifies_tokens_signed_by_the_first(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, settings: Settings, clock: FixedClock
) -> None:
    async with second_node(settings, clock) as other:
        response = await other.get(
            "/2027-01/advertisers/me", headers={"Authorization": f"Bearer {issued.access_token}"}
        )
    assert response.status_code == 200, response.text

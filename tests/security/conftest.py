"""Fixtures for the security tests: a finished code flow, client-credentials apps with app-level
grants inserted as the portal's signed consent links record them, and a second node.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.composition.app import create_app
from consentry.composition.derived import hasher_from
from consentry.core.audit import AuditKind, StoredAuditEvent
from consentry.core.hashing import SecretHasher, new_identifier
from consentry.core.model import AuthMethod
from consentry.keys.keyring import KeyRing
from consentry.settings import Settings
from consentry.storage.sql import schema as t
from tests.conftest import CLIENT_REDIRECT_URI, ISSUER, Demo
from tests.support.flow import bearer, exchange_code, obtain_code
from tests.support.storage import sql_unit_of_work
from tests.support.world import ClientPair, add_app

API = "/2027-01"


@dataclass(frozen=True, slots=True)
class Issued:
    """What one completed authorization-code flow produced."""

    code: str
    access_token: str
    refresh_token: str
    advertisers: tuple[int, ...]


@pytest.fixture
def hasher(settings: Settings) -> SecretHasher:
    return hasher_from(settings)


async def code_flow(http: httpx.AsyncClient, demo: Demo, advertisers: list[int]) -> Issued:
    """Consent link → sign-in → approve → code → tokens, for the demo app."""
    code = await obtain_code(
        http,
        client_id=demo.client_id,
        redirect_uri=CLIENT_REDIRECT_URI,
        email=demo.customer_email,
        password=demo.customer_password,
        advertisers=advertisers,
    )
    response = await exchange_code(
        http,
        code,
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return Issued(code, body["access_token"], body["refresh_token"], tuple(sorted(advertisers)))


@pytest.fixture
async def issued(client: httpx.AsyncClient, demo: Demo) -> Issued:
    chosen = [demo.advertiser("Maison Lumière"), demo.advertiser("Pixel & Pine Toys")]
    return await code_flow(client, demo, chosen)


def credentials_of(demo: Demo) -> dict[str, str]:
    return {"client_id": demo.client_id, "client_secret": demo.client_secret}


async def granted_ids(http: httpx.AsyncClient, access_token: str) -> list[int] | int:
    """The advertiser ids `/advertisers/me` returns, or the HTTP status when it refuses."""
    response = await http.get(f"{API}/advertisers/me", headers=bearer(access_token))
    if response.status_code != 200:
        return response.status_code
    return [int(a["id"]) for a in response.json()["data"]]


async def add_app_grant(
    engine: AsyncEngine, *, app_id: int, user_id: int, advertisers: list[int], now: datetime
) -> str:
    """An app-level grant as a client-credentials consent link records it (credential_id NULL)."""
    grant_id = new_identifier()
    async with engine.begin() as conn:
        scopes = await conn.scalar(select(t.App.scopes).where(t.App.id == app_id))
        await conn.execute(
            insert(t.Grant).values(
                id=grant_id,
                user_id=user_id,
                credential_id=None,
                app_id=app_id,
                scopes=scopes,
                created_at=now,
            )
        )
        for advertiser_id in advertisers:
            await conn.execute(
                insert(t.GrantAdvertiser).values(grant_id=grant_id, advertiser_id=advertiser_id)
            )
    return grant_id


async def add_cc_app(
    engine: AsyncEngine, hasher: SecretHasher, now: datetime, name: str = "Acme Reporter"
) -> ClientPair:
    return await add_app(
        engine,
        hasher,
        now,
        redirect_uris=(),
        name=name,
        auth_method=AuthMethod.CLIENT_CREDENTIALS,
    )


async def client_credentials(http: httpx.AsyncClient, pair: ClientPair) -> httpx.Response:
    return await http.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": pair.client_id,
            "client_secret": pair.client_secret,
        },
    )


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


async def audit_events(
    engine: AsyncEngine, kind: AuditKind | None = None
) -> list[StoredAuditEvent]:
    async with sql_unit_of_work(engine) as uow:
        found = await uow.audit.page(limit=10_000)
    return [e for e in found if kind is None or e.event.kind is kind]

"""Partner-API test world: extra apps (Retail Media, client credentials) and app-level grants."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.core.hashing import SecretHasher, new_identifier
from consentry.core.model import AuthMethod
from consentry.core.scopes import MARKETING_SOLUTIONS, RETAIL_MEDIA, Level, Service, scopes_for
from consentry.demo.partner_data import PartnerSeed, seed_partner_data
from consentry.demo.seed import add_credential
from consentry.storage.sql import schema as t
from tests.support.world import ClientPair

RETAIL_LEVELS = {"Accounts": Level.READ, "Campaign": Level.MANAGE}
MARKETING_LEVELS = {
    "Analytics": Level.READ,
    "Audience": Level.MANAGE,
    "Campaign": Level.MANAGE,
    "Creative": Level.READ,
    "Reco": Level.READ,
}


async def seed_partner(
    engine: AsyncEngine, advertisers: Mapping[str, int], now: datetime
) -> PartnerSeed:
    async with engine.begin() as conn:
        return await seed_partner_data(conn, advertisers, now)


async def add_partner_app(
    engine: AsyncEngine,
    hasher: SecretHasher,
    now: datetime,
    *,
    service: Service,
    levels: Mapping[str, Level],
    auth_method: AuthMethod = AuthMethod.AUTHORIZATION_CODE,
    redirect_uris: tuple[str, ...] = (),
    name: str = "Partner Test App",
) -> ClientPair:
    """An activated app of `service` with the given domains, in its own organization."""
    scopes = scopes_for(service, dict(levels))
    async with engine.begin() as conn:
        org_id = await conn.scalar(
            insert(t.Organization)
            .values(name=f"{name} Inc.", created_at=now)
            .returning(t.Organization.id)
        )
        app_id = await conn.scalar(
            insert(t.App)
            .values(
                organization_id=org_id,
                name=name,
                description=f"{service.title} test app.",
                service=service.code,
                auth_method=auth_method.value,
                scopes=" ".join(scopes),
                pkce_required=False,
                activated=True,
                created_at=now,
                updated_at=now,
            )
            .returning(t.App.id)
        )
        assert app_id is not None
        for uri in redirect_uris:
            await conn.execute(insert(t.RedirectUri).values(app_id=app_id, uri=uri, created_at=now))
        client_id, client_secret = await add_credential(conn, hasher, app_id, now, "tests")
    return ClientPair(app_id, client_id, client_secret)


async def grant_app(
    engine: AsyncEngine,
    app_id: int,
    user_id: int,
    advertiser_ids: tuple[int, ...],
    scopes: tuple[str, ...],
    now: datetime,
) -> str:
    """An app-level grant, as a customer makes through a client-credentials consent link."""
    grant_id = new_identifier()[:32]
    async with engine.begin() as conn:
        await conn.execute(
            insert(t.Grant).values(
                id=grant_id,
                user_id=user_id,
                credential_id=None,
                app_id=app_id,
                scopes=" ".join(scopes),
                created_at=now,
            )
        )
        await conn.execute(
            insert(t.GrantAdvertiser),
            [{"grant_id": grant_id, "advertiser_id": a} for a in advertiser_ids],
        )
    return grant_id


def retail_scopes() -> tuple[str, ...]:
    return scopes_for(RETAIL_MEDIA, RETAIL_LEVELS)


def marketing_scopes() -> tuple[str, ...]:
    return scopes_for(MARKETING_SOLUTIONS, MARKETING_LEVELS)

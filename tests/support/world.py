"""Extra rows for integration tests: more apps and credential pairs, and direct SQL switches.

The seeded demo world (tests/conftest.py) has one activated authorization-code app; tests that need
another kind of app, a second credential pair or a flag the portal does not expose yet use these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.core.hashing import SecretHasher
from consentry.core.model import AuthMethod
from consentry.core.scopes import MARKETING_SOLUTIONS, Level, scopes_for
from consentry.demo.seed import add_credential
from consentry.storage.sql import schema as t


@dataclass(frozen=True, slots=True)
class ClientPair:
    """A client_id / client_secret pair with the raw secret, as the portal shows it once."""

    app_id: int
    client_id: str
    client_secret: str


async def add_app(
    engine: AsyncEngine,
    hasher: SecretHasher,
    now: datetime,
    *,
    redirect_uris: tuple[str, ...],
    name: str = "Other Partner App",
    activated: bool = True,
    auth_method: AuthMethod = AuthMethod.AUTHORIZATION_CODE,
) -> ClientPair:
    """A second partner app, in its own organization, with one credential pair."""
    scopes = scopes_for(MARKETING_SOLUTIONS, {"Analytics": Level.READ})
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
                description="Another partner's app.",
                service=MARKETING_SOLUTIONS.code,
                auth_method=auth_method.value,
                scopes=" ".join(scopes),
                pkce_required=False,
                activated=activated,
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


async def add_credential_pair(
    engine: AsyncEngine, hasher: SecretHasher, app_id: int, now: datetime
) -> ClientPair:
    """Another credential pair of an existing app (Criteo allows up to five)."""
    async with engine.begin() as conn:
        client_id, client_secret = await add_credential(conn, hasher, app_id, now, "second pair")
    return ClientPair(app_id, client_id, client_secret)


async def require_pkce(engine: AsyncEngine, app_id: int) -> None:
    """Turn on the app's PKCE switch, as the portal will."""
    async with engine.begin() as conn:
        await conn.execute(update(t.App).where(t.App.id == app_id).values(pkce_required=True))


async def revoke_all_grants(engine: AsyncEngine, when: datetime) -> int:
    """Revoke every grant, as the consent dashboard will; returns how many there were."""
    async with engine.begin() as conn:
        grant_ids = list(await conn.scalars(select(t.Grant.id)))
        await conn.execute(update(t.Grant).values(revoked_at=when))
    return len(grant_ids)

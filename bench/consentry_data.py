"""consentry's side of the benchmark data: a migrated, seeded database and pools minted through
consentry's own code, in this process, against the database the server under test uses.

- codes: `AuthorizationEndpoint.issue_code` (what the consent service calls on Approve), one grant
  per code, for the demo customer's grantable advertisers;
- refresh tokens (and the access tokens issued with them): `TokenIssuer.issue`, the step every
  grant handler of the token endpoint ends with, one grant per token.
The rows those calls add are collected and inserted in bulk (see `bench/consentry_bulk.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.consentry_bulk import Collected
from consentry.clock import Clock, SystemClock
from consentry.composition.app import create_app
from consentry.composition.derived import hasher_from, policy_from
from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.hashing import new_identifier
from consentry.core.model import (
    AuthMethod,
    Client,
    Grant,
    PendingAuthorization,
)
from consentry.core.ports.unit_of_work import UnitOfWorkFactory
from consentry.core.scopes import MARKETING_SOLUTIONS, Level, scopes_for
from consentry.core.tokens import TokenIssuer
from consentry.demo.seed import (
    ADVERTISERS,
    DEMO_REDIRECT_URI,
    add_credential,
    seed_demo,
)
from consentry.keys.keyring import KeyRing
from consentry.settings import Settings
from consentry.storage import migrate
from consentry.storage.sql import schema as tables
from consentry.storage.sql.engine import create_engine

BATCH = 2000  # values minted per transaction


@dataclass(frozen=True, slots=True)
class World:
    """What the load scripts need to know about the seeded database."""

    client_id: str
    client_secret: str
    redirect_uri: str
    cc_client_id: str
    cc_client_secret: str
    customer_id: int
    advertiser_ids: tuple[int, ...]


def settings_for(
    database_url: str, secret_key: str, issuer: str, code_ttl_seconds: int
) -> Settings:
    """The settings of the server under test, built without reading any `.env` file."""
    return Settings(
        _env_file=None,
        environment="development",
        database_url=database_url,
        secret_key=secret_key,
        issuer=issuer,
        authorization_code_ttl_seconds=code_ttl_seconds,
    )


def migrate_database(settings: Settings) -> None:
    migrate.upgrade(settings.database_url)


async def seed(settings: Settings) -> World:
    """The demo world (customer, portfolio, authorization-code app) and a client-credentials app."""
    engine = create_engine(settings.database_url)
    hasher = hasher_from(settings)
    now = SystemClock().now()
    try:
        async with engine.begin() as conn:
            demo = await seed_demo(
                conn,
                hasher,
                now,
                customer_password=new_identifier(),
                developer_password=new_identifier(),
            )
        cc_client_id, cc_client_secret = await _add_client_credentials_app(engine, settings, now)
    finally:
        await engine.dispose()
    grantable = {name for name, role in ADVERTISERS if role is not None and role.may_grant}
    return World(
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        redirect_uri=DEMO_REDIRECT_URI,
        cc_client_id=cc_client_id,
        cc_client_secret=cc_client_secret,
        customer_id=demo.customer_id,
        advertiser_ids=tuple(sorted(demo.advertiser_ids[name] for name in grantable)),
    )


async def _add_client_credentials_app(
    engine: AsyncEngine, settings: Settings, now: datetime
) -> tuple[str, str]:
    # App creation is not a public service yet; the tests insert such apps the same way.
    scopes = scopes_for(MARKETING_SOLUTIONS, {"Analytics": Level.READ, "Campaign": Level.READ})
    async with engine.begin() as conn:
        org_id = await conn.scalar(
            insert(tables.Organization)
            .values(name="Bench Reporting Inc.", created_at=now)
            .returning(tables.Organization.id)
        )
        app_id = await conn.scalar(
            insert(tables.App)
            .values(
                organization_id=org_id,
                name="Bench Reporting Robot",
                description="Reads campaign statistics every few minutes.",
                service=MARKETING_SOLUTIONS.code,
                auth_method=AuthMethod.CLIENT_CREDENTIALS.value,
                scopes=" ".join(scopes),
                pkce_required=False,
                activated=True,
                created_at=now,
                updated_at=now,
            )
            .returning(tables.App.id)
        )
        if app_id is None:
            raise RuntimeError("insert returned no id")
        return await add_credential(conn, hasher_from(settings), app_id, now, "bench")


class Minter:
    """Mints pools through consentry's services; use as `async with Minter(settings, world)`."""

    def __init__(self, settings: Settings, world: World) -> None:
        self._settings = settings
        self._world = world
        self._app: FastAPI = create_app(settings)
        components = self._app.state.components
        self._keyring: KeyRing = components.get(KeyRing)
        self._clock: Clock = components.get(Clock)
        self._units: UnitOfWorkFactory = components.get(UnitOfWorkFactory)
        self._authorization: AuthorizationEndpoint = components.get(AuthorizationEndpoint)
        self._engine: AsyncEngine = create_engine(settings.database_url)  # bulk inserts
        self._policy = policy_from(settings)
        self._issuer = TokenIssuer(
            issuer=settings.issuer,
            signer=self._keyring,
            hasher=hasher_from(settings),
            policy=self._policy,
            clock=self._clock,
        )

    async def __aenter__(self) -> Minter:
        await self._keyring.ready()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._app.state.database.close()
        await self._engine.dispose()

    async def _client(self) -> Client:
        async with self._units() as uow:
            client = await uow.clients.get_by_client_id(self._world.client_id)
        if client is None:
            raise RuntimeError("the seeded client is missing")
        return client

    def _grant(self, client: Client, now: datetime) -> Grant:
        return Grant(
            id=new_identifier(),
            user_id=self._world.customer_id,
            credential_id=client.credential.id,
            app_id=client.app.id,
            scopes=client.app.scopes,
            advertiser_ids=self._world.advertiser_ids,
            created_at=now,
        )

    async def codes(self, count: int) -> list[str]:
        """`count` authorization codes, each of its own grant, as an Approve issues them."""
        client = await self._client()
        codes: list[str] = []
        while len(codes) < count:
            collected = Collected()
            uow = collected.as_unit_of_work()
            for _ in range(min(BATCH, count - len(codes))):
                now = self._clock.now()
                pending = PendingAuthorization(
                    id_hash=b"",
                    credential_id=client.credential.id,
                    client_id=client.client_id,
                    redirect_uri=self._world.redirect_uri,
                    state=None,
                    code_challenge=None,
                    scopes=client.app.scopes,
                    created_at=now,
                    expires_at=now + self._policy.consent_ttl,
                )
                grant = self._grant(client, now)
                target = await self._authorization.issue_code(uow, pending, grant)
                codes.append(parse_qs(urlsplit(target.url).query)["code"][0])
            await collected.store(self._engine)
        return codes

    async def token_pairs(self, count: int) -> tuple[list[str], list[str]]:
        """`count` (refresh token, access token) pairs, each of its own grant."""
        client = await self._client()
        refresh: list[str] = []
        access: list[str] = []
        while len(refresh) < count:
            collected = Collected()
            uow = collected.as_unit_of_work()
            for _ in range(min(BATCH, count - len(refresh))):
                grant = self._grant(client, self._clock.now())
                await uow.grants.add(grant)
                issued = await self._issuer.issue(uow, client, grant, with_refresh_token=True)
                if issued.refresh_token is None:
                    raise RuntimeError("no refresh token issued")
                refresh.append(issued.refresh_token)
                access.append(issued.access_token)
            await collected.store(self._engine)
        return refresh, access

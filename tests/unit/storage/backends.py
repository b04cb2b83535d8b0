"""The two storage backends the contract suite runs against, behind one small seeding interface.

Both seed the same rows (an organization, users, advertisers, apps, credentials, redirect URIs):
the memory one through `InMemoryStore.add_*`, the SQL one by direct inserts, since those rows
belong to the portal and have no repository method of their own.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Protocol, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import Clock
from consentry.core.model import Advertiser, App, AuthMethod, Credential, Role, User
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.storage.memory import InMemoryStore
from consentry.storage.sql import schema as t
from consentry.storage.sql.app_grant_cache import AppGrantCache
from consentry.storage.sql.client_cache import ClientCache
from consentry.storage.sql.connection import Database
from consentry.storage.sql.unit_of_work import SqlUnitOfWork
from tests.support.memory_state import grant_last_used_at

IMAGE = (b"\x89PNG\r\n\x1a\nfake", "image/png")


class Backend(Protocol):
    name: str

    def uow(self, *, read_only: bool = False) -> UnitOfWork: ...
    async def organization(self, name: str, now: datetime) -> int: ...
    async def user(self, user: User, now: datetime) -> User: ...
    async def advertiser(self, name: str, now: datetime) -> Advertiser: ...
    async def portfolio_entry(self, user_id: int, advertiser_id: int, role: Role) -> None: ...
    async def app(self, app: App, now: datetime, image: tuple[bytes, str] | None) -> App: ...
    async def credential(self, credential: Credential) -> Credential: ...
    async def redirect_uri(self, app_id: int, uri: str, now: datetime) -> None: ...
    async def grant_last_used_at(self, grant_id: str) -> datetime | None: ...


class MemoryBackend:
    name = "memory"

    def __init__(self) -> None:
        self.store = InMemoryStore()
        self._ids = itertools.count(1)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return self.store.unit_of_work(read_only=read_only)

    async def organization(self, name: str, now: datetime) -> int:
        organization_id = next(self._ids)
        self.store.add_organization(organization_id, name)
        return organization_id

    async def user(self, user: User, now: datetime) -> User:
        stored = replace(user, id=next(self._ids))
        self.store.add_user(stored)
        return stored

    async def advertiser(self, name: str, now: datetime) -> Advertiser:
        advertiser = Advertiser(next(self._ids), name)
        self.store.add_advertiser(advertiser)
        return advertiser

    async def portfolio_entry(self, user_id: int, advertiser_id: int, role: Role) -> None:
        self.store.add_portfolio_entry(user_id, advertiser_id, role)

    async def app(self, app: App, now: datetime, image: tuple[bytes, str] | None) -> App:
        stored = replace(app, id=next(self._ids))
        self.store.add_app(stored, image=image)
        return stored

    async def credential(self, credential: Credential) -> Credential:
        stored = replace(credential, id=next(self._ids))
        self.store.add_credential(stored)
        return stored

    async def redirect_uri(self, app_id: int, uri: str, now: datetime) -> None:
        self.store.add_redirect_uri(app_id, uri)

    async def grant_last_used_at(self, grant_id: str) -> datetime | None:
        return grant_last_used_at(self.store, grant_id)


def _columns(row: User | Credential) -> dict[str, object]:
    """The row's values for an INSERT, the id left to the database."""
    values = asdict(row)
    del values["id"]
    return values


class SqlBackend:
    name = "sql"

    def __init__(self, engine: AsyncEngine, database: Database, clock: Clock) -> None:
        self.engine = engine  # seeds the rows that no repository writes
        self.database = database
        # The node's memories of recent reads, wired as `build_node` wires them.
        self.clients = ClientCache(clock)
        self.app_grants = AppGrantCache(clock)
        database.watch_writes(self.app_grants.written)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(
            self.database, read_only=read_only, clients=self.clients, app_grants=self.app_grants
        )

    async def _insert(self, table: type[t.Base], **values: object) -> int:
        async with self.engine.begin() as conn:
            statement = insert(table).values(**values)
            primary_key = cast(Table, table.__table__).primary_key.columns.values()[0]
            new_id = await conn.scalar(statement.returning(primary_key))
        assert isinstance(new_id, int)
        return new_id

    async def organization(self, name: str, now: datetime) -> int:
        return await self._insert(t.Organization, name=name, created_at=now)

    async def user(self, user: User, now: datetime) -> User:
        return replace(user, id=await self._insert(t.User, **_columns(user), created_at=now))

    async def advertiser(self, name: str, now: datetime) -> Advertiser:
        return Advertiser(await self._insert(t.Advertiser, name=name, created_at=now), name)

    async def portfolio_entry(self, user_id: int, advertiser_id: int, role: Role) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(t.PortfolioEntry).values(
                    user_id=user_id, advertiser_id=advertiser_id, role=role.value
                )
            )

    async def app(self, app: App, now: datetime, image: tuple[bytes, str] | None) -> App:
        new_id = await self._insert(
            t.App,
            organization_id=app.organization_id,
            name=app.name,
            description=app.description,
            service=app.service,
            auth_method=app.auth_method.value,
            scopes=" ".join(app.scopes),
            pkce_required=app.pkce_required,
            activated=app.activated,
            image=image[0] if image else None,
            image_type=image[1] if image else None,
            created_at=now,
            updated_at=now,
        )
        return replace(app, id=new_id)

    async def credential(self, credential: Credential) -> Credential:
        return replace(credential, id=await self._insert(t.Credential, **_columns(credential)))

    async def redirect_uri(self, app_id: int, uri: str, now: datetime) -> None:
        await self._insert(t.RedirectUri, app_id=app_id, uri=uri, created_at=now)

    async def grant_last_used_at(self, grant_id: str) -> datetime | None:
        async with self.engine.connect() as conn:
            found = await conn.scalar(select(t.Grant.last_used_at).where(t.Grant.id == grant_id))
        return found


@dataclass(frozen=True)
class Seeded:
    """The rows every contract test starts from."""

    organization_id: int
    organization_name: str
    customer: User
    developer: User
    advertisers: tuple[Advertiser, ...]  # "Zebra Shoes", "Alpha Foods", "Alpha Foods" (names tie)
    outsider: Advertiser  # not in the customer's portfolio
    app: App  # activated, authorization code, with an image and two redirect URIs
    credential: Credential
    other_credential: Credential  # a second pair of the same app
    bare_app: App  # no image, no redirect URI, client credentials
    bare_credential: Credential
    redirect_uris: frozenset[str]


async def seed(backend: Backend, now: datetime) -> Seeded:
    organization_name = "Acme Ad Tools"
    organization_id = await backend.organization(organization_name, now)
    customer = await backend.user(
        User(0, "customer@example.test", "Casey Customer", "hash-c", None), now
    )
    developer = await backend.user(
        User(0, "developer@example.test", "Dana Developer", "hash-d", organization_id), now
    )
    advertisers = tuple(
        [await backend.advertiser(n, now) for n in ("Zebra Shoes", "Alpha Foods", "Alpha Foods")]
    )
    outsider = await backend.advertiser("Competitor Corp", now)
    for advertiser, role in zip(
        advertisers, (Role.ADMIN, Role.VIEWER, Role.TECHNICAL_MANAGER), strict=True
    ):
        await backend.portfolio_entry(customer.id, advertiser.id, role)
    app = await backend.app(
        App(
            id=0,
            organization_id=organization_id,
            organization_name=organization_name,
            name="Acme Bid Optimizer",
            description="Adjusts bids.",
            service="C-Growth",
            auth_method=AuthMethod.AUTHORIZATION_CODE,
            scopes=("MarketingSolutions_Analytics_Read", "MarketingSolutions_Campaign_Manage"),
            pkce_required=True,
            activated=True,
            has_image=True,
        ),
        now,
        IMAGE,
    )
    redirect_uris = ("https://client.example/cb", "http://localhost:3000/cb")
    for uri in redirect_uris:
        await backend.redirect_uri(app.id, uri, now)
    credential = await backend.credential(
        Credential(0, app.id, "client-one", b"\x01" * 32, "first pair", now)
    )
    other_credential = await backend.credential(
        Credential(0, app.id, "client-two", b"\x02" * 32, "second pair", now)
    )
    bare_app = await backend.app(
        App(
            id=0,
            organization_id=organization_id,
            organization_name=organization_name,
            name="Nightly Report Fetcher",
            description="",
            service="C-Max",
            auth_method=AuthMethod.CLIENT_CREDENTIALS,
            scopes=(),
            pkce_required=False,
            activated=False,
        ),
        now,
        None,
    )
    bare_credential = await backend.credential(
        Credential(0, bare_app.id, "client-three", b"\x03" * 32, "", now)
    )
    return Seeded(
        organization_id=organization_id,
        organization_name=organization_name,
        customer=customer,
        developer=developer,
        advertisers=advertisers,
        outsider=outsider,
        app=app,
        credential=credential,
        other_credential=other_credential,
        bare_app=bare_app,
        bare_credential=bare_credential,
        redirect_uris=frozenset(redirect_uris),
    )

"""SQLAlchemy Core implementations of the repository protocols; one connection per unit of work."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from consentry.core import model
from consentry.storage.repositories import (
    AuditRepository,
    AuthorizationCodeRepository,
    ClientAuthFailureRepository,
    ClientRepository,
    ConsentRepository,
    GrantRepository,
    PendingAuthorizationRepository,
    RefreshTokenRepository,
    SigningKeyRepository,
    TokenStateRepository,
    UserRepository,
    WebSessionRepository,
)
from consentry.storage.sql import tables as t
from consentry.storage.sql.audit import SqlAuditRepository
from consentry.storage.sql.engine import READ_ONLY_OPTION
from consentry.storage.sql.inserts import insert_row
from consentry.storage.sql.one_time import SqlAuthorizationCodeRepository, SqlRefreshTokenRepository
from consentry.storage.sql.security import (
    SqlClientAuthFailureRepository,
    SqlConsentRepository,
    SqlTokenStateRepository,
)
from consentry.storage.sql.sessions import SqlSigningKeyRepository, SqlWebSessionRepository

apps = cast(Table, t.App.__table__)
credentials = cast(Table, t.Credential.__table__)
redirect_uris = cast(Table, t.RedirectUri.__table__)
organizations = cast(Table, t.Organization.__table__)
users = cast(Table, t.User.__table__)
advertisers = cast(Table, t.Advertiser.__table__)
portfolio = cast(Table, t.PortfolioEntry.__table__)
pending_authorizations = cast(Table, t.PendingAuthorization.__table__)
grants = cast(Table, t.Grant.__table__)
grant_advertisers = cast(Table, t.GrantAdvertiser.__table__)


def _scopes(value: str) -> tuple[str, ...]:
    return tuple(value.split())


class SqlClientRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get_by_client_id(self, client_id: str) -> model.Client | None:
        query = (
            select(
                credentials,
                apps.c.organization_id,
                apps.c.name.label("app_name"),
                apps.c.description,
                apps.c.service,
                apps.c.auth_method,
                apps.c.scopes,
                apps.c.pkce_required,
                apps.c.activated,
                (apps.c.image.is_not(None)).label("has_image"),
                organizations.c.name.label("organization_name"),
            )
            .join(apps, apps.c.id == credentials.c.app_id)
            .join(organizations, organizations.c.id == apps.c.organization_id)
            .where(credentials.c.client_id == client_id)
        )
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        uris = await self._conn.scalars(
            select(redirect_uris.c.uri).where(redirect_uris.c.app_id == row.app_id)
        )
        app = model.App(
            id=row.app_id,
            organization_id=row.organization_id,
            organization_name=row.organization_name,
            name=row.app_name,
            description=row.description,
            service=row.service,
            auth_method=model.AuthMethod(row.auth_method),
            scopes=_scopes(row.scopes),
            pkce_required=row.pkce_required,
            activated=row.activated,
            has_image=bool(row.has_image),
        )
        credential = model.Credential(
            id=row.id,
            app_id=row.app_id,
            client_id=row.client_id,
            secret_hash=bytes(row.secret_hash),
            label=row.label,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
        )
        return model.Client(credential=credential, app=app, redirect_uris=frozenset(uris))

    async def get_image(self, app_id: int) -> tuple[bytes, str] | None:
        row = (
            await self._conn.execute(
                select(apps.c.image, apps.c.image_type).where(apps.c.id == app_id)
            )
        ).first()
        if row is None or row.image is None or row.image_type is None:
            return None
        return bytes(row.image), row.image_type

    async def touch_credential(self, credential_id: int, when: datetime) -> None:
        await self._conn.execute(
            update(credentials).where(credentials.c.id == credential_id).values(last_used_at=when)
        )


class SqlUserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    @staticmethod
    def _user(row: Row[Any]) -> model.User:
        return model.User(
            id=row.id,
            email=row.email,
            display_name=row.display_name,
            password_hash=row.password_hash,
            organization_id=row.organization_id,
        )

    async def get(self, user_id: int) -> model.User | None:
        row = (await self._conn.execute(select(users).where(users.c.id == user_id))).first()
        return self._user(row) if row else None

    async def get_by_email(self, email: str) -> model.User | None:
        query = select(users).where(users.c.email == email.strip().lower())
        row = (await self._conn.execute(query)).first()
        return self._user(row) if row else None

    async def portfolio(self, user_id: int) -> list[model.PortfolioEntry]:
        query = (
            select(advertisers.c.id, advertisers.c.name, portfolio.c.role)
            .join(portfolio, portfolio.c.advertiser_id == advertisers.c.id)
            .where(portfolio.c.user_id == user_id)
            .order_by(advertisers.c.name, advertisers.c.id)
        )
        return [
            model.PortfolioEntry(model.Advertiser(row.id, row.name), model.Role(row.role))
            for row in await self._conn.execute(query)
        ]

    async def advertisers(self, advertiser_ids: tuple[int, ...]) -> list[model.Advertiser]:
        query = (
            select(advertisers.c.id, advertisers.c.name)
            .where(advertisers.c.id.in_(advertiser_ids))
            .order_by(advertisers.c.id)
        )
        return [model.Advertiser(row.id, row.name) for row in await self._conn.execute(query)]


class SqlPendingAuthorizationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    @staticmethod
    def _pending(row: Row[Any]) -> model.PendingAuthorization:
        return model.PendingAuthorization(
            id_hash=bytes(row.id_hash),
            credential_id=row.credential_id,
            client_id=row.client_id,
            redirect_uri=row.redirect_uri,
            state=row.state,
            code_challenge=row.code_challenge,
            scopes=_scopes(row.scopes),
            created_at=row.created_at,
            expires_at=row.expires_at,
        )

    def _select(self) -> Any:
        return select(pending_authorizations, credentials.c.client_id).join(
            credentials, credentials.c.id == pending_authorizations.c.credential_id
        )

    async def add(self, pending: model.PendingAuthorization) -> None:
        await insert_row(
            self._conn,
            insert(pending_authorizations).values(
                id_hash=pending.id_hash,
                credential_id=pending.credential_id,
                redirect_uri=pending.redirect_uri,
                state=pending.state,
                code_challenge=pending.code_challenge,
                scopes=" ".join(pending.scopes),
                created_at=pending.created_at,
                expires_at=pending.expires_at,
            ),
        )

    async def get(self, id_hash: bytes) -> model.PendingAuthorization | None:
        query = self._select().where(
            pending_authorizations.c.id_hash == id_hash,
            pending_authorizations.c.decided_at.is_(None),
        )
        row = (await self._conn.execute(query)).first()
        return self._pending(row) if row else None

    async def consume(self, id_hash: bytes, now: datetime) -> model.PendingAuthorization | None:
        result = await self._conn.execute(
            update(pending_authorizations)
            .where(
                pending_authorizations.c.id_hash == id_hash,
                pending_authorizations.c.decided_at.is_(None),
                pending_authorizations.c.expires_at > now,
            )
            .values(decided_at=now)
        )
        if result.rowcount != 1:
            return None
        row = (
            await self._conn.execute(
                self._select().where(pending_authorizations.c.id_hash == id_hash)
            )
        ).one()
        return self._pending(row)


class SqlGrantRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, grant: model.Grant) -> None:
        await insert_row(
            self._conn,
            insert(grants).values(
                id=grant.id,
                user_id=grant.user_id,
                credential_id=grant.credential_id,
                app_id=grant.app_id,
                scopes=" ".join(grant.scopes),
                created_at=grant.created_at,
                revoked_at=grant.revoked_at,
            ),
        )
        if grant.advertiser_ids:
            await self._conn.execute(
                insert(grant_advertisers),
                [{"grant_id": grant.id, "advertiser_id": a} for a in grant.advertiser_ids],
            )

    async def get(self, grant_id: str) -> model.Grant | None:
        row = (await self._conn.execute(select(grants).where(grants.c.id == grant_id))).first()
        if row is None:
            return None
        advertiser_ids = await self._conn.scalars(
            select(grant_advertisers.c.advertiser_id)
            .where(
                grant_advertisers.c.grant_id == grant_id,
                grant_advertisers.c.revoked_at.is_(None),
            )
            .order_by(grant_advertisers.c.advertiser_id)
        )
        return model.Grant(
            id=row.id,
            user_id=row.user_id,
            credential_id=row.credential_id,
            app_id=row.app_id,
            scopes=_scopes(row.scopes),
            advertiser_ids=tuple(advertiser_ids),
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )

    async def revoke(self, grant_id: str, when: datetime) -> None:
        await self._conn.execute(
            update(grants)
            .where(grants.c.id == grant_id, grants.c.revoked_at.is_(None))
            .values(revoked_at=when)
        )

    async def touch(self, grant_id: str, when: datetime) -> None:
        await self._conn.execute(
            update(grants).where(grants.c.id == grant_id).values(last_used_at=when)
        )

    async def app_level(self, app_id: int) -> list[model.Grant]:
        rows = list(
            await self._conn.execute(
                select(grants)
                .where(
                    grants.c.app_id == app_id,
                    grants.c.credential_id.is_(None),
                    grants.c.revoked_at.is_(None),
                )
                .order_by(grants.c.created_at, grants.c.id)
            )
        )
        granted: dict[str, list[int]] = {row.id: [] for row in rows}
        if rows:
            pairs = await self._conn.execute(
                select(grant_advertisers.c.grant_id, grant_advertisers.c.advertiser_id)
                .where(
                    grant_advertisers.c.grant_id.in_(list(granted)),
                    grant_advertisers.c.revoked_at.is_(None),
                )
                .order_by(grant_advertisers.c.advertiser_id)
            )
            for grant_id, advertiser_id in pairs:
                granted[grant_id].append(advertiser_id)
        return [
            model.Grant(
                id=row.id,
                user_id=row.user_id,
                credential_id=row.credential_id,
                app_id=row.app_id,
                scopes=_scopes(row.scopes),
                advertiser_ids=tuple(granted[row.id]),
                created_at=row.created_at,
                revoked_at=row.revoked_at,
            )
            for row in rows
        ]


class SqlUnitOfWork:
    """One connection and one transaction; commits on a clean exit, rolls back on an exception."""

    clients: ClientRepository
    users: UserRepository
    pending: PendingAuthorizationRepository
    grants: GrantRepository
    codes: AuthorizationCodeRepository
    refresh_tokens: RefreshTokenRepository
    signing_keys: SigningKeyRepository
    web_sessions: WebSessionRepository
    consents: ConsentRepository
    token_state: TokenStateRepository
    client_auth_failures: ClientAuthFailureRepository
    audit: AuditRepository

    def __init__(self, engine: AsyncEngine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._conn: AsyncConnection | None = None

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._conn

    async def __aenter__(self) -> Self:
        conn = await self._engine.connect()
        if self._read_only:
            await conn.execution_options(**{READ_ONLY_OPTION: True})
        await conn.begin()
        self._conn = conn
        self.clients = SqlClientRepository(conn)
        self.users = SqlUserRepository(conn)
        self.pending = SqlPendingAuthorizationRepository(conn)
        self.grants = SqlGrantRepository(conn)
        self.codes = SqlAuthorizationCodeRepository(conn)
        self.refresh_tokens = SqlRefreshTokenRepository(conn)
        self.signing_keys = SqlSigningKeyRepository(conn)
        self.web_sessions = SqlWebSessionRepository(conn)
        self.consents = SqlConsentRepository(conn)
        self.token_state = SqlTokenStateRepository(conn)
        self.client_auth_failures = SqlClientAuthFailureRepository(conn)
        self.audit = SqlAuditRepository(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self.connection
        try:
            if exc_type is None:
                await conn.commit()
            else:
                await conn.rollback()
        finally:
            await conn.close()
            self._conn = None

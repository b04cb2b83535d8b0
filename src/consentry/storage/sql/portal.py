"""SQLAlchemy Core repositories of the portal's apps, credential pairs and redirect URIs.

`SqlPortalUnitOfWork` is the SQL unit of work with the portal's repositories added.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.core import model
from consentry.storage.portal import (
    AccountRepository,
    ApiTokenRepository,
    AppChanges,
    AppRepository,
    ConsentLinkRepository,
    CredentialRepository,
    LoginFailureRepository,
    NewApp,
    RedirectUriRepository,
    StoredRedirectUri,
)
from consentry.storage.sql import tables as t
from consentry.storage.sql.accounts import (
    SqlAccountRepository,
    SqlApiTokenRepository,
    SqlConsentLinkRepository,
    SqlLoginFailureRepository,
)
from consentry.storage.sql.repositories import SqlUnitOfWork

apps = cast(Table, t.App.__table__)
organizations = cast(Table, t.Organization.__table__)
credentials = cast(Table, t.Credential.__table__)
redirect_uris = cast(Table, t.RedirectUri.__table__)
grants = cast(Table, t.Grant.__table__)
codes = cast(Table, t.AuthorizationCode.__table__)
refresh_tokens = cast(Table, t.RefreshToken.__table__)
pending = cast(Table, t.PendingAuthorization.__table__)


def _app(row: Row[Any]) -> model.App:
    return model.App(
        id=row.id,
        organization_id=row.organization_id,
        organization_name=row.organization_name,
        name=row.name,
        description=row.description,
        service=row.service,
        auth_method=model.AuthMethod(row.auth_method),
        scopes=tuple(row.scopes.split()),
        pkce_required=row.pkce_required,
        activated=row.activated,
        has_image=bool(row.has_image),
    )


def _credential(row: Row[Any]) -> model.Credential:
    return model.Credential(
        id=row.id,
        app_id=row.app_id,
        client_id=row.client_id,
        secret_hash=bytes(row.secret_hash),
        label=row.label,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )


class SqlAppRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    def _select(self) -> Any:
        columns = [c for c in apps.c if c.name not in {"image", "image_type"}]
        return select(
            *columns,
            apps.c.image.is_not(None).label("has_image"),
            organizations.c.name.label("organization_name"),
        ).join(organizations, organizations.c.id == apps.c.organization_id)

    async def add(self, app: NewApp, now: datetime) -> int:
        app_id = await self._conn.scalar(
            insert(apps)
            .values(
                organization_id=app.organization_id,
                name=app.name,
                description=app.description,
                service=app.service,
                auth_method=app.auth_method.value,
                scopes=" ".join(app.scopes),
                pkce_required=False,
                activated=False,
                created_at=now,
                updated_at=now,
            )
            .returning(apps.c.id)
        )
        return int(cast(int, app_id))

    async def list(self, organization_id: int) -> list[model.App]:
        query = self._select().where(apps.c.organization_id == organization_id)
        rows = await self._conn.execute(query.order_by(apps.c.name, apps.c.id))
        return [_app(row) for row in rows]

    async def get(self, app_id: int, organization_id: int) -> model.App | None:
        query = self._select().where(apps.c.id == app_id, apps.c.organization_id == organization_id)
        row = (await self._conn.execute(query)).first()
        return _app(row) if row else None

    async def get_published(self, app_id: int) -> model.App | None:
        query = self._select().where(apps.c.id == app_id, apps.c.activated.is_(True))
        row = (await self._conn.execute(query)).first()
        return _app(row) if row else None

    async def lock(self, app_id: int, organization_id: int) -> bool:
        # PostgreSQL: SELECT … FOR UPDATE serializes writers on this app until commit.
        # SQLite ignores FOR UPDATE; its BEGIN IMMEDIATE already serializes every writer.
        query = (
            select(apps.c.id)
            .where(apps.c.id == app_id, apps.c.organization_id == organization_id)
            .with_for_update()
        )
        return (await self._conn.scalar(query)) is not None

    async def update(self, app_id: int, changes: AppChanges, now: datetime) -> None:
        values: dict[str, object] = {"updated_at": now}
        for name in ("name", "description", "pkce_required", "activated"):
            value = getattr(changes, name)
            if value is not None:
                values[name] = value
        if changes.scopes is not None:
            values["scopes"] = " ".join(changes.scopes)
        await self._conn.execute(update(apps).where(apps.c.id == app_id).values(**values))

    async def set_image(self, app_id: int, image: tuple[bytes, str] | None, now: datetime) -> None:
        content, media_type = image if image else (None, None)
        await self._conn.execute(
            update(apps)
            .where(apps.c.id == app_id)
            .values(image=content, image_type=media_type, updated_at=now)
        )


class SqlCredentialRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self, app_id: int, client_id: str, secret_hash: bytes, label: str, now: datetime
    ) -> model.Credential:
        row = (
            await self._conn.execute(
                insert(credentials)
                .values(
                    app_id=app_id,
                    client_id=client_id,
                    secret_hash=secret_hash,
                    label=label,
                    created_at=now,
                )
                .returning(*credentials.c)
            )
        ).one()
        return _credential(row)

    async def list(self, app_id: int) -> list[model.Credential]:
        query = select(credentials).where(credentials.c.app_id == app_id)
        rows = await self._conn.execute(query.order_by(credentials.c.created_at, credentials.c.id))
        return [_credential(row) for row in rows]

    async def delete(self, app_id: int, client_id: str) -> bool:
        query = select(credentials.c.id).where(
            credentials.c.app_id == app_id, credentials.c.client_id == client_id
        )
        credential_id = await self._conn.scalar(query)
        if credential_id is None:
            return False
        # Everything issued under the pair ends with it. Deleted explicitly (not only through
        # ON DELETE CASCADE) so that the outcome does not depend on the backend's FK settings.
        # Access tokens die because the partner API refuses a token whose grant is gone.
        for table in (codes, refresh_tokens, pending):
            await self._conn.execute(delete(table).where(table.c.credential_id == credential_id))
        await self._conn.execute(delete(grants).where(grants.c.credential_id == credential_id))
        await self._conn.execute(delete(credentials).where(credentials.c.id == credential_id))
        return True


class SqlRedirectUriRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, app_id: int, uri: str, now: datetime) -> StoredRedirectUri | None:
        exists = select(redirect_uris.c.id).where(
            redirect_uris.c.app_id == app_id, redirect_uris.c.uri == uri
        )
        if await self._conn.scalar(exists) is not None:
            return None
        uri_id = await self._conn.scalar(
            insert(redirect_uris)
            .values(app_id=app_id, uri=uri, created_at=now)
            .returning(redirect_uris.c.id)
        )
        return StoredRedirectUri(int(cast(int, uri_id)), app_id, uri, now)

    async def list(self, app_id: int) -> list[StoredRedirectUri]:
        query = select(redirect_uris).where(redirect_uris.c.app_id == app_id)
        rows = await self._conn.execute(query.order_by(redirect_uris.c.id))
        return [StoredRedirectUri(row.id, row.app_id, row.uri, row.created_at) for row in rows]

    async def delete(self, app_id: int, uri_id: int) -> bool:
        result = await self._conn.execute(
            delete(redirect_uris).where(
                redirect_uris.c.app_id == app_id, redirect_uris.c.id == uri_id
            )
        )
        return bool(result.rowcount)


class SqlPortalUnitOfWork(SqlUnitOfWork):
    """The SQL unit of work with the portal's repositories on the same connection."""

    accounts: AccountRepository
    apps: AppRepository
    credentials: CredentialRepository
    redirect_uris: RedirectUriRepository
    api_tokens: ApiTokenRepository
    login_failures: LoginFailureRepository
    consent_links: ConsentLinkRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        conn = self.connection
        self.accounts = SqlAccountRepository(conn)
        self.apps = SqlAppRepository(conn)
        self.credentials = SqlCredentialRepository(conn)
        self.redirect_uris = SqlRedirectUriRepository(conn)
        self.api_tokens = SqlApiTokenRepository(conn)
        self.login_failures = SqlLoginFailureRepository(conn)
        self.consent_links = SqlConsentLinkRepository(conn)
        return self

"""SQL repositories of the portal's apps, credential pairs and redirect URIs, run as SQL text on
the driver (`driver.py`).

`SqlPortalUnitOfWork` is the SQL unit of work with the portal's repositories added.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from consentry.core import model
from consentry.core.ports.portal import (
    AccountRepository,
    ApiTokenRepository,
    AppChanges,
    AppRepository,
    ConsentLinkRepository,
    CredentialRepository,
    NewApp,
    RedirectUriRepository,
    StoredRedirectUri,
)
from consentry.core.ports.throttling import LoginFailureRepository
from consentry.storage.sql.accounts import (
    SqlAccountRepository,
    SqlApiTokenRepository,
    SqlConsentLinkRepository,
    SqlLoginFailureRepository,
)
from consentry.storage.sql.client_cache import ClientCache
from consentry.storage.sql.connection import (
    Connection,
    Row,
    read_time,
    sql,
)
from consentry.storage.sql.repositories.clients import credential_from_row
from consentry.storage.sql.unit_of_work import SqlUnitOfWork

_APP_SELECT = (
    "SELECT a.id, a.organization_id, a.name, a.description, a.service, a.auth_method,"
    " a.scopes, a.pkce_required, a.activated,"
    " a.image IS NOT NULL AS has_image, o.name AS organization_name"
    " FROM apps a JOIN organizations o ON o.id = a.organization_id"
)
_ADD_APP = sql(
    "INSERT INTO apps (organization_id, name, description, service, auth_method, scopes,"
    " pkce_required, activated, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, FALSE, FALSE, $7, $7) RETURNING id"
)
_LIST_APPS = sql(f"{_APP_SELECT} WHERE a.organization_id = $1 ORDER BY a.name, a.id")
_APP = sql(f"{_APP_SELECT} WHERE a.id = $1 AND a.organization_id = $2")
_PUBLISHED_APP = sql(f"{_APP_SELECT} WHERE a.id = $1 AND a.activated IS TRUE")
# FOR UPDATE serializes writers on this app until commit (PostgreSQL); on SQLite the statement
# counts as a write, so the transaction (BEGIN IMMEDIATE) is already the only writer.
_LOCK_APP = sql(
    "SELECT id FROM apps WHERE id = $1 AND organization_id = $2 FOR UPDATE",
    sqlite="SELECT id FROM apps WHERE id = $1 AND organization_id = $2",
)
_SET_IMAGE = sql("UPDATE apps SET image = $2, image_type = $3, updated_at = $4 WHERE id = $1")
# One statement for every `AppChanges`: a NULL parameter leaves its column as it is.
_UPDATE_APP = sql(
    "UPDATE apps SET updated_at = $2, name = COALESCE($3, name),"
    " description = COALESCE($4, description), pkce_required = COALESCE($5, pkce_required),"
    " activated = COALESCE($6, activated), scopes = COALESCE($7, scopes) WHERE id = $1"
)

_ADD_CREDENTIAL = sql(
    "INSERT INTO credentials (app_id, client_id, secret_hash, label, created_at)"
    " VALUES ($1, $2, $3, $4, $5)"
    " RETURNING id, app_id, client_id, secret_hash, label, created_at, last_used_at"
)
_LIST_CREDENTIALS = sql(
    "SELECT id, app_id, client_id, secret_hash, label, created_at, last_used_at"
    " FROM credentials WHERE app_id = $1 ORDER BY created_at, id"
)
_CREDENTIAL_ID = sql("SELECT id FROM credentials WHERE app_id = $1 AND client_id = $2")
# Everything issued under the pair ends with it, in this order (see `delete`).
_DELETE_ISSUED = (
    sql("DELETE FROM authorization_codes WHERE credential_id = $1"),
    sql("DELETE FROM refresh_tokens WHERE credential_id = $1"),
    sql("DELETE FROM pending_authorizations WHERE credential_id = $1"),
    sql("DELETE FROM grants WHERE credential_id = $1"),
)
_DELETE_CREDENTIAL = sql("DELETE FROM credentials WHERE id = $1")

_REDIRECT_URI_ID = sql("SELECT id FROM redirect_uris WHERE app_id = $1 AND uri = $2")
_ADD_REDIRECT_URI = sql(
    "INSERT INTO redirect_uris (app_id, uri, created_at) VALUES ($1, $2, $3) RETURNING id"
)
_LIST_REDIRECT_URIS = sql(
    "SELECT id, app_id, uri, created_at FROM redirect_uris WHERE app_id = $1 ORDER BY id"
)
_DELETE_REDIRECT_URI = sql("DELETE FROM redirect_uris WHERE app_id = $1 AND id = $2")


def _app(row: Row) -> model.App:
    return model.App(
        id=row["id"],
        organization_id=row["organization_id"],
        organization_name=row["organization_name"],
        name=row["name"],
        description=row["description"],
        service=row["service"],
        auth_method=model.AuthMethod(row["auth_method"]),
        scopes=tuple(row["scopes"].split()),
        pkce_required=bool(row["pkce_required"]),
        activated=bool(row["activated"]),
        has_image=bool(row["has_image"]),
    )


class SqlAppRepository:
    """Changes to an app make this node forget its pairs' cached lookups (`ClientCache`)."""

    def __init__(self, conn: Connection, clients: ClientCache | None = None) -> None:
        self._clients = clients
        self._conn = conn

    async def add(self, app: NewApp, now: datetime) -> int:
        app_id = await self._conn.fetchval(
            _ADD_APP,
            app.organization_id,
            app.name,
            app.description,
            app.service,
            app.auth_method.value,
            " ".join(app.scopes),
            now,
        )
        return int(app_id)

    async def list(self, organization_id: int) -> list[model.App]:
        return [_app(row) for row in await self._conn.fetch(_LIST_APPS, organization_id)]

    async def get(self, app_id: int, organization_id: int) -> model.App | None:
        row = await self._conn.fetchrow(_APP, app_id, organization_id)
        return _app(row) if row else None

    async def get_published(self, app_id: int) -> model.App | None:
        row = await self._conn.fetchrow(_PUBLISHED_APP, app_id)
        return _app(row) if row else None

    async def lock(self, app_id: int, organization_id: int) -> bool:
        return (await self._conn.fetchval(_LOCK_APP, app_id, organization_id)) is not None

    def _forget(self, app_id: int) -> None:
        if self._clients is not None:
            self._clients.forget_app(app_id)

    async def update(self, app_id: int, changes: AppChanges, now: datetime) -> None:
        self._forget(app_id)
        scopes = " ".join(changes.scopes) if changes.scopes is not None else None
        await self._conn.execute(
            _UPDATE_APP,
            app_id,
            now,
            changes.name,
            changes.description,
            changes.pkce_required,
            changes.activated,
            scopes,
        )

    async def set_image(self, app_id: int, image: tuple[bytes, str] | None, now: datetime) -> None:
        self._forget(app_id)
        content, media_type = image if image else (None, None)
        await self._conn.execute(_SET_IMAGE, app_id, content, media_type, now)


class SqlCredentialRepository:
    def __init__(self, conn: Connection, clients: ClientCache | None = None) -> None:
        self._clients = clients
        self._conn = conn

    async def add(
        self, app_id: int, client_id: str, secret_hash: bytes, label: str, now: datetime
    ) -> model.Credential:
        row = await self._conn.fetchrow(_ADD_CREDENTIAL, app_id, client_id, secret_hash, label, now)
        if row is None:
            raise RuntimeError("the credential INSERT returned no row")
        return credential_from_row(row)

    async def list(self, app_id: int) -> list[model.Credential]:
        return [
            credential_from_row(row) for row in await self._conn.fetch(_LIST_CREDENTIALS, app_id)
        ]

    async def delete(self, app_id: int, client_id: str) -> bool:
        if self._clients is not None:
            self._clients.forget_app(app_id)
        credential_id = await self._conn.fetchval(_CREDENTIAL_ID, app_id, client_id)
        if credential_id is None:
            return False
        # Everything issued under the pair ends with it: codes, refresh tokens, pending
        # authorizations, then its grants. Deleted explicitly (not only through ON DELETE
        # CASCADE) so that the outcome does not depend on the backend's FK settings. Access
        # tokens die because the partner API refuses a token whose grant is gone.
        for statement in _DELETE_ISSUED:
            await self._conn.execute(statement, credential_id)
        await self._conn.execute(_DELETE_CREDENTIAL, credential_id)
        return True


class SqlRedirectUriRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, app_id: int, uri: str, now: datetime) -> StoredRedirectUri | None:
        if await self._conn.fetchval(_REDIRECT_URI_ID, app_id, uri) is not None:
            return None
        uri_id = await self._conn.fetchval(_ADD_REDIRECT_URI, app_id, uri, now)
        return StoredRedirectUri(int(uri_id), app_id, uri, now)

    async def list(self, app_id: int) -> list[StoredRedirectUri]:
        return [
            StoredRedirectUri(row["id"], row["app_id"], row["uri"], read_time(row["created_at"]))
            for row in await self._conn.fetch(_LIST_REDIRECT_URIS, app_id)
        ]

    async def delete(self, app_id: int, uri_id: int) -> bool:
        return bool(await self._conn.execute(_DELETE_REDIRECT_URI, app_id, uri_id))


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
        self.apps = SqlAppRepository(conn, self._clients)
        self.credentials = SqlCredentialRepository(conn, self._clients)
        self.redirect_uris = SqlRedirectUriRepository(conn)
        self.api_tokens = SqlApiTokenRepository(conn)
        self.login_failures = SqlLoginFailureRepository(conn)
        self.consent_links = SqlConsentLinkRepository(conn)
        return self

"""The SQL repositories of the protocol core, and the unit of work: one connection per request.

Every statement is SQL text run by the driver (`driver.py`); each lookup is one query, joins
folded in Python (a client and its redirect URIs, a grant and its advertisers).
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Self

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
from consentry.storage.sql.audit import SqlAuditRepository
from consentry.storage.sql.client_cache import ClientCache
from consentry.storage.sql.driver import (
    Connection,
    Database,
    Lease,
    Row,
    read_optional_time,
    read_time,
    sql,
)
from consentry.storage.sql.grant_rows import grants_from_rows
from consentry.storage.sql.one_time import SqlAuthorizationCodeRepository, SqlRefreshTokenRepository
from consentry.storage.sql.security import (
    SqlClientAuthFailureRepository,
    SqlConsentRepository,
    SqlTokenStateRepository,
)
from consentry.storage.sql.sessions import SqlSigningKeyRepository, SqlWebSessionRepository

_CLIENT_COLUMNS = (
    "c.id, c.app_id, c.client_id, c.secret_hash, c.label, c.created_at, c.last_used_at,"
    " a.organization_id, a.name AS app_name, a.description, a.service, a.auth_method, a.scopes,"
    " a.pkce_required, a.activated, a.image IS NOT NULL AS has_image,"
    " o.name AS organization_name"
)
_CLIENT_JOINS = (
    "FROM credentials c JOIN apps a ON a.id = c.app_id"
    " JOIN organizations o ON o.id = a.organization_id"
)
_CLIENT = sql(
    f"SELECT {_CLIENT_COLUMNS}, r.uri {_CLIENT_JOINS}"
    " LEFT JOIN redirect_uris r ON r.app_id = c.app_id WHERE c.client_id = $1"
)
_CLIENT_ONLY = sql(f"SELECT {_CLIENT_COLUMNS} {_CLIENT_JOINS} WHERE c.client_id = $1")
_IMAGE = sql("SELECT image, image_type FROM apps WHERE id = $1")
_TOUCH_CREDENTIAL = sql("UPDATE credentials SET last_used_at = $2 WHERE id = $1")

_USER_COLUMNS = "id, email, display_name, password_hash, organization_id"
_USER = sql(f"SELECT {_USER_COLUMNS} FROM users WHERE id = $1")
_USER_BY_EMAIL = sql(f"SELECT {_USER_COLUMNS} FROM users WHERE email = $1")
_PORTFOLIO = sql(
    "SELECT a.id, a.name, p.role FROM advertisers a"
    " JOIN portfolio_entries p ON p.advertiser_id = a.id"
    " WHERE p.user_id = $1 ORDER BY a.name, a.id"
)
_ADVERTISERS = sql("SELECT id, name FROM advertisers WHERE id = ANY($1) ORDER BY id")

_PENDING_SELECT = (
    "SELECT p.id_hash, p.credential_id, c.client_id, p.redirect_uri, p.state,"
    " p.code_challenge, p.scopes, p.created_at, p.expires_at"
    " FROM pending_authorizations p JOIN credentials c ON c.id = p.credential_id"
)
_ADD_PENDING = sql(
    "INSERT INTO pending_authorizations (id_hash, credential_id, redirect_uri, state,"
    " code_challenge, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)
_OPEN_PENDING = sql(f"{_PENDING_SELECT} WHERE p.id_hash = $1 AND p.decided_at IS NULL")
_ANY_PENDING = sql(f"{_PENDING_SELECT} WHERE p.id_hash = $1")
_DECIDE_PENDING = sql(
    "UPDATE pending_authorizations SET decided_at = $2"
    " WHERE id_hash = $1 AND decided_at IS NULL AND expires_at > $2"
)

_ADD_GRANT = sql(
    "INSERT INTO grants (id, user_id, credential_id, app_id, scopes, created_at, revoked_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
)
_ADD_GRANT_ADVERTISER = sql(
    "INSERT INTO grant_advertisers (grant_id, advertiser_id) VALUES ($1, $2)"
)
_GRANT_COLUMNS = (
    "g.id, g.user_id, g.credential_id, g.app_id, g.scopes, g.created_at, g.revoked_at,"
    " ga.advertiser_id"
)
_GRANT_ADVERTISERS_JOIN = (
    "LEFT JOIN grant_advertisers ga ON ga.grant_id = g.id AND ga.revoked_at IS NULL"
)
_GRANT = sql(
    f"SELECT {_GRANT_COLUMNS} FROM grants g {_GRANT_ADVERTISERS_JOIN}"
    " WHERE g.id = $1 ORDER BY ga.advertiser_id"
)
_APP_LEVEL_GRANTS = sql(
    f"SELECT {_GRANT_COLUMNS} FROM grants g {_GRANT_ADVERTISERS_JOIN}"
    " WHERE g.app_id = $1 AND g.credential_id IS NULL AND g.revoked_at IS NULL"
    " ORDER BY g.created_at, g.id, ga.advertiser_id"
)
_REVOKE_GRANT = sql("UPDATE grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
_TOUCH_GRANT = sql("UPDATE grants SET last_used_at = $2 WHERE id = $1")


def _scopes(value: str) -> tuple[str, ...]:
    return tuple(value.split())


def credential_from_row(row: Row) -> model.Credential:
    return model.Credential(
        id=row["id"],
        app_id=row["app_id"],
        client_id=row["client_id"],
        secret_hash=bytes(row["secret_hash"]),
        label=row["label"],
        created_at=read_time(row["created_at"]),
        last_used_at=read_optional_time(row["last_used_at"]),
    )


class SqlClientRepository:
    def __init__(self, conn: Connection, cache: ClientCache | None = None) -> None:
        self._conn = conn
        self._cache = cache

    async def get_by_client_id(
        self, client_id: str, *, with_redirect_uris: bool = True
    ) -> model.Client | None:
        if with_redirect_uris or self._cache is None:
            return await self._read(client_id, with_redirect_uris=with_redirect_uris)
        # The token endpoint's lookup: a pair read less than a second ago (client_cache.py).
        client = self._cache.get(client_id)
        if client is None:
            client = await self._read(client_id, with_redirect_uris=False)
            if client is not None:
                self._cache.put(client)
        return client

    async def _read(self, client_id: str, *, with_redirect_uris: bool) -> model.Client | None:
        rows = await self._conn.fetch(_CLIENT if with_redirect_uris else _CLIENT_ONLY, client_id)
        if not rows:
            return None
        row = rows[0]
        app = model.App(
            id=row["app_id"],
            organization_id=row["organization_id"],
            organization_name=row["organization_name"],
            name=row["app_name"],
            description=row["description"],
            service=row["service"],
            auth_method=model.AuthMethod(row["auth_method"]),
            scopes=_scopes(row["scopes"]),
            pkce_required=bool(row["pkce_required"]),
            activated=bool(row["activated"]),
            has_image=bool(row["has_image"]),
        )
        credential = credential_from_row(row)
        uris = (
            frozenset(r["uri"] for r in rows if r["uri"] is not None)
            if with_redirect_uris
            else frozenset()
        )
        return model.Client(credential=credential, app=app, redirect_uris=uris)

    async def get_image(self, app_id: int) -> tuple[bytes, str] | None:
        row = await self._conn.fetchrow(_IMAGE, app_id)
        if row is None or row["image"] is None or row["image_type"] is None:
            return None
        return bytes(row["image"]), row["image_type"]

    async def touch_credential(self, credential_id: int, when: datetime) -> None:
        await self._conn.execute(_TOUCH_CREDENTIAL, credential_id, when)


def _user(row: Row) -> model.User:
    return model.User(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        password_hash=row["password_hash"],
        organization_id=row["organization_id"],
    )


class SqlUserRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def get(self, user_id: int) -> model.User | None:
        row = await self._conn.fetchrow(_USER, user_id)
        return _user(row) if row else None

    async def get_by_email(self, email: str) -> model.User | None:
        row = await self._conn.fetchrow(_USER_BY_EMAIL, email.strip().lower())
        return _user(row) if row else None

    async def portfolio(self, user_id: int) -> list[model.PortfolioEntry]:
        return [
            model.PortfolioEntry(model.Advertiser(row["id"], row["name"]), model.Role(row["role"]))
            for row in await self._conn.fetch(_PORTFOLIO, user_id)
        ]

    async def advertisers(self, advertiser_ids: tuple[int, ...]) -> list[model.Advertiser]:
        if not advertiser_ids:
            return []
        rows = await self._conn.fetch(_ADVERTISERS, list(advertiser_ids))
        return [model.Advertiser(row["id"], row["name"]) for row in rows]


def _pending(row: Row) -> model.PendingAuthorization:
    return model.PendingAuthorization(
        id_hash=bytes(row["id_hash"]),
        credential_id=row["credential_id"],
        client_id=row["client_id"],
        redirect_uri=row["redirect_uri"],
        state=row["state"],
        code_challenge=row["code_challenge"],
        scopes=_scopes(row["scopes"]),
        created_at=read_time(row["created_at"]),
        expires_at=read_time(row["expires_at"]),
    )


class SqlPendingAuthorizationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, pending: model.PendingAuthorization) -> None:
        await self._conn.execute(
            _ADD_PENDING,
            pending.id_hash,
            pending.credential_id,
            pending.redirect_uri,
            pending.state,
            pending.code_challenge,
            " ".join(pending.scopes),
            pending.created_at,
            pending.expires_at,
        )

    async def get(self, id_hash: bytes) -> model.PendingAuthorization | None:
        row = await self._conn.fetchrow(_OPEN_PENDING, id_hash)
        return _pending(row) if row else None

    async def consume(self, id_hash: bytes, now: datetime) -> model.PendingAuthorization | None:
        if await self._conn.execute(_DECIDE_PENDING, id_hash, now) != 1:
            return None
        row = await self._conn.fetchrow(_ANY_PENDING, id_hash)
        return _pending(row) if row else None


class SqlGrantRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, grant: model.Grant) -> None:
        await self._conn.execute(
            _ADD_GRANT,
            grant.id,
            grant.user_id,
            grant.credential_id,
            grant.app_id,
            " ".join(grant.scopes),
            grant.created_at,
            grant.revoked_at,
        )
        await self._conn.executemany(
            _ADD_GRANT_ADVERTISER, [(grant.id, a) for a in grant.advertiser_ids]
        )

    async def get(self, grant_id: str) -> model.Grant | None:
        found = grants_from_rows(await self._conn.fetch(_GRANT, grant_id))
        return found[0] if found else None

    async def revoke(self, grant_id: str, when: datetime) -> None:
        await self._conn.execute(_REVOKE_GRANT, grant_id, when)

    async def touch(self, grant_id: str, when: datetime) -> None:
        await self._conn.execute(_TOUCH_GRANT, grant_id, when)

    async def app_level(self, app_id: int) -> list[model.Grant]:
        return grants_from_rows(await self._conn.fetch(_APP_LEVEL_GRANTS, app_id))


class SqlUnitOfWork:
    """One connection and (from its first write) one transaction; commits on a clean exit.

    `read_only` refuses writes; `autocommit` commits every statement on its own (no BEGIN,
    no COMMIT: for independent single-statement writes); `relaxed` takes a connection whose
    commits do not wait for the disk (see the drivers), for counters that may lose a few counts
    in a crash; `standalone_writes` lets a write that is atomic by itself and is the unit of
    work's last write commit on its own (`driver.Sql.standalone`; the token endpoint).
    `clients`: the node's `ClientCache` for the token endpoint's client lookups.
    """

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

    def __init__(
        self,
        database: Database,
        *,
        read_only: bool = False,
        autocommit: bool = False,
        relaxed: bool = False,
        standalone_writes: bool = False,
        clients: ClientCache | None = None,
    ) -> None:
        self._database = database
        self._clients = clients
        self._read_only = read_only
        self._autocommit = autocommit
        self._relaxed = relaxed
        self._standalone_writes = standalone_writes
        self._lease: Lease | None = None

    @property
    def connection(self) -> Connection:
        if self._lease is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._lease.connection

    async def __aenter__(self) -> Self:
        self._lease = await self._database.acquire(
            read_only=self._read_only,
            autocommit=self._autocommit,
            relaxed=self._relaxed,
            standalone_writes=self._standalone_writes,
        )
        conn = self._lease.connection
        self.clients = SqlClientRepository(conn, self._clients)
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
        lease = self._lease
        if lease is None:
            raise RuntimeError("unit of work used outside `async with`")
        self._lease = None
        try:
            if exc_type is None:
                await lease.connection.commit()
            else:
                await lease.connection.rollback()
        finally:
            await lease.release()

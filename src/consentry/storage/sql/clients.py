"""SQL repositories of credential pairs and users: who is calling, and whose advertisers.

The client lookup joins the pair, its app, its organization and (unless the token endpoint asks)
its redirect URIs in one query; the token endpoint's lookups go through the node's
`ClientCache`.
"""

from __future__ import annotations

from datetime import datetime

from consentry.core import model
from consentry.storage.sql.client_cache import ClientCache
from consentry.storage.sql.connection import Connection, Row, read_optional_time, read_time, sql

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

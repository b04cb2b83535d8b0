"""The SQL repository of clients: a credential pair with its app, organization and redirect URIs.

The client lookup joins the pair, its app, its organization and (unless the token endpoint asks)
its redirect URIs in one query; the token endpoint's lookups go through the node's
`ClientCache`. `credential_from_row` reads a pair for the portal's repositories as well.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from consentry.core import model
from consentry.storage.sql import schema
from consentry.storage.sql.client_cache import ClientCache
from consentry.storage.sql.connection import Connection, Row, read_optional_time, read_time
from consentry.storage.sql.statements import Statement, parameter

credentials = schema.table(schema.Credential)
apps = schema.table(schema.App)
organizations = schema.table(schema.Organization)
redirect_uris = schema.table(schema.RedirectUri)

_CLIENT_COLUMNS = (
    credentials.c.id,
    credentials.c.app_id,
    credentials.c.client_id,
    credentials.c.secret_hash,
    credentials.c.label,
    credentials.c.created_at,
    credentials.c.last_used_at,
    apps.c.organization_id,
    apps.c.name.label("app_name"),
    apps.c.description,
    apps.c.service,
    apps.c.auth_method,
    apps.c.scopes,
    apps.c.pkce_required,
    apps.c.activated,
    apps.c.image.is_not(None).label("has_image"),
    organizations.c.name.label("organization_name"),
)
_CLIENT_JOINS = credentials.join(apps, apps.c.id == credentials.c.app_id).join(
    organizations, organizations.c.id == apps.c.organization_id
)
_BY_CLIENT_ID = credentials.c.client_id == parameter("client_id", credentials.c.client_id)
# The pair with its redirect URIs: one row per URI (one row with a NULL uri when it has none).
_CLIENT = Statement(
    select(*_CLIENT_COLUMNS, redirect_uris.c.uri)
    .select_from(
        _CLIENT_JOINS.outerjoin(redirect_uris, redirect_uris.c.app_id == credentials.c.app_id)
    )
    .where(_BY_CLIENT_ID)
)
_CLIENT_ONLY = Statement(select(*_CLIENT_COLUMNS).select_from(_CLIENT_JOINS).where(_BY_CLIENT_ID))
_IMAGE = Statement(
    select(apps.c.image, apps.c.image_type).where(apps.c.id == parameter("app_id", apps.c.id))
)
_TOUCH_CREDENTIAL = Statement(
    update(credentials)
    .where(credentials.c.id == parameter("credential_id", credentials.c.id))
    .values(last_used_at=parameter("when", credentials.c.last_used_at))
)


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
                self._cache.remember(client)
        return client

    async def _read(self, client_id: str, *, with_redirect_uris: bool) -> model.Client | None:
        statement = _CLIENT if with_redirect_uris else _CLIENT_ONLY
        rows = await self._conn.fetch(statement, client_id=client_id)
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
        row = await self._conn.fetchrow(_IMAGE, app_id=app_id)
        if row is None or row["image"] is None or row["image_type"] is None:
            return None
        return bytes(row["image"]), row["image_type"]

    async def touch_credential(self, credential_id: int, when: datetime) -> None:
        await self._conn.execute(_TOUCH_CREDENTIAL, credential_id=credential_id, when=when)

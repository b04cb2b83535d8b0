"""The SQL repository of an app's registered redirect URIs (at most one row per app and URI)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select

from consentry.core.ports.portal import StoredRedirectUri
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, read_time
from consentry.storage.sql.statements import Statement, parameter

redirect_uris = schema.table(schema.RedirectUri)

_OF_APP = redirect_uris.c.app_id == parameter("app_id", redirect_uris.c.app_id)
_FIND = Statement(
    select(redirect_uris.c.id).where(
        _OF_APP, redirect_uris.c.uri == parameter("uri", redirect_uris.c.uri)
    )
)
_ADD = Statement(
    insert(redirect_uris)
    .values(
        app_id=parameter("app_id", redirect_uris.c.app_id),
        uri=parameter("uri", redirect_uris.c.uri),
        created_at=parameter("created_at", redirect_uris.c.created_at),
    )
    .returning(redirect_uris.c.id)
)
_LIST = Statement(
    select(
        redirect_uris.c.id, redirect_uris.c.app_id, redirect_uris.c.uri, redirect_uris.c.created_at
    )
    .where(_OF_APP)
    .order_by(redirect_uris.c.id)
)
_DELETE = Statement(
    delete(redirect_uris).where(
        _OF_APP, redirect_uris.c.id == parameter("uri_id", redirect_uris.c.id)
    )
)


class SqlRedirectUriRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, app_id: int, uri: str, now: datetime) -> StoredRedirectUri | None:
        if await self._conn.fetchval(_FIND, app_id=app_id, uri=uri) is not None:
            return None
        uri_id = await self._conn.fetchval(_ADD, app_id=app_id, uri=uri, created_at=now)
        return StoredRedirectUri(int(uri_id), app_id, uri, now)

    async def list(self, app_id: int) -> list[StoredRedirectUri]:
        return [
            StoredRedirectUri(row["id"], row["app_id"], row["uri"], read_time(row["created_at"]))
            for row in await self._conn.fetch(_LIST, app_id=app_id)
        ]

    async def delete(self, app_id: int, uri_id: int) -> bool:
        return bool(await self._conn.execute(_DELETE, app_id=app_id, uri_id=uri_id))

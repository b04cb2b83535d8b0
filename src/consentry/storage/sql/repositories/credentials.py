"""The SQL repository of an app's credential pairs (client_id / client_secret).

Deleting a pair ends everything issued under it first (codes, refresh tokens, pending
authorizations, then its grants), and makes this node forget the app's cached lookups
(`ClientCache`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select

from consentry.core import model
from consentry.storage.sql import schema
from consentry.storage.sql.client_cache import ClientCache
from consentry.storage.sql.connection import Connection
from consentry.storage.sql.repositories.clients import credential_from_row
from consentry.storage.sql.statements import Statement, parameter

credentials = schema.table(schema.Credential)
_ISSUED_UNDER_A_PAIR = (
    schema.table(schema.AuthorizationCode),
    schema.table(schema.RefreshToken),
    schema.table(schema.PendingAuthorization),
    schema.table(schema.Grant),
)

_CREDENTIAL_COLUMNS = (
    credentials.c.id,
    credentials.c.app_id,
    credentials.c.client_id,
    credentials.c.secret_hash,
    credentials.c.label,
    credentials.c.created_at,
    credentials.c.last_used_at,
)
_OF_APP = credentials.c.app_id == parameter("app_id", credentials.c.app_id)

_ADD = Statement(
    insert(credentials)
    .values(
        app_id=parameter("app_id", credentials.c.app_id),
        client_id=parameter("client_id", credentials.c.client_id),
        secret_hash=parameter("secret_hash", credentials.c.secret_hash),
        label=parameter("label", credentials.c.label),
        created_at=parameter("created_at", credentials.c.created_at),
    )
    .returning(*_CREDENTIAL_COLUMNS)
)
_LIST = Statement(
    select(*_CREDENTIAL_COLUMNS).where(_OF_APP).order_by(credentials.c.created_at, credentials.c.id)
)
_CREDENTIAL_ID = Statement(
    select(credentials.c.id).where(
        _OF_APP, credentials.c.client_id == parameter("client_id", credentials.c.client_id)
    )
)
# Everything issued under the pair ends with it, in this order (see `delete`).
_DELETE_ISSUED = tuple(
    Statement(
        delete(issued).where(
            issued.c.credential_id == parameter("credential_id", issued.c.credential_id)
        )
    )
    for issued in _ISSUED_UNDER_A_PAIR
)
_DELETE = Statement(
    delete(credentials).where(credentials.c.id == parameter("credential_id", credentials.c.id))
)


class SqlCredentialRepository:
    def __init__(self, conn: Connection, clients: ClientCache | None = None) -> None:
        self._clients = clients
        self._conn = conn

    async def add(
        self, app_id: int, client_id: str, secret_hash: bytes, label: str, now: datetime
    ) -> model.Credential:
        row = await self._conn.fetchrow(
            _ADD,
            app_id=app_id,
            client_id=client_id,
            secret_hash=secret_hash,
            label=label,
            created_at=now,
        )
        if row is None:
            raise RuntimeError("the credential INSERT returned no row")
        return credential_from_row(row)

    async def list(self, app_id: int) -> list[model.Credential]:
        return [credential_from_row(row) for row in await self._conn.fetch(_LIST, app_id=app_id)]

    async def delete(self, app_id: int, client_id: str) -> bool:
        if self._clients is not None:
            self._clients.forget_app(app_id)
        credential_id = await self._conn.fetchval(
            _CREDENTIAL_ID, app_id=app_id, client_id=client_id
        )
        if credential_id is None:
            return False
        # Everything issued under the pair ends with it: codes, refresh tokens, pending
        # authorizations, then its grants. Deleted explicitly (not only through ON DELETE
        # CASCADE) so that the outcome does not depend on the backend's FK settings. Access
        # tokens die because the partner API refuses a token whose grant is gone.
        for statement in _DELETE_ISSUED:
            await self._conn.execute(statement, credential_id=credential_id)
        await self._conn.execute(_DELETE, credential_id=credential_id)
        return True

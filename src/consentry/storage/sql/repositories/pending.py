"""The SQL repository of pending authorizations: consents asked for and not decided yet.

A pending authorization is read with its pair's client_id (one join). Deciding it is one
conditional UPDATE (`decided_at IS NULL`, not expired), so two racing decisions cannot both
consume it; the row is then read back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from consentry.core import model
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, Row, read_time
from consentry.storage.sql.statements import Statement, parameter

pending_authorizations = schema.table(schema.PendingAuthorization)
credentials = schema.table(schema.Credential)

_ADD = Statement(
    insert(pending_authorizations).values(
        id_hash=parameter("id_hash", pending_authorizations.c.id_hash),
        credential_id=parameter("credential_id", pending_authorizations.c.credential_id),
        redirect_uri=parameter("redirect_uri", pending_authorizations.c.redirect_uri),
        state=parameter("state", pending_authorizations.c.state),
        code_challenge=parameter("code_challenge", pending_authorizations.c.code_challenge),
        scopes=parameter("scopes", pending_authorizations.c.scopes),
        created_at=parameter("created_at", pending_authorizations.c.created_at),
        expires_at=parameter("expires_at", pending_authorizations.c.expires_at),
    )
)
_BY_ID_HASH = pending_authorizations.c.id_hash == parameter(
    "id_hash", pending_authorizations.c.id_hash
)
_WITH_CLIENT_ID = select(
    pending_authorizations.c.id_hash,
    pending_authorizations.c.credential_id,
    credentials.c.client_id,
    pending_authorizations.c.redirect_uri,
    pending_authorizations.c.state,
    pending_authorizations.c.code_challenge,
    pending_authorizations.c.scopes,
    pending_authorizations.c.created_at,
    pending_authorizations.c.expires_at,
).select_from(
    pending_authorizations.join(
        credentials, credentials.c.id == pending_authorizations.c.credential_id
    )
)
_OPEN = Statement(_WITH_CLIENT_ID.where(_BY_ID_HASH, pending_authorizations.c.decided_at.is_(None)))
_ANY = Statement(_WITH_CLIENT_ID.where(_BY_ID_HASH))
# Of two racing decisions only one matches `decided_at IS NULL`.
_DECIDE = Statement(
    update(pending_authorizations)
    .where(
        _BY_ID_HASH,
        pending_authorizations.c.decided_at.is_(None),
        pending_authorizations.c.expires_at > parameter("now", pending_authorizations.c.expires_at),
    )
    .values(decided_at=parameter("now", pending_authorizations.c.decided_at))
)


def _scopes(value: str) -> tuple[str, ...]:
    return tuple(value.split())


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
            _ADD,
            id_hash=pending.id_hash,
            credential_id=pending.credential_id,
            redirect_uri=pending.redirect_uri,
            state=pending.state,
            code_challenge=pending.code_challenge,
            scopes=" ".join(pending.scopes),
            created_at=pending.created_at,
            expires_at=pending.expires_at,
        )

    async def get(self, id_hash: bytes) -> model.PendingAuthorization | None:
        row = await self._conn.fetchrow(_OPEN, id_hash=id_hash)
        return _pending(row) if row else None

    async def consume(self, id_hash: bytes, now: datetime) -> model.PendingAuthorization | None:
        if await self._conn.execute(_DECIDE, id_hash=id_hash, now=now) != 1:
            return None
        row = await self._conn.fetchrow(_ANY, id_hash=id_hash)
        return _pending(row) if row else None

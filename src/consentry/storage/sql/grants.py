"""SQL repositories of consents in the making and made: pending authorizations and grants."""

from __future__ import annotations

from datetime import datetime

from consentry.core import model
from consentry.storage.sql.connection import Connection, Row, read_time, sql
from consentry.storage.sql.grant_rows import grants_from_rows

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

"""SQL repositories of server-side state that is not OAuth grants: signing keys, web sessions."""

from __future__ import annotations

import json
from datetime import datetime

from consentry.core.ports.keys import StoredSigningKey
from consentry.core.ports.sessions import WebSession
from consentry.storage.sql.connection import Connection, Row, read_optional_time, read_time, sql

_LIST_KEYS = sql(
    "SELECT kid, algorithm, encrypted_private_key, public_jwk, created_at, retired_at"
    " FROM signing_keys ORDER BY created_at, kid"
)
_ADD_KEY = sql(
    "INSERT INTO signing_keys"
    " (kid, algorithm, encrypted_private_key, public_jwk, created_at, retired_at)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
)
_RETIRE_KEY = sql("UPDATE signing_keys SET retired_at = $2 WHERE kid = $1 AND retired_at IS NULL")

_ADD_SESSION = sql(
    "INSERT INTO web_sessions (id_hash, user_id, csrf_secret, created_at, expires_at, revoked_at)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
)
_GET_SESSION = sql(
    "SELECT id_hash, user_id, csrf_secret, created_at, expires_at, revoked_at"
    " FROM web_sessions WHERE id_hash = $1"
)
_REVOKE_SESSION = sql("UPDATE web_sessions SET revoked_at = $2 WHERE id_hash = $1")
_REVOKE_USER_SESSIONS = sql(
    "UPDATE web_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL"
)
_DELETE_EXPIRED_SESSIONS = sql("DELETE FROM web_sessions WHERE expires_at < $1")


def _signing_key(row: Row) -> StoredSigningKey:
    return StoredSigningKey(
        kid=row["kid"],
        algorithm=row["algorithm"],
        encrypted_private_key=bytes(row["encrypted_private_key"]),
        public_jwk=dict(json.loads(row["public_jwk"])),
        created_at=read_time(row["created_at"]),
        retired_at=read_optional_time(row["retired_at"]),
    )


class SqlSigningKeyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def list(self) -> list[StoredSigningKey]:
        return [_signing_key(row) for row in await self._conn.fetch(_LIST_KEYS)]

    async def add(self, key: StoredSigningKey) -> None:
        await self._conn.execute(
            _ADD_KEY,
            key.kid,
            key.algorithm,
            key.encrypted_private_key,
            json.dumps(key.public_jwk),
            key.created_at,
            key.retired_at,
        )

    async def retire(self, kid: str, when: datetime) -> None:
        await self._conn.execute(_RETIRE_KEY, kid, when)


class SqlWebSessionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, session: WebSession) -> None:
        await self._conn.execute(
            _ADD_SESSION,
            session.id_hash,
            session.user_id,
            session.csrf_secret,
            session.created_at,
            session.expires_at,
            session.revoked_at,
        )

    async def get(self, id_hash: bytes) -> WebSession | None:
        row = await self._conn.fetchrow(_GET_SESSION, id_hash)
        if row is None:
            return None
        return WebSession(
            id_hash=bytes(row["id_hash"]),
            user_id=row["user_id"],
            csrf_secret=row["csrf_secret"],
            created_at=read_time(row["created_at"]),
            expires_at=read_time(row["expires_at"]),
            revoked_at=read_optional_time(row["revoked_at"]),
        )

    async def revoke(self, id_hash: bytes, when: datetime) -> None:
        await self._conn.execute(_REVOKE_SESSION, id_hash, when)

    async def revoke_all(self, user_id: int, when: datetime) -> int:
        return await self._conn.execute(_REVOKE_USER_SESSIONS, user_id, when)

    async def delete_expired(self, now: datetime) -> None:
        await self._conn.execute(_DELETE_EXPIRED_SESSIONS, now)

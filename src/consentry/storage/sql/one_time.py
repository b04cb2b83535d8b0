"""SQL repositories of the one-time values: authorization codes and rotating refresh tokens.

Redeeming a code and rotating a refresh token are each one conditional UPDATE, so two racing
callers cannot both win; the refresh token they issue is stored with it atomically (one
statement on PostgreSQL, the unit of work's transaction on SQLite).
"""

from __future__ import annotations

from datetime import datetime

from consentry.core import model
from consentry.storage.sql.driver import (
    Connection,
    Dialect,
    Row,
    read_optional_time,
    read_time,
    sql,
)
from consentry.storage.sql.grant_rows import grants_from_rows

_CODE_COLUMNS = (
    "code_hash, grant_id, credential_id, redirect_uri, code_challenge, created_at, expires_at,"
    " used_at"
)
_ADD_CODE = sql(
    "INSERT INTO authorization_codes (code_hash, grant_id, credential_id, redirect_uri,"
    " code_challenge, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
)
_CODE = sql(f"SELECT {_CODE_COLUMNS} FROM authorization_codes WHERE code_hash = $1")
# The grant of a code or refresh token in the same query (as `SqlGrantRepository.get` reads it).
_WITH_GRANT = (
    " g.id AS g_id, g.user_id AS g_user_id, g.credential_id AS g_credential_id,"
    " g.app_id AS g_app_id, g.scopes AS g_scopes, g.created_at AS g_created_at,"
    " g.revoked_at AS g_revoked_at, ga.advertiser_id"
)
_JOIN_GRANT = (
    "LEFT JOIN grants g ON g.id = t.grant_id"
    " LEFT JOIN grant_advertisers ga ON ga.grant_id = g.id AND ga.revoked_at IS NULL"
)
_CODE_WITH_GRANT = sql(
    f"SELECT {', '.join('t.' + c.strip() for c in _CODE_COLUMNS.split(','))},{_WITH_GRANT}"
    f" FROM authorization_codes t {_JOIN_GRANT} WHERE t.code_hash = $1 ORDER BY ga.advertiser_id"
)
# Of two racing redemptions only one matches `used_at IS NULL`.
_USE_CODE = (
    "UPDATE authorization_codes SET used_at = $3"
    " WHERE code_hash = $1 AND used_at IS NULL AND credential_id = $2 AND expires_at > $3"
)
_INSERT_REFRESH = (
    "INSERT INTO refresh_tokens (token_hash, grant_id, credential_id, created_at, expires_at)"
)
# PostgreSQL does both in one statement, which commits on its own (no BEGIN/COMMIT round trips).
_REDEEM_CODE = sql(
    f"WITH won AS ({_USE_CODE} RETURNING 1) {_INSERT_REFRESH} SELECT $4, $5, $2, $6, $7 FROM won"
    " RETURNING 1",
    standalone=True,
)
_USE_CODE_SQLITE = sql(_USE_CODE)

_REFRESH_COLUMNS = "token_hash, grant_id, credential_id, created_at, expires_at, used_at, successor"
_ADD_TOKEN = sql(f"{_INSERT_REFRESH} VALUES ($1, $2, $3, $4, $5)")
# Of two racing rotations only one matches `used_at IS NULL`.
_USE_REFRESH = (
    "UPDATE refresh_tokens SET used_at = $3, successor = $4"
    " WHERE token_hash = $1 AND used_at IS NULL AND credential_id = $2 AND expires_at > $3"
)
_ROTATE_TOKEN = sql(
    f"WITH won AS ({_USE_REFRESH} RETURNING grant_id)"
    f" {_INSERT_REFRESH} SELECT $5, grant_id, $2, $6, $7 FROM won RETURNING 1",
    standalone=True,
)
_USE_REFRESH_SQLITE = sql(_USE_REFRESH)
_TOKEN = sql(f"SELECT {_REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1")
_TOKEN_WITH_GRANT = sql(
    f"SELECT {', '.join('t.' + c.strip() for c in _REFRESH_COLUMNS.split(','))},{_WITH_GRANT}"
    f" FROM refresh_tokens t {_JOIN_GRANT} WHERE t.token_hash = $1 ORDER BY ga.advertiser_id"
)


def _code(row: Row) -> model.AuthorizationCode:
    return model.AuthorizationCode(
        code_hash=bytes(row["code_hash"]),
        grant_id=row["grant_id"],
        credential_id=row["credential_id"],
        redirect_uri=row["redirect_uri"],
        code_challenge=row["code_challenge"],
        created_at=read_time(row["created_at"]),
        expires_at=read_time(row["expires_at"]),
        used_at=read_optional_time(row["used_at"]),
    )


def _refresh_token(row: Row) -> model.RefreshToken:
    successor = row["successor"]
    return model.RefreshToken(
        token_hash=bytes(row["token_hash"]),
        grant_id=row["grant_id"],
        credential_id=row["credential_id"],
        created_at=read_time(row["created_at"]),
        expires_at=read_time(row["expires_at"]),
        used_at=read_optional_time(row["used_at"]),
        successor=bytes(successor) if successor is not None else None,
    )


async def _add_token(conn: Connection, token: model.RefreshToken) -> None:
    await conn.execute(
        _ADD_TOKEN,
        token.token_hash,
        token.grant_id,
        token.credential_id,
        token.created_at,
        token.expires_at,
    )


class SqlAuthorizationCodeRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, code: model.AuthorizationCode) -> None:
        await self._conn.execute(
            _ADD_CODE,
            code.code_hash,
            code.grant_id,
            code.credential_id,
            code.redirect_uri,
            code.code_challenge,
            code.created_at,
            code.expires_at,
        )

    async def get(self, code_hash: bytes) -> model.AuthorizationCode | None:
        row = await self._conn.fetchrow(_CODE, code_hash)
        return _code(row) if row else None

    async def get_with_grant(
        self, code_hash: bytes
    ) -> tuple[model.AuthorizationCode, model.Grant | None] | None:
        rows = await self._conn.fetch(_CODE_WITH_GRANT, code_hash)
        if not rows:
            return None
        grants = grants_from_rows(rows, prefix="g_")
        return _code(rows[0]), grants[0] if grants else None

    async def redeem(
        self,
        code_hash: bytes,
        credential_id: int,
        now: datetime,
        refresh_token: model.RefreshToken,
    ) -> bool:
        token = refresh_token
        if self._conn.dialect is Dialect.POSTGRESQL:
            won = await self._conn.fetchval(
                _REDEEM_CODE,
                code_hash,
                credential_id,
                now,
                token.token_hash,
                token.grant_id,
                token.created_at,
                token.expires_at,
            )
            return won is not None
        # SQLite has no writable CTEs: two statements in this unit of work's transaction.
        if await self._conn.execute(_USE_CODE_SQLITE, code_hash, credential_id, now) != 1:
            return False
        await _add_token(self._conn, token)
        return True


class SqlRefreshTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, token: model.RefreshToken) -> None:
        await _add_token(self._conn, token)

    async def get(self, token_hash: bytes) -> model.RefreshToken | None:
        row = await self._conn.fetchrow(_TOKEN, token_hash)
        return _refresh_token(row) if row else None

    async def get_with_grant(
        self, token_hash: bytes
    ) -> tuple[model.RefreshToken, model.Grant | None] | None:
        rows = await self._conn.fetch(_TOKEN_WITH_GRANT, token_hash)
        if not rows:
            return None
        grants = grants_from_rows(rows, prefix="g_")
        return _refresh_token(rows[0]), grants[0] if grants else None

    async def rotate(
        self,
        token_hash: bytes,
        credential_id: int,
        now: datetime,
        successor: bytes | None,
        replacement: model.RefreshToken,
    ) -> bool:
        new = replacement
        if self._conn.dialect is Dialect.POSTGRESQL:
            won = await self._conn.fetchval(
                _ROTATE_TOKEN,
                token_hash,
                credential_id,
                now,
                successor,
                new.token_hash,
                new.created_at,
                new.expires_at,
            )
            return won is not None
        changed = await self._conn.execute(
            _USE_REFRESH_SQLITE, token_hash, credential_id, now, successor
        )
        if changed != 1:
            return False
        await _add_token(self._conn, new)
        return True

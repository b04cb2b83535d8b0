"""SQL repositories of the one-time values: authorization codes and rotating refresh tokens.

Consuming a code and rotating a refresh token are each one conditional UPDATE, so two racing
callers cannot both win.
"""

from __future__ import annotations

from datetime import datetime

from consentry.core import model
from consentry.storage.repositories import Consumed
from consentry.storage.sql.driver import Connection, Row, read_optional_time, read_time, sql

_CODE_COLUMNS = (
    "code_hash, grant_id, credential_id, redirect_uri, code_challenge, created_at, expires_at,"
    " used_at"
)
_ADD_CODE = sql(
    "INSERT INTO authorization_codes (code_hash, grant_id, credential_id, redirect_uri,"
    " code_challenge, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
)
# Of two racing redemptions only one matches `used_at IS NULL`.
_CONSUME_CODE = sql(
    "UPDATE authorization_codes SET used_at = $3"
    " WHERE code_hash = $1 AND used_at IS NULL AND credential_id = $2 AND expires_at > $3"
    f" RETURNING {_CODE_COLUMNS}"
)
_CODE = sql(f"SELECT {_CODE_COLUMNS} FROM authorization_codes WHERE code_hash = $1")

_REFRESH_COLUMNS = "token_hash, grant_id, credential_id, created_at, expires_at, used_at, successor"
_ADD_TOKEN = sql(
    "INSERT INTO refresh_tokens (token_hash, grant_id, credential_id, created_at, expires_at)"
    " VALUES ($1, $2, $3, $4, $5)"
)
# Of two racing rotations only one matches `used_at IS NULL`.
_ROTATE_TOKEN = sql(
    "UPDATE refresh_tokens SET used_at = $3, successor = $4"
    " WHERE token_hash = $1 AND used_at IS NULL AND credential_id = $2 AND expires_at > $3"
)
_TOKEN = sql(f"SELECT {_REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1")


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

    async def consume(
        self, code_hash: bytes, credential_id: int, now: datetime
    ) -> Consumed[model.AuthorizationCode]:
        won = await self._conn.fetchrow(_CONSUME_CODE, code_hash, credential_id, now)
        if won is not None:
            return Consumed(record=_code(won))
        row = await self._conn.fetchrow(_CODE, code_hash)
        return Consumed(record=None, previous=_code(row) if row else None)


class SqlRefreshTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, token: model.RefreshToken) -> None:
        await self._conn.execute(
            _ADD_TOKEN,
            token.token_hash,
            token.grant_id,
            token.credential_id,
            token.created_at,
            token.expires_at,
        )

    async def get(self, token_hash: bytes) -> model.RefreshToken | None:
        row = await self._conn.fetchrow(_TOKEN, token_hash)
        return _refresh_token(row) if row else None

    async def rotate(
        self, token_hash: bytes, credential_id: int, now: datetime, successor: bytes | None
    ) -> bool:
        changed = await self._conn.execute(
            _ROTATE_TOKEN, token_hash, credential_id, now, successor
        )
        return changed == 1

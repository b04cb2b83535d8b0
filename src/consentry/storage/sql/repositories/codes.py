"""The SQL repository of authorization codes (RFC 6749 §4.1.2: short-lived and single-use).

Redeeming a code is one conditional UPDATE (`used_at IS NULL`), so two racing redemptions cannot
both win; the refresh token it issues is stored with it atomically: one statement on PostgreSQL
(a writable CTE, committed on its own), the unit of work's transaction on SQLite.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, literal_column, select, update

from consentry.core import model
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, Row, read_optional_time, read_time
from consentry.storage.sql.repositories.grant_rows import (
    grant_advertisers,
    grant_columns,
    grants,
    grants_from_rows,
    still_granted,
)
from consentry.storage.sql.repositories.refresh_tokens import add_token
from consentry.storage.sql.statements import Dialect, Statement, parameter

codes = schema.table(schema.AuthorizationCode)
refresh_tokens = schema.table(schema.RefreshToken)

_ADD = Statement(
    insert(codes).values(
        code_hash=parameter("code_hash", codes.c.code_hash),
        grant_id=parameter("grant_id", codes.c.grant_id),
        credential_id=parameter("credential_id", codes.c.credential_id),
        redirect_uri=parameter("redirect_uri", codes.c.redirect_uri),
        code_challenge=parameter("code_challenge", codes.c.code_challenge),
        created_at=parameter("created_at", codes.c.created_at),
        expires_at=parameter("expires_at", codes.c.expires_at),
    )
)
_GET = Statement(
    select(codes).where(codes.c.code_hash == parameter("code_hash", codes.c.code_hash))
)
# The code and its grant (as `SqlGrantRepository.get` reads it), one row per granted advertiser.
_GET_WITH_GRANT = Statement(
    select(codes, *grant_columns(grants, prefix="g_"))
    .select_from(
        codes.outerjoin(grants, grants.c.id == codes.c.grant_id).outerjoin(
            grant_advertisers, still_granted(grants)
        )
    )
    .where(codes.c.code_hash == parameter("code_hash", codes.c.code_hash))
    .order_by(grant_advertisers.c.advertiser_id)
)
# Of two racing redemptions only one matches `used_at IS NULL`.
_USE = (
    update(codes)
    .where(
        codes.c.code_hash == parameter("code_hash", codes.c.code_hash),
        codes.c.used_at.is_(None),
        codes.c.credential_id == parameter("credential_id", codes.c.credential_id),
        codes.c.expires_at > parameter("now", codes.c.expires_at),
    )
    .values(used_at=parameter("now", codes.c.used_at))
)
_USE_SQLITE = Statement(_USE)


def _redeem_postgresql() -> Statement:
    """Use the code and store the refresh token in one statement, which commits on its own."""
    won = _USE.returning(literal_column("1")).cte("won")
    issued = select(
        parameter("token_hash", refresh_tokens.c.token_hash),
        parameter("grant_id", refresh_tokens.c.grant_id),
        parameter("credential_id", refresh_tokens.c.credential_id),
        parameter("created_at", refresh_tokens.c.created_at),
        parameter("expires_at", refresh_tokens.c.expires_at),
    ).select_from(won)
    columns = ["token_hash", "grant_id", "credential_id", "created_at", "expires_at"]
    statement = insert(refresh_tokens).from_select(columns, issued).add_cte(won)
    return Statement(statement.returning(literal_column("1")), standalone=True)


_REDEEM_POSTGRESQL = _redeem_postgresql()


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


class SqlAuthorizationCodeRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, code: model.AuthorizationCode) -> None:
        await self._conn.execute(
            _ADD,
            code_hash=code.code_hash,
            grant_id=code.grant_id,
            credential_id=code.credential_id,
            redirect_uri=code.redirect_uri,
            code_challenge=code.code_challenge,
            created_at=code.created_at,
            expires_at=code.expires_at,
        )

    async def get(self, code_hash: bytes) -> model.AuthorizationCode | None:
        row = await self._conn.fetchrow(_GET, code_hash=code_hash)
        return _code(row) if row else None

    async def get_with_grant(
        self, code_hash: bytes
    ) -> tuple[model.AuthorizationCode, model.Grant | None] | None:
        rows = await self._conn.fetch(_GET_WITH_GRANT, code_hash=code_hash)
        if not rows:
            return None
        found = grants_from_rows(rows, prefix="g_")
        return _code(rows[0]), found[0] if found else None

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
                _REDEEM_POSTGRESQL,
                code_hash=code_hash,
                credential_id=credential_id,
                now=now,
                token_hash=token.token_hash,
                grant_id=token.grant_id,
                created_at=token.created_at,
                expires_at=token.expires_at,
            )
            return won is not None
        # SQLite has no writable CTEs: two statements in this unit of work's transaction.
        used = await self._conn.execute(
            _USE_SQLITE, code_hash=code_hash, credential_id=credential_id, now=now
        )
        if used != 1:
            return False
        await add_token(self._conn, token)
        return True

"""The SQL repository of refresh tokens, rotated on every use (RFC 9700 §4.14.2).

Rotating is one conditional UPDATE (`used_at IS NULL`) that also keeps the sealed successor pair
in the old row, so two racing rotations cannot both win; the new token is stored with it
atomically: one statement on PostgreSQL (a writable CTE, committed on its own), the unit of
work's transaction on SQLite.
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
from consentry.storage.sql.statements import Dialect, Statement, parameter

refresh_tokens = schema.table(schema.RefreshToken)

ADD_TOKEN = Statement(
    insert(refresh_tokens).values(
        token_hash=parameter("token_hash", refresh_tokens.c.token_hash),
        grant_id=parameter("grant_id", refresh_tokens.c.grant_id),
        credential_id=parameter("credential_id", refresh_tokens.c.credential_id),
        created_at=parameter("created_at", refresh_tokens.c.created_at),
        expires_at=parameter("expires_at", refresh_tokens.c.expires_at),
    )
)
_BY_HASH = refresh_tokens.c.token_hash == parameter("token_hash", refresh_tokens.c.token_hash)
_GET = Statement(select(refresh_tokens).where(_BY_HASH))
# The token and its grant (as `SqlGrantRepository.get` reads it), one row per granted advertiser.
_GET_WITH_GRANT = Statement(
    select(refresh_tokens, *grant_columns(grants, prefix="g_"))
    .select_from(
        refresh_tokens.outerjoin(grants, grants.c.id == refresh_tokens.c.grant_id).outerjoin(
            grant_advertisers, still_granted(grants)
        )
    )
    .where(_BY_HASH)
    .order_by(grant_advertisers.c.advertiser_id)
)
# Of two racing rotations only one matches `used_at IS NULL`.
_USE = (
    update(refresh_tokens)
    .where(
        refresh_tokens.c.token_hash == parameter("old_hash", refresh_tokens.c.token_hash),
        refresh_tokens.c.used_at.is_(None),
        refresh_tokens.c.credential_id
        == parameter("credential_id", refresh_tokens.c.credential_id),
        refresh_tokens.c.expires_at > parameter("now", refresh_tokens.c.expires_at),
    )
    .values(
        used_at=parameter("now", refresh_tokens.c.used_at),
        successor=parameter("successor", refresh_tokens.c.successor),
    )
)
_USE_SQLITE = Statement(_USE)


def _rotate_postgresql() -> Statement:
    """Use the old token and store the new one in one statement, which commits on its own."""
    won = _USE.returning(refresh_tokens.c.grant_id).cte("won")
    issued = select(
        parameter("token_hash", refresh_tokens.c.token_hash),
        won.c.grant_id,
        parameter("credential_id", refresh_tokens.c.credential_id),
        parameter("created_at", refresh_tokens.c.created_at),
        parameter("expires_at", refresh_tokens.c.expires_at),
    ).select_from(won)
    columns = ["token_hash", "grant_id", "credential_id", "created_at", "expires_at"]
    statement = insert(refresh_tokens).from_select(columns, issued).add_cte(won)
    return Statement(statement.returning(literal_column("1")), standalone=True)


_ROTATE_POSTGRESQL = _rotate_postgresql()


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


async def add_token(conn: Connection, token: model.RefreshToken) -> None:
    await conn.execute(
        ADD_TOKEN,
        token_hash=token.token_hash,
        grant_id=token.grant_id,
        credential_id=token.credential_id,
        created_at=token.created_at,
        expires_at=token.expires_at,
    )


class SqlRefreshTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, token: model.RefreshToken) -> None:
        await add_token(self._conn, token)

    async def get(self, token_hash: bytes) -> model.RefreshToken | None:
        row = await self._conn.fetchrow(_GET, token_hash=token_hash)
        return _refresh_token(row) if row else None

    async def get_with_grant(
        self, token_hash: bytes
    ) -> tuple[model.RefreshToken, model.Grant | None] | None:
        rows = await self._conn.fetch(_GET_WITH_GRANT, token_hash=token_hash)
        if not rows:
            return None
        found = grants_from_rows(rows, prefix="g_")
        return _refresh_token(rows[0]), found[0] if found else None

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
                _ROTATE_POSTGRESQL,
                old_hash=token_hash,
                credential_id=credential_id,
                now=now,
                successor=successor,
                token_hash=new.token_hash,
                created_at=new.created_at,
                expires_at=new.expires_at,
            )
            return won is not None
        used = await self._conn.execute(
            _USE_SQLITE,
            old_hash=token_hash,
            credential_id=credential_id,
            now=now,
            successor=successor,
        )
        if used != 1:
            return False
        await add_token(self._conn, new)
        return True

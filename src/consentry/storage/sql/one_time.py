"""SQL repositories of the one-time values: authorization codes and rotating refresh tokens.

Consuming either is one conditional UPDATE, so two racing callers cannot both win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.core import model
from consentry.storage.repositories import Consumed
from consentry.storage.sql import tables as t
from consentry.storage.sql.inserts import insert_row

codes = cast(Table, t.AuthorizationCode.__table__)
refresh_tokens = cast(Table, t.RefreshToken.__table__)


def _code(row: Row[Any]) -> model.AuthorizationCode:
    return model.AuthorizationCode(
        code_hash=bytes(row.code_hash),
        grant_id=row.grant_id,
        credential_id=row.credential_id,
        redirect_uri=row.redirect_uri,
        code_challenge=row.code_challenge,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


def _refresh_token(row: Row[Any]) -> model.RefreshToken:
    return model.RefreshToken(
        token_hash=bytes(row.token_hash),
        grant_id=row.grant_id,
        credential_id=row.credential_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        successor=bytes(row.successor) if row.successor is not None else None,
    )


class SqlAuthorizationCodeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, code: model.AuthorizationCode) -> None:
        await insert_row(
            self._conn,
            insert(codes).values(
                code_hash=code.code_hash,
                grant_id=code.grant_id,
                credential_id=code.credential_id,
                redirect_uri=code.redirect_uri,
                code_challenge=code.code_challenge,
                created_at=code.created_at,
                expires_at=code.expires_at,
            ),
        )

    async def consume(
        self, code_hash: bytes, credential_id: int, now: datetime
    ) -> Consumed[model.AuthorizationCode]:
        # One conditional UPDATE: of two racing redemptions only one matches `used_at IS NULL`.
        won = (
            await self._conn.execute(
                update(codes)
                .where(
                    codes.c.code_hash == code_hash,
                    codes.c.used_at.is_(None),
                    codes.c.credential_id == credential_id,
                    codes.c.expires_at > now,
                )
                .values(used_at=now)
                .returning(*codes.c)
            )
        ).first()
        if won is not None:
            return Consumed(record=_code(won))
        row = (
            await self._conn.execute(select(codes).where(codes.c.code_hash == code_hash))
        ).first()
        return Consumed(record=None, previous=_code(row) if row else None)


class SqlRefreshTokenRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, token: model.RefreshToken) -> None:
        await insert_row(
            self._conn,
            insert(refresh_tokens).values(
                token_hash=token.token_hash,
                grant_id=token.grant_id,
                credential_id=token.credential_id,
                created_at=token.created_at,
                expires_at=token.expires_at,
            ),
        )

    async def consume(
        self, token_hash: bytes, credential_id: int, now: datetime
    ) -> Consumed[model.RefreshToken]:
        won = (
            await self._conn.execute(
                update(refresh_tokens)
                .where(
                    refresh_tokens.c.token_hash == token_hash,
                    refresh_tokens.c.used_at.is_(None),
                    refresh_tokens.c.credential_id == credential_id,
                    refresh_tokens.c.expires_at > now,
                )
                .values(used_at=now)
                .returning(*refresh_tokens.c)
            )
        ).first()
        if won is not None:
            return Consumed(record=_refresh_token(won))
        return Consumed(record=None, previous=await self.get(token_hash))

    async def get(self, token_hash: bytes) -> model.RefreshToken | None:
        query = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        row = (await self._conn.execute(query)).first()
        return _refresh_token(row) if row else None

    async def store_successor(self, token_hash: bytes, sealed: bytes) -> None:
        await self._conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == token_hash)
            .values(successor=sealed)
        )

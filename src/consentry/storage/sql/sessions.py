"""SQL repositories of server-side state that is not OAuth grants: signing keys, web sessions."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.storage.repositories import StoredSigningKey, WebSession
from consentry.storage.sql import tables as t
from consentry.storage.sql.inserts import insert_row

signing_keys = cast(Table, t.SigningKey.__table__)
web_sessions = cast(Table, t.WebSession.__table__)


class SqlSigningKeyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def list(self) -> list[StoredSigningKey]:
        rows = await self._conn.execute(
            select(signing_keys).order_by(signing_keys.c.created_at, signing_keys.c.kid)
        )
        return [
            StoredSigningKey(
                kid=row.kid,
                algorithm=row.algorithm,
                encrypted_private_key=bytes(row.encrypted_private_key),
                public_jwk=dict(row.public_jwk),
                created_at=row.created_at,
                retired_at=row.retired_at,
            )
            for row in rows
        ]

    async def add(self, key: StoredSigningKey) -> None:
        await insert_row(
            self._conn,
            insert(signing_keys).values(
                kid=key.kid,
                algorithm=key.algorithm,
                encrypted_private_key=key.encrypted_private_key,
                public_jwk=key.public_jwk,
                created_at=key.created_at,
                retired_at=key.retired_at,
            ),
        )

    async def retire(self, kid: str, when: datetime) -> None:
        await self._conn.execute(
            update(signing_keys)
            .where(signing_keys.c.kid == kid, signing_keys.c.retired_at.is_(None))
            .values(retired_at=when)
        )


class SqlWebSessionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, session: WebSession) -> None:
        await insert_row(
            self._conn,
            insert(web_sessions).values(
                id_hash=session.id_hash,
                user_id=session.user_id,
                csrf_secret=session.csrf_secret,
                created_at=session.created_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
            ),
        )

    async def get(self, id_hash: bytes) -> WebSession | None:
        query = select(web_sessions).where(web_sessions.c.id_hash == id_hash)
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return WebSession(
            id_hash=bytes(row.id_hash),
            user_id=row.user_id,
            csrf_secret=row.csrf_secret,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )

    async def revoke(self, id_hash: bytes, when: datetime) -> None:
        await self._conn.execute(
            update(web_sessions).where(web_sessions.c.id_hash == id_hash).values(revoked_at=when)
        )

    async def revoke_all(self, user_id: int, when: datetime) -> int:
        result = await self._conn.execute(
            update(web_sessions)
            .where(web_sessions.c.user_id == user_id, web_sessions.c.revoked_at.is_(None))
            .values(revoked_at=when)
        )
        return int(result.rowcount)

    async def delete_expired(self, now: datetime) -> None:
        await self._conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))

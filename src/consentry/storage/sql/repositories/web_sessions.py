"""The SQL repository of browser sessions, held server-side so that they can be ended from here:
by the user (sign-out), for every session of a user at once, or when they expire.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from consentry.core.ports.sessions import WebSession
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, read_optional_time, read_time
from consentry.storage.sql.statements import Statement, parameter

web_sessions = schema.table(schema.WebSession)

_ADD = Statement(
    insert(web_sessions).values(
        id_hash=parameter("id_hash", web_sessions.c.id_hash),
        user_id=parameter("user_id", web_sessions.c.user_id),
        csrf_secret=parameter("csrf_secret", web_sessions.c.csrf_secret),
        created_at=parameter("created_at", web_sessions.c.created_at),
        expires_at=parameter("expires_at", web_sessions.c.expires_at),
        revoked_at=parameter("revoked_at", web_sessions.c.revoked_at),
    )
)
_BY_ID = web_sessions.c.id_hash == parameter("id_hash", web_sessions.c.id_hash)
_GET = Statement(select(web_sessions).where(_BY_ID))
_REVOKE = Statement(
    update(web_sessions)
    .where(_BY_ID)
    .values(revoked_at=parameter("when", web_sessions.c.revoked_at))
)
_REVOKE_ALL_OF_USER = Statement(
    update(web_sessions)
    .where(
        web_sessions.c.user_id == parameter("user_id", web_sessions.c.user_id),
        web_sessions.c.revoked_at.is_(None),
    )
    .values(revoked_at=parameter("when", web_sessions.c.revoked_at))
)
_DELETE_EXPIRED = Statement(
    delete(web_sessions).where(
        web_sessions.c.expires_at < parameter("now", web_sessions.c.expires_at)
    )
)


class SqlWebSessionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, session: WebSession) -> None:
        await self._conn.execute(
            _ADD,
            id_hash=session.id_hash,
            user_id=session.user_id,
            csrf_secret=session.csrf_secret,
            created_at=session.created_at,
            expires_at=session.expires_at,
            revoked_at=session.revoked_at,
        )

    async def get(self, id_hash: bytes) -> WebSession | None:
        row = await self._conn.fetchrow(_GET, id_hash=id_hash)
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
        await self._conn.execute(_REVOKE, id_hash=id_hash, when=when)

    async def revoke_all(self, user_id: int, when: datetime) -> int:
        return await self._conn.execute(_REVOKE_ALL_OF_USER, user_id=user_id, when=when)

    async def delete_expired(self, now: datetime) -> None:
        await self._conn.execute(_DELETE_EXPIRED, now=now)

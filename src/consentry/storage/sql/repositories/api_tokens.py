"""The SQL repository of the portal's personal API tokens (kept as keyed hashes).

Using a token is one UPDATE that stamps `last_used_at` and returns its user, so a revoked token
(`revoked_at` set) finds nobody.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from consentry.core.ports.portal import StoredApiToken
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, read_optional_time, read_time
from consentry.storage.sql.statements import Statement, parameter

api_tokens = schema.table(schema.PortalApiToken)

_ADD = Statement(
    insert(api_tokens)
    .values(
        user_id=parameter("user_id", api_tokens.c.user_id),
        token_hash=parameter("token_hash", api_tokens.c.token_hash),
        label=parameter("label", api_tokens.c.label),
        created_at=parameter("created_at", api_tokens.c.created_at),
    )
    .returning(api_tokens.c.id)
)
_LIST = Statement(
    select(
        api_tokens.c.id,
        api_tokens.c.user_id,
        api_tokens.c.label,
        api_tokens.c.created_at,
        api_tokens.c.last_used_at,
        api_tokens.c.revoked_at,
    )
    .where(api_tokens.c.user_id == parameter("user_id", api_tokens.c.user_id))
    .order_by(api_tokens.c.id)
)
_USE = Statement(
    update(api_tokens)
    .where(
        api_tokens.c.token_hash == parameter("token_hash", api_tokens.c.token_hash),
        api_tokens.c.revoked_at.is_(None),
    )
    .values(last_used_at=parameter("now", api_tokens.c.last_used_at))
    .returning(api_tokens.c.user_id)
)
_REVOKE = Statement(
    update(api_tokens)
    .where(
        api_tokens.c.id == parameter("token_id", api_tokens.c.id),
        api_tokens.c.user_id == parameter("user_id", api_tokens.c.user_id),
        api_tokens.c.revoked_at.is_(None),
    )
    .values(revoked_at=parameter("now", api_tokens.c.revoked_at))
)


class SqlApiTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, user_id: int, token_hash: bytes, label: str, now: datetime) -> int:
        token_id = await self._conn.fetchval(
            _ADD, user_id=user_id, token_hash=token_hash, label=label, created_at=now
        )
        return int(token_id)

    async def list(self, user_id: int) -> list[StoredApiToken]:
        return [
            StoredApiToken(
                id=row["id"],
                user_id=row["user_id"],
                label=row["label"],
                created_at=read_time(row["created_at"]),
                last_used_at=read_optional_time(row["last_used_at"]),
                revoked_at=read_optional_time(row["revoked_at"]),
            )
            for row in await self._conn.fetch(_LIST, user_id=user_id)
        ]

    async def find_user(self, token_hash: bytes, now: datetime) -> int | None:
        user_id = await self._conn.fetchval(_USE, token_hash=token_hash, now=now)
        return None if user_id is None else int(user_id)

    async def revoke(self, user_id: int, token_id: int, now: datetime) -> bool:
        revoked = await self._conn.execute(_REVOKE, user_id=user_id, token_id=token_id, now=now)
        return bool(revoked)

"""Fixed-window rate-limit counters in the database, shared by every node.

`hit` is one `INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`: atomic on
SQLite and PostgreSQL alike. `purge` deletes old windows with `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so two nodes purging at once never wait on (or deadlock with) each other.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.storage.sql import tables as t

counters = cast(Table, t.RateLimitCounter.__table__)
_PURGE_BATCH = 500


class SqlRateLimitRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._insert: Any = (
            postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        )

    async def hit(self, key: str, window_start: int) -> int:
        statement = self._insert(counters).values(key=key, window_start=window_start, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=[counters.c.key, counters.c.window_start],
            set_={"count": counters.c.count + 1},
        ).returning(counters.c.count)
        return int((await self._conn.execute(statement)).scalar_one())

    async def purge(self, before: int) -> None:
        old = (
            select(counters.c.key, counters.c.window_start)
            .where(counters.c.window_start < before)
            .limit(_PURGE_BATCH)
            .with_for_update(skip_locked=True)
        )
        await self._conn.execute(
            delete(counters).where(tuple_(counters.c.key, counters.c.window_start).in_(old))
        )

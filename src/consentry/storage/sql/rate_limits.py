"""Fixed-window rate-limit counters in the database, shared by every node.

`hit` is one `INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`: atomic on
SQLite and PostgreSQL alike. `purge` deletes old windows (a scan of the small table: it has no
window index, see migration 0006) with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two nodes
purging at once never wait on (or deadlock with) each other.
"""

from __future__ import annotations

from consentry.storage.sql.driver import Connection, sql

_PURGE_BATCH = 500
_HIT = sql(
    "INSERT INTO rate_limit_counters (key, window_start, count) VALUES ($1, $2, 1)"
    " ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_counters.count + 1"
    " RETURNING count"
)
_PURGE = sql(
    "DELETE FROM rate_limit_counters WHERE (key, window_start) IN"
    " (SELECT key, window_start FROM rate_limit_counters WHERE window_start < $1"
    f" LIMIT {_PURGE_BATCH} FOR UPDATE SKIP LOCKED)",
    sqlite="DELETE FROM rate_limit_counters WHERE (key, window_start) IN"
    " (SELECT key, window_start FROM rate_limit_counters WHERE window_start < $1"
    f" LIMIT {_PURGE_BATCH})",
)


class SqlRateLimitRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def hit(self, key: str, window_start: int) -> int:
        count = await self._conn.fetchval(_HIT, key, window_start)
        return int(count)

    async def purge(self, before: int) -> None:
        await self._conn.execute(_PURGE, before)

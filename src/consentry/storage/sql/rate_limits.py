"""Fixed-window rate-limit counters in the database, shared by every node, and call admission.

A partner-API call is admitted by one atomic statement: `INSERT … SELECT … WHERE <the grant and
the token are live> ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count, <the still
granted advertisers with their names>`. It counts the call only when the grant (or the
client-credentials pair) and the access token are live, so a revoked token cannot spend anyone's
budget, and it answers the grant check and the count in one round trip (on PostgreSQL a
writable CTE, on SQLite a `RETURNING` with a subquery). `purge` deletes old windows (a scan of
the small table: it has no window index, see migration 0006) with `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so two nodes purging at once never wait on (or deadlock with) each other.
"""

from __future__ import annotations

import json

from consentry.core.model import Advertiser
from consentry.core.ports.partner import Admission
from consentry.storage.sql.connection import Connection, Row, Sql, sql

_PURGE_BATCH = 500
_UPSERT = (
    "INSERT INTO rate_limit_counters (key, window_start, count) SELECT {key}, {start}, 1"
    " WHERE {live}"
    " ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_counters.count + 1"
    " RETURNING count"
)
_JTI_LIVE = "NOT EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = $4)"
_GRANT_LIVE = (
    f"EXISTS (SELECT 1 FROM grants g WHERE g.id = $3 AND g.revoked_at IS NULL) AND {_JTI_LIVE}"
)
_APP_LIVE = f"EXISTS (SELECT 1 FROM credentials c WHERE c.client_id = $3) AND {_JTI_LIVE}"
# The (advertiser id, name) pairs still granted, as one JSON array.
_GRANT_NAMES = (
    "SELECT {agg}({pair}(adv.id, adv.name)) FROM grant_advertisers ga"
    " JOIN advertisers adv ON adv.id = ga.advertiser_id"
    " WHERE ga.grant_id = $3 AND ga.revoked_at IS NULL"
)
_APP_NAMES = (
    "SELECT {agg}({pair}(adv.id, adv.name)) FROM credentials c"
    " JOIN grants g ON g.app_id = c.app_id AND g.credential_id IS NULL AND g.revoked_at IS NULL"
    " JOIN grant_advertisers ga ON ga.grant_id = g.id AND ga.revoked_at IS NULL"
    " JOIN advertisers adv ON adv.id = ga.advertiser_id"
    " WHERE c.client_id = $3"
)


def _admission(live: str, names: str) -> Sql:
    postgresql = (
        "WITH hit AS ("
        + _UPSERT.format(key="$1::varchar", start="$2::integer", live=live)
        + ") SELECT hit.count, ("
        + names.format(agg="json_agg", pair="json_build_array")
        + ") AS advertisers FROM hit"
    )
    sqlite = (
        _UPSERT.format(key="$1", start="$2", live=live)
        + ", ("
        + names.format(agg="json_group_array", pair="json_array")
        + ") AS advertisers"
    )
    return sql(postgresql, sqlite=sqlite)


_ADMIT_GRANT = _admission(_GRANT_LIVE, _GRANT_NAMES)
_ADMIT_APP = _admission(_APP_LIVE, _APP_NAMES)
_PURGE = sql(
    "DELETE FROM rate_limit_counters WHERE (key, window_start) IN"
    " (SELECT key, window_start FROM rate_limit_counters WHERE window_start < $1"
    f" LIMIT {_PURGE_BATCH} FOR UPDATE SKIP LOCKED)",
    sqlite="DELETE FROM rate_limit_counters WHERE (key, window_start) IN"
    " (SELECT key, window_start FROM rate_limit_counters WHERE window_start < $1"
    f" LIMIT {_PURGE_BATCH})",
)


def _from_row(row: Row | None) -> Admission | None:
    if row is None:
        return None  # nothing counted: the grant, the pair or the token is not live
    pairs = json.loads(row[1]) if row[1] is not None else []  # PostgreSQL: NULL for no rows
    unique = {int(advertiser_id): str(name) for advertiser_id, name in pairs}
    return Admission(
        count=int(row[0]),
        advertisers=tuple(Advertiser(a, name) for a, name in unique.items()),
    )


class SqlRateLimitRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def admit_grant(
        self, key: str, window_start: int, grant_id: str, token_id: str
    ) -> Admission | None:
        row = await self._conn.fetchrow(_ADMIT_GRANT, key, window_start, grant_id, token_id)
        return _from_row(row)

    async def admit_app(
        self, key: str, window_start: int, client_id: str, token_id: str
    ) -> Admission | None:
        row = await self._conn.fetchrow(_ADMIT_APP, key, window_start, client_id, token_id)
        return _from_row(row)

    async def purge(self, before: int) -> None:
        await self._conn.execute(_PURGE, before)

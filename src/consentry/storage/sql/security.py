"""SQL repositories of the security features: the consent dashboard's queries, the per-request
token check (one indexed query: grant, advertisers and revoked `jti` together), and the shared
counters of failed client authentication.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from consentry.core.model import Advertiser
from consentry.core.ports.grants import GrantSummary
from consentry.core.ports.throttling import FailureWindow
from consentry.storage.sql.connection import (
    Connection,
    Sql,
    read_optional_time,
    read_time,
    sql,
)

# A grant was last used when a token was last issued under it: its newest refresh token, or the
# time noted on the grant itself (client-credentials tokens, whose grants have no refresh token).
_NEWEST_REFRESH = "(SELECT MAX(r.created_at) FROM refresh_tokens r WHERE r.grant_id = g.id)"
_USER_GRANTS_TEXT = (
    "SELECT g.id, g.app_id, g.scopes, g.credential_id, g.created_at, {last_used} AS last_used_at,"
    " a.name AS app_name, a.service, o.name AS organization_name"
    " FROM grants g JOIN apps a ON a.id = g.app_id"
    " JOIN organizations o ON o.id = a.organization_id"
    " WHERE g.user_id = $1 AND g.revoked_at IS NULL"
    " ORDER BY g.created_at DESC, g.id"
)
_USER_GRANTS = sql(
    _USER_GRANTS_TEXT.format(last_used=f"GREATEST(g.last_used_at, {_NEWEST_REFRESH})"),
    # SQLite's two-argument max() is NULL when either is; timestamps compare as ISO text.
    sqlite=_USER_GRANTS_TEXT.format(
        last_used=f"max(coalesce(g.last_used_at, {_NEWEST_REFRESH}),"
        f" coalesce({_NEWEST_REFRESH}, g.last_used_at))"
    ),
)
_GRANTED_NAMES = sql(
    "SELECT ga.grant_id, a.id, a.name FROM grant_advertisers ga"
    " JOIN advertisers a ON a.id = ga.advertiser_id"
    " WHERE ga.grant_id = ANY($1) AND ga.revoked_at IS NULL ORDER BY a.name, a.id"
)
_GRANTED_TO_APP = sql(
    "SELECT ga.advertiser_id FROM grant_advertisers ga JOIN grants g ON g.id = ga.grant_id"
    " WHERE g.user_id = $1 AND g.app_id = $2 AND g.revoked_at IS NULL"
    " AND ga.revoked_at IS NULL"
)
_REVOKE_ADVERTISER = sql(
    "UPDATE grant_advertisers SET revoked_at = $3"
    " WHERE grant_id = $1 AND advertiser_id = $2 AND revoked_at IS NULL"
)

# A row per still-granted advertiser (one row with NULL when none is left); no row at all when
# the grant (or the pair) is gone or the token itself was revoked (RFC 7009).
_JTI_NOT_REVOKED = "NOT EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = $2)"
_LIVE_ADVERTISERS = sql(
    "SELECT ga.advertiser_id FROM grants g"
    " LEFT JOIN grant_advertisers ga ON ga.grant_id = g.id AND ga.revoked_at IS NULL"
    f" WHERE g.id = $1 AND g.revoked_at IS NULL AND {_JTI_NOT_REVOKED}"
)
_LIVE_APP_ADVERTISERS = sql(
    "SELECT ga.advertiser_id FROM credentials c"
    " LEFT JOIN grants g ON g.app_id = c.app_id AND g.credential_id IS NULL"
    " AND g.revoked_at IS NULL"
    " LEFT JOIN grant_advertisers ga ON ga.grant_id = g.id AND ga.revoked_at IS NULL"
    f" WHERE c.client_id = $1 AND {_JTI_NOT_REVOKED}"
)
_FORGET_REVOKED_TOKENS = sql("DELETE FROM revoked_access_tokens WHERE expires_at < $1")
_REVOKE_TOKEN = sql(
    "INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2)"
    " ON CONFLICT (jti) DO NOTHING"
)

# One atomic upsert: concurrent failures on any node all land in the same counter. A window
# that started at or before $3 (= now - window) is over: the count starts again at 1.
_RECORD_FAILURE = sql(
    "INSERT INTO client_auth_failures (client_id, window_started_at, failures)"
    " VALUES ($1, $2, 1) ON CONFLICT (client_id) DO UPDATE SET"
    " failures = CASE WHEN client_auth_failures.window_started_at <= $3 THEN 1"
    " ELSE client_auth_failures.failures + 1 END,"
    " window_started_at = CASE WHEN client_auth_failures.window_started_at <= $3 THEN $2"
    " ELSE client_auth_failures.window_started_at END"
    " RETURNING failures, window_started_at"
)


class SqlConsentRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def for_user(self, user_id: int) -> list[GrantSummary]:
        rows = await self._conn.fetch(_USER_GRANTS, user_id)
        granted: dict[str, list[Advertiser]] = defaultdict(list)
        if rows:
            names = await self._conn.fetch(_GRANTED_NAMES, [row["id"] for row in rows])
            for name in names:
                granted[name["grant_id"]].append(Advertiser(name["id"], name["name"]))
        return [
            GrantSummary(
                grant_id=row["id"],
                app_id=row["app_id"],
                app_name=row["app_name"],
                organization_name=row["organization_name"],
                service=row["service"],
                scopes=tuple(row["scopes"].split()),
                advertisers=tuple(granted[row["id"]]),
                created_at=read_time(row["created_at"]),
                last_used_at=read_optional_time(row["last_used_at"]),
                app_level=row["credential_id"] is None,
            )
            for row in rows
        ]

    async def granted_advertisers(self, user_id: int, app_id: int) -> frozenset[int]:
        rows = await self._conn.fetch(_GRANTED_TO_APP, user_id, app_id)
        return frozenset(row[0] for row in rows)

    async def revoke_advertiser(self, grant_id: str, advertiser_id: int, when: datetime) -> bool:
        return await self._conn.execute(_REVOKE_ADVERTISER, grant_id, advertiser_id, when) == 1


class SqlTokenStateRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def _advertisers(self, query: Sql, key: str, token_id: str) -> tuple[int, ...] | None:
        rows = await self._conn.fetch(query, key, token_id)
        if not rows:
            return None  # no live grant (or pair), or the token itself was revoked
        return tuple(sorted({row[0] for row in rows if row[0] is not None}))

    async def live_advertisers(self, grant_id: str, token_id: str) -> tuple[int, ...] | None:
        return await self._advertisers(_LIVE_ADVERTISERS, grant_id, token_id)

    async def live_app_advertisers(self, client_id: str, token_id: str) -> tuple[int, ...] | None:
        return await self._advertisers(_LIVE_APP_ADVERTISERS, client_id, token_id)

    async def revoke_token(self, token_id: str, until: datetime, now: datetime) -> None:
        await self._conn.execute(_FORGET_REVOKED_TOKENS, now)
        await self._conn.execute(_REVOKE_TOKEN, token_id, until)


class SqlClientAuthFailureRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def record(self, client_id: str, now: datetime, window: timedelta) -> FailureWindow:
        row = await self._conn.fetchrow(_RECORD_FAILURE, client_id, now, now - window)
        if row is None:
            raise RuntimeError("the failure counter upsert returned no row")
        return FailureWindow(
            count=int(row["failures"]), started_at=read_time(row["window_started_at"])
        )

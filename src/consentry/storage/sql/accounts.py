"""SQL repositories of sign-up, personal API tokens, sign-in failures and the signed consent links
of client-credentials apps, run as SQL text on the driver (`driver.py`)."""

from __future__ import annotations

from datetime import datetime

from consentry.core.ports.portal import AppGrantRecord, StoredApiToken, StoredConsentLink
from consentry.storage.sql.connection import Connection, read_optional_time, read_time, sql

_ADD_ORGANIZATION = sql("INSERT INTO organizations (name, created_at) VALUES ($1, $2) RETURNING id")
_USER_BY_EMAIL = sql("SELECT id FROM users WHERE email = $1")
_ADD_USER = sql(
    "INSERT INTO users (email, display_name, password_hash, organization_id, created_at)"
    " VALUES ($1, $2, $3, $4, $5) RETURNING id"
)
_ORGANIZATION_NAME = sql("SELECT name FROM organizations WHERE id = $1")

_ADD_API_TOKEN = sql(
    "INSERT INTO portal_api_tokens (user_id, token_hash, label, created_at)"
    " VALUES ($1, $2, $3, $4) RETURNING id"
)
_LIST_API_TOKENS = sql(
    "SELECT id, user_id, label, created_at, last_used_at, revoked_at"
    " FROM portal_api_tokens WHERE user_id = $1 ORDER BY id"
)
_USE_API_TOKEN = sql(
    "UPDATE portal_api_tokens SET last_used_at = $2"
    " WHERE token_hash = $1 AND revoked_at IS NULL RETURNING user_id"
)
_REVOKE_API_TOKEN = sql(
    "UPDATE portal_api_tokens SET revoked_at = $3"
    " WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL"
)

_ADD_LOGIN_FAILURE = sql(
    "INSERT INTO login_failures (account_hash, address_hash, failed_at) VALUES ($1, $2, $3)"
)
_RECENT_LOGIN_FAILURES = sql(
    "SELECT account_hash, address_hash, failed_at FROM login_failures"
    " WHERE failed_at > $3 AND (account_hash = $1 OR address_hash = $2)"
    " ORDER BY failed_at DESC"
)
_FORGET_LOGIN_FAILURES = sql(
    "DELETE FROM login_failures WHERE account_hash = $1 OR failed_at <= $2"
)

_ADD_CONSENT_LINK = sql(
    "INSERT INTO consent_links (app_id, nonce_hash, created_by, created_at, expires_at)"
    " VALUES ($1, $2, $3, $4, $5) RETURNING id"
)
_CONSENT_LINK = sql(
    "SELECT id, app_id, created_at, expires_at, used_at FROM consent_links WHERE nonce_hash = $1"
)
# One conditional UPDATE: of two racing approvals only one matches `used_at IS NULL`.
_CONSUME_CONSENT_LINK = sql(
    "UPDATE consent_links SET used_at = $3, used_by = $2"
    " WHERE nonce_hash = $1 AND used_at IS NULL AND expires_at > $3"
)
# credential_id is NULL: an app-level grant, read by the app's client-credentials tokens.
_ADD_APP_GRANT = sql(
    "INSERT INTO grants (id, user_id, credential_id, app_id, scopes, created_at)"
    " VALUES ($1, $2, NULL, $3, $4, $5)"
)
_ADD_GRANT_ADVERTISER = sql(
    "INSERT INTO grant_advertisers (grant_id, advertiser_id) VALUES ($1, $2)"
)
_LINK_GRANT = sql("UPDATE consent_links SET grant_id = $2 WHERE nonce_hash = $1")


class SqlAccountRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add_organization(self, name: str, now: datetime) -> int:
        return int(await self._conn.fetchval(_ADD_ORGANIZATION, name, now))

    async def add_user(
        self,
        *,
        email: str,
        display_name: str,
        password_hash: str,
        organization_id: int | None,
        now: datetime,
    ) -> int | None:
        # Checked first rather than caught as a constraint violation, which would end the
        # transaction on PostgreSQL; two racing sign-ups still meet the unique constraint (the
        # driver's Conflict: a 500, not a duplicate).
        if await self._conn.fetchval(_USER_BY_EMAIL, email) is not None:
            return None
        user_id = await self._conn.fetchval(
            _ADD_USER, email, display_name, password_hash, organization_id, now
        )
        return int(user_id)

    async def organization_name(self, organization_id: int) -> str | None:
        name = await self._conn.fetchval(_ORGANIZATION_NAME, organization_id)
        return None if name is None else str(name)


class SqlApiTokenRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, user_id: int, token_hash: bytes, label: str, now: datetime) -> int:
        return int(await self._conn.fetchval(_ADD_API_TOKEN, user_id, token_hash, label, now))

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
            for row in await self._conn.fetch(_LIST_API_TOKENS, user_id)
        ]

    async def find_user(self, token_hash: bytes, now: datetime) -> int | None:
        user_id = await self._conn.fetchval(_USE_API_TOKEN, token_hash, now)
        return None if user_id is None else int(user_id)

    async def revoke(self, user_id: int, token_id: int, now: datetime) -> bool:
        return bool(await self._conn.execute(_REVOKE_API_TOKEN, user_id, token_id, now))


class SqlLoginFailureRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, account_hash: bytes, address_hash: bytes, now: datetime) -> None:
        await self._conn.execute(_ADD_LOGIN_FAILURE, account_hash, address_hash, now)

    async def recent(
        self, *, account_hash: bytes, address_hash: bytes, since: datetime
    ) -> tuple[list[datetime], list[datetime]]:
        rows = await self._conn.fetch(_RECENT_LOGIN_FAILURES, account_hash, address_hash, since)
        by_account = [
            read_time(r["failed_at"]) for r in rows if bytes(r["account_hash"]) == account_hash
        ]
        by_address = [
            read_time(r["failed_at"]) for r in rows if bytes(r["address_hash"]) == address_hash
        ]
        return by_account, by_address

    async def forget(self, account_hash: bytes, before: datetime) -> None:
        await self._conn.execute(_FORGET_LOGIN_FAILURES, account_hash, before)


class SqlConsentLinkRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(
        self, app_id: int, nonce_hash: bytes, created_by: int, now: datetime, expires_at: datetime
    ) -> StoredConsentLink:
        link_id = await self._conn.fetchval(
            _ADD_CONSENT_LINK, app_id, nonce_hash, created_by, now, expires_at
        )
        return StoredConsentLink(int(link_id), app_id, now, expires_at)

    async def get(self, nonce_hash: bytes) -> StoredConsentLink | None:
        row = await self._conn.fetchrow(_CONSENT_LINK, nonce_hash)
        if row is None:
            return None
        return StoredConsentLink(
            row["id"],
            row["app_id"],
            read_time(row["created_at"]),
            read_time(row["expires_at"]),
            read_optional_time(row["used_at"]),
        )

    async def consume(self, nonce_hash: bytes, user_id: int, now: datetime) -> bool:
        return await self._conn.execute(_CONSUME_CONSENT_LINK, nonce_hash, user_id, now) == 1

    async def record_grant(self, nonce_hash: bytes, grant: AppGrantRecord) -> None:
        await self._conn.execute(
            _ADD_APP_GRANT,
            grant.id,
            grant.user_id,
            grant.app_id,
            " ".join(grant.scopes),
            grant.created_at,
        )
        await self._conn.executemany(
            _ADD_GRANT_ADVERTISER, [(grant.id, a) for a in grant.advertiser_ids]
        )
        await self._conn.execute(_LINK_GRANT, nonce_hash, grant.id)

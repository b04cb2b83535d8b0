"""The SQL repository of the signed, single-use consent links of client-credentials apps.

Consuming a link is one conditional UPDATE (`used_at IS NULL`), so of two racing approvals only
one wins; the winner records the app-level grant it approved (`credential_id` NULL, read by the
app's client-credentials tokens) and links it to the link.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, null, select, update

from consentry.core.ports.portal import AppGrantRecord, StoredConsentLink
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, read_optional_time, read_time
from consentry.storage.sql.statements import Statement, parameter

consent_links = schema.table(schema.ConsentLink)
grants = schema.table(schema.Grant)
grant_advertisers = schema.table(schema.GrantAdvertiser)

_BY_NONCE = consent_links.c.nonce_hash == parameter("nonce_hash", consent_links.c.nonce_hash)
_ADD = Statement(
    insert(consent_links)
    .values(
        app_id=parameter("app_id", consent_links.c.app_id),
        nonce_hash=parameter("nonce_hash", consent_links.c.nonce_hash),
        created_by=parameter("created_by", consent_links.c.created_by),
        created_at=parameter("created_at", consent_links.c.created_at),
        expires_at=parameter("expires_at", consent_links.c.expires_at),
    )
    .returning(consent_links.c.id)
)
_GET = Statement(
    select(
        consent_links.c.id,
        consent_links.c.app_id,
        consent_links.c.created_at,
        consent_links.c.expires_at,
        consent_links.c.used_at,
    ).where(_BY_NONCE)
)
# Of two racing approvals only one matches `used_at IS NULL`.
_CONSUME = Statement(
    update(consent_links)
    .where(
        _BY_NONCE,
        consent_links.c.used_at.is_(None),
        consent_links.c.expires_at > parameter("now", consent_links.c.expires_at),
    )
    .values(
        used_at=parameter("now", consent_links.c.used_at),
        used_by=parameter("user_id", consent_links.c.used_by),
    )
)
# credential_id is NULL: an app-level grant, read by the app's client-credentials tokens.
_ADD_APP_GRANT = Statement(
    insert(grants).values(
        id=parameter("grant_id", grants.c.id),
        user_id=parameter("user_id", grants.c.user_id),
        credential_id=null(),
        app_id=parameter("app_id", grants.c.app_id),
        scopes=parameter("scopes", grants.c.scopes),
        created_at=parameter("created_at", grants.c.created_at),
    )
)
_ADD_GRANT_ADVERTISER = Statement(
    insert(grant_advertisers).values(
        grant_id=parameter("grant_id", grant_advertisers.c.grant_id),
        advertiser_id=parameter("advertiser_id", grant_advertisers.c.advertiser_id),
    )
)
_LINK_GRANT = Statement(
    update(consent_links)
    .where(_BY_NONCE)
    .values(grant_id=parameter("grant_id", consent_links.c.grant_id))
)


class SqlConsentLinkRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(
        self, app_id: int, nonce_hash: bytes, created_by: int, now: datetime, expires_at: datetime
    ) -> StoredConsentLink:
        link_id = await self._conn.fetchval(
            _ADD,
            app_id=app_id,
            nonce_hash=nonce_hash,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
        return StoredConsentLink(int(link_id), app_id, now, expires_at)

    async def get(self, nonce_hash: bytes) -> StoredConsentLink | None:
        row = await self._conn.fetchrow(_GET, nonce_hash=nonce_hash)
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
        consumed = await self._conn.execute(
            _CONSUME, nonce_hash=nonce_hash, user_id=user_id, now=now
        )
        return consumed == 1

    async def record_grant(self, nonce_hash: bytes, grant: AppGrantRecord) -> None:
        await self._conn.execute(
            _ADD_APP_GRANT,
            grant_id=grant.id,
            user_id=grant.user_id,
            app_id=grant.app_id,
            scopes=" ".join(grant.scopes),
            created_at=grant.created_at,
        )
        await self._conn.executemany(
            _ADD_GRANT_ADVERTISER,
            [{"grant_id": grant.id, "advertiser_id": a} for a in grant.advertiser_ids],
        )
        await self._conn.execute(_LINK_GRANT, nonce_hash=nonce_hash, grant_id=grant.id)

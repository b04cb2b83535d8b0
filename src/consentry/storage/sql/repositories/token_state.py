"""The SQL repository of access tokens' live state, checked on every partner-API request.

The check is one indexed query: the grant (or, for a client-credentials token, the credential
pair's app-level grants), the advertisers still granted under it and the token's own `jti`
(not revoked, RFC 7009) together. Revoking a token notes its `jti` until it would expire anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, literal_column, select

from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, Row
from consentry.storage.sql.repositories.grant_rows import (
    grant_advertisers,
    grants,
    still_granted,
)
from consentry.storage.sql.statements import Statement, insert_for, parameter

credentials = schema.table(schema.Credential)
revoked_tokens = schema.table(schema.RevokedAccessToken)


def token_not_revoked() -> ColumnElement[bool]:
    """The access token passed as `token_id` is not among the revoked ones."""
    revoked = revoked_tokens.c.jti == parameter("token_id", revoked_tokens.c.jti)
    return ~select(literal_column("1")).where(revoked).exists()


# A row per still-granted advertiser (one row with NULL when none is left); no row at all when
# the grant (or the pair) is gone or the token itself was revoked (RFC 7009).
_LIVE_ADVERTISERS = Statement(
    select(grant_advertisers.c.advertiser_id)
    .select_from(grants.outerjoin(grant_advertisers, still_granted(grants)))
    .where(
        grants.c.id == parameter("grant_id", grants.c.id),
        grants.c.revoked_at.is_(None),
        token_not_revoked(),
    )
)
# The join condition to the live app-level grants of a credential pair's app.
APP_LEVEL_GRANT = and_(
    grants.c.app_id == credentials.c.app_id,
    grants.c.credential_id.is_(None),
    grants.c.revoked_at.is_(None),
)
_LIVE_APP_ADVERTISERS = Statement(
    select(grant_advertisers.c.advertiser_id)
    .select_from(
        credentials.outerjoin(grants, APP_LEVEL_GRANT).outerjoin(
            grant_advertisers, still_granted(grants)
        )
    )
    .where(
        credentials.c.client_id == parameter("client_id", credentials.c.client_id),
        token_not_revoked(),
    )
)
_FORGET_REVOKED_TOKENS = Statement(
    delete(revoked_tokens).where(
        revoked_tokens.c.expires_at < parameter("now", revoked_tokens.c.expires_at)
    )
)
_REVOKE_TOKEN = Statement(
    lambda dialect: (
        insert_for(dialect)(revoked_tokens)
        .values(
            jti=parameter("jti", revoked_tokens.c.jti),
            expires_at=parameter("expires_at", revoked_tokens.c.expires_at),
        )
        .on_conflict_do_nothing(index_elements=[revoked_tokens.c.jti])
    )
)


def _live(rows: Sequence[Row]) -> tuple[int, ...] | None:
    if not rows:
        return None  # no live grant (or pair), or the token itself was revoked
    return tuple(sorted({row[0] for row in rows if row[0] is not None}))


class SqlTokenStateRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def live_advertisers(self, grant_id: str, token_id: str) -> tuple[int, ...] | None:
        rows = await self._conn.fetch(_LIVE_ADVERTISERS, grant_id=grant_id, token_id=token_id)
        return _live(rows)

    async def live_app_advertisers(self, client_id: str, token_id: str) -> tuple[int, ...] | None:
        rows = await self._conn.fetch(_LIVE_APP_ADVERTISERS, client_id=client_id, token_id=token_id)
        return _live(rows)

    async def revoke_token(self, token_id: str, until: datetime, now: datetime) -> None:
        await self._conn.execute(_FORGET_REVOKED_TOKENS, now=now)
        await self._conn.execute(_REVOKE_TOKEN, jti=token_id, expires_at=until)

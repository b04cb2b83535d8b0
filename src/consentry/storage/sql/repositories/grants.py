"""The SQL repository of grants: consents given, with the advertisers they cover.

A grant is stored as one row and one row per advertiser; it is read back in one query, one row
per still-granted advertiser, folded by `grant_rows.grants_from_rows`. App-level grants (of a
client-credentials consent link) have no credential pair; the node keeps each app's for up to a
second (`app_grant_cache.py`), read on every `client_credentials` request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from consentry.core import model
from consentry.storage.sql.app_grant_cache import AppGrantCache
from consentry.storage.sql.connection import Connection
from consentry.storage.sql.repositories.grant_rows import (
    grant_advertisers,
    grant_columns,
    grants,
    grants_from_rows,
    still_granted,
)
from consentry.storage.sql.statements import Statement, parameter

_ADD = Statement(
    insert(grants).values(
        id=parameter("id", grants.c.id),
        user_id=parameter("user_id", grants.c.user_id),
        credential_id=parameter("credential_id", grants.c.credential_id),
        app_id=parameter("app_id", grants.c.app_id),
        scopes=parameter("scopes", grants.c.scopes),
        created_at=parameter("created_at", grants.c.created_at),
        revoked_at=parameter("revoked_at", grants.c.revoked_at),
    )
)
_ADD_ADVERTISER = Statement(
    insert(grant_advertisers).values(
        grant_id=parameter("grant_id", grant_advertisers.c.grant_id),
        advertiser_id=parameter("advertiser_id", grant_advertisers.c.advertiser_id),
    )
)
_WITH_ADVERTISERS = select(*grant_columns(grants)).select_from(
    grants.outerjoin(grant_advertisers, still_granted(grants))
)
_BY_ID = grants.c.id == parameter("grant_id", grants.c.id)
_GET = Statement(_WITH_ADVERTISERS.where(_BY_ID).order_by(grant_advertisers.c.advertiser_id))
_APP_LEVEL = Statement(
    _WITH_ADVERTISERS.where(
        grants.c.app_id == parameter("app_id", grants.c.app_id),
        grants.c.credential_id.is_(None),
        grants.c.revoked_at.is_(None),
    ).order_by(grants.c.created_at, grants.c.id, grant_advertisers.c.advertiser_id)
)
_REVOKE = Statement(
    update(grants)
    .where(_BY_ID, grants.c.revoked_at.is_(None))
    .values(revoked_at=parameter("when", grants.c.revoked_at))
)
_TOUCH = Statement(
    update(grants).where(_BY_ID).values(last_used_at=parameter("when", grants.c.last_used_at))
)


class SqlGrantRepository:
    def __init__(self, conn: Connection, app_grants: AppGrantCache | None = None) -> None:
        self._conn = conn
        self._app_grants = app_grants

    async def add(self, grant: model.Grant) -> None:
        await self._conn.execute(
            _ADD,
            id=grant.id,
            user_id=grant.user_id,
            credential_id=grant.credential_id,
            app_id=grant.app_id,
            scopes=" ".join(grant.scopes),
            created_at=grant.created_at,
            revoked_at=grant.revoked_at,
        )
        await self._conn.executemany(
            _ADD_ADVERTISER,
            [{"grant_id": grant.id, "advertiser_id": a} for a in grant.advertiser_ids],
        )

    async def get(self, grant_id: str) -> model.Grant | None:
        found = grants_from_rows(await self._conn.fetch(_GET, grant_id=grant_id))
        return found[0] if found else None

    async def revoke(self, grant_id: str, when: datetime) -> None:
        await self._conn.execute(_REVOKE, grant_id=grant_id, when=when)

    async def touch(self, grant_id: str, when: datetime) -> None:
        await self._conn.execute(_TOUCH, grant_id=grant_id, when=when)

    async def app_level(self, app_id: int) -> list[model.Grant]:
        cache = self._app_grants
        if cache is None or self._conn.writing:  # its own writes are not for the memory
            return grants_from_rows(await self._conn.fetch(_APP_LEVEL, app_id=app_id))
        kept = cache.get(app_id)
        if kept is not None:
            return list(kept)
        seen = cache.generation
        found = grants_from_rows(await self._conn.fetch(_APP_LEVEL, app_id=app_id))
        cache.put(app_id, tuple(found), seen=seen)
        return found

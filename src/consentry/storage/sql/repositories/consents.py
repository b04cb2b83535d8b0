"""The SQL repository of the consent dashboard: a user's live grants, with their apps, the
advertisers still granted under each and when each grant was last used; taking one advertiser
back from a grant.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update

from consentry.core.model import Advertiser
from consentry.core.ports.grants import GrantSummary
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, read_optional_time, read_time
from consentry.storage.sql.repositories.grant_rows import grant_advertisers, grants
from consentry.storage.sql.statements import Dialect, Statement, among, parameter

apps = schema.table(schema.App)
organizations = schema.table(schema.Organization)
advertisers = schema.table(schema.Advertiser)
refresh_tokens = schema.table(schema.RefreshToken)


def _last_used(dialect: Dialect) -> ColumnElement[Any]:
    """When a token was last issued under the grant: its newest refresh token, or the time noted
    on the grant itself (client-credentials tokens, whose grants have no refresh token)."""
    noted = grants.c.last_used_at
    newest = (
        select(func.max(refresh_tokens.c.created_at))
        .where(refresh_tokens.c.grant_id == grants.c.id)
        .scalar_subquery()
    )
    if dialect is Dialect.POSTGRESQL:
        return func.greatest(noted, newest)
    # SQLite's two-argument max() is NULL when either is; timestamps compare as ISO text.
    return func.max(func.coalesce(noted, newest), func.coalesce(newest, noted))


def _user_grants(dialect: Dialect) -> Select[Any]:
    return (
        select(
            grants.c.id,
            grants.c.app_id,
            grants.c.scopes,
            grants.c.credential_id,
            grants.c.created_at,
            _last_used(dialect).label("last_used_at"),
            apps.c.name.label("app_name"),
            apps.c.service,
            organizations.c.name.label("organization_name"),
        )
        .select_from(
            grants.join(apps, apps.c.id == grants.c.app_id).join(
                organizations, organizations.c.id == apps.c.organization_id
            )
        )
        .where(
            grants.c.user_id == parameter("user_id", grants.c.user_id),
            grants.c.revoked_at.is_(None),
        )
        .order_by(grants.c.created_at.desc(), grants.c.id)
    )


_USER_GRANTS = Statement(_user_grants)
_GRANTED_NAMES = Statement(
    select(grant_advertisers.c.grant_id, advertisers.c.id, advertisers.c.name)
    .select_from(
        grant_advertisers.join(advertisers, advertisers.c.id == grant_advertisers.c.advertiser_id)
    )
    .where(
        among(grant_advertisers.c.grant_id, "grant_ids"), grant_advertisers.c.revoked_at.is_(None)
    )
    .order_by(advertisers.c.name, advertisers.c.id)
)
_GRANTED_TO_APP = Statement(
    select(grant_advertisers.c.advertiser_id)
    .select_from(grant_advertisers.join(grants, grants.c.id == grant_advertisers.c.grant_id))
    .where(
        grants.c.user_id == parameter("user_id", grants.c.user_id),
        grants.c.app_id == parameter("app_id", grants.c.app_id),
        grants.c.revoked_at.is_(None),
        grant_advertisers.c.revoked_at.is_(None),
    )
)
_REVOKE_ADVERTISER = Statement(
    update(grant_advertisers)
    .where(
        grant_advertisers.c.grant_id == parameter("grant_id", grant_advertisers.c.grant_id),
        grant_advertisers.c.advertiser_id
        == parameter("advertiser_id", grant_advertisers.c.advertiser_id),
        grant_advertisers.c.revoked_at.is_(None),
    )
    .values(revoked_at=parameter("when", grant_advertisers.c.revoked_at))
)


class SqlConsentRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def for_user(self, user_id: int) -> list[GrantSummary]:
        rows = await self._conn.fetch(_USER_GRANTS, user_id=user_id)
        granted: dict[str, list[Advertiser]] = defaultdict(list)
        if rows:
            names = await self._conn.fetch(_GRANTED_NAMES, grant_ids=[row["id"] for row in rows])
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
        rows = await self._conn.fetch(_GRANTED_TO_APP, user_id=user_id, app_id=app_id)
        return frozenset(row[0] for row in rows)

    async def revoke_advertiser(self, grant_id: str, advertiser_id: int, when: datetime) -> bool:
        changed = await self._conn.execute(
            _REVOKE_ADVERTISER, grant_id=grant_id, advertiser_id=advertiser_id, when=when
        )
        return changed == 1

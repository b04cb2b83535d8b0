"""SQL repositories of the security features: the consent dashboard's queries, the per-request
token check (one indexed query: grant, advertisers and revoked `jti` together), and the shared
counters of failed client authentication.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.core.model import Advertiser
from consentry.storage.repositories import FailureWindow, GrantSummary
from consentry.storage.sql import tables as t

apps = cast(Table, t.App.__table__)
organizations = cast(Table, t.Organization.__table__)
credentials = cast(Table, t.Credential.__table__)
advertisers = cast(Table, t.Advertiser.__table__)
grants = cast(Table, t.Grant.__table__)
grant_advertisers = cast(Table, t.GrantAdvertiser.__table__)
revoked_tokens = cast(Table, t.RevokedAccessToken.__table__)
auth_failures = cast(Table, t.ClientAuthFailure.__table__)


def dialect_insert(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT on both supported backends."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


class SqlConsentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def for_user(self, user_id: int) -> list[GrantSummary]:
        query = (
            select(
                grants.c.id,
                grants.c.app_id,
                grants.c.scopes,
                grants.c.credential_id,
                grants.c.created_at,
                grants.c.last_used_at,
                apps.c.name.label("app_name"),
                apps.c.service,
                organizations.c.name.label("organization_name"),
            )
            .join(apps, apps.c.id == grants.c.app_id)
            .join(organizations, organizations.c.id == apps.c.organization_id)
            .where(grants.c.user_id == user_id, grants.c.revoked_at.is_(None))
            .order_by(grants.c.created_at.desc(), grants.c.id)
        )
        rows = list(await self._conn.execute(query))
        granted: dict[str, list[Advertiser]] = defaultdict(list)
        if rows:
            names = await self._conn.execute(
                select(grant_advertisers.c.grant_id, advertisers.c.id, advertisers.c.name)
                .join(advertisers, advertisers.c.id == grant_advertisers.c.advertiser_id)
                .where(
                    grant_advertisers.c.grant_id.in_([row.id for row in rows]),
                    grant_advertisers.c.revoked_at.is_(None),
                )
                .order_by(advertisers.c.name, advertisers.c.id)
            )
            for grant_id, advertiser_id, name in names:
                granted[grant_id].append(Advertiser(advertiser_id, name))
        return [
            GrantSummary(
                grant_id=row.id,
                app_id=row.app_id,
                app_name=row.app_name,
                organization_name=row.organization_name,
                service=row.service,
                scopes=tuple(row.scopes.split()),
                advertisers=tuple(granted[row.id]),
                created_at=row.created_at,
                last_used_at=row.last_used_at,
                app_level=row.credential_id is None,
            )
            for row in rows
        ]

    async def granted_advertisers(self, user_id: int, app_id: int) -> frozenset[int]:
        query = (
            select(grant_advertisers.c.advertiser_id)
            .join(grants, grants.c.id == grant_advertisers.c.grant_id)
            .where(
                grants.c.user_id == user_id,
                grants.c.app_id == app_id,
                grants.c.revoked_at.is_(None),
                grant_advertisers.c.revoked_at.is_(None),
            )
        )
        return frozenset(await self._conn.scalars(query))

    async def revoke_advertiser(self, grant_id: str, advertiser_id: int, when: datetime) -> bool:
        result = await self._conn.execute(
            update(grant_advertisers)
            .where(
                grant_advertisers.c.grant_id == grant_id,
                grant_advertisers.c.advertiser_id == advertiser_id,
                grant_advertisers.c.revoked_at.is_(None),
            )
            .values(revoked_at=when)
        )
        return bool(result.rowcount == 1)


class SqlTokenStateRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    @staticmethod
    def _not_revoked(token_id: str) -> Any:
        return ~select(revoked_tokens.c.jti).where(revoked_tokens.c.jti == token_id).exists()

    async def _advertisers(self, query: Any) -> tuple[int, ...] | None:
        rows = list(await self._conn.scalars(query))
        if not rows:
            return None  # no live grant (or pair), or the token itself was revoked
        return tuple(sorted({a for a in rows if a is not None}))

    async def live_advertisers(self, grant_id: str, token_id: str) -> tuple[int, ...] | None:
        joined = grants.outerjoin(
            grant_advertisers,
            and_(
                grant_advertisers.c.grant_id == grants.c.id,
                grant_advertisers.c.revoked_at.is_(None),
            ),
        )
        return await self._advertisers(
            select(grant_advertisers.c.advertiser_id)
            .select_from(joined)
            .where(
                grants.c.id == grant_id,
                grants.c.revoked_at.is_(None),
                self._not_revoked(token_id),
            )
        )

    async def live_app_advertisers(self, client_id: str, token_id: str) -> tuple[int, ...] | None:
        joined = credentials.outerjoin(
            grants,
            and_(
                grants.c.app_id == credentials.c.app_id,
                grants.c.credential_id.is_(None),
                grants.c.revoked_at.is_(None),
            ),
        ).outerjoin(
            grant_advertisers,
            and_(
                grant_advertisers.c.grant_id == grants.c.id,
                grant_advertisers.c.revoked_at.is_(None),
            ),
        )
        return await self._advertisers(
            select(grant_advertisers.c.advertiser_id)
            .select_from(joined)
            .where(credentials.c.client_id == client_id, self._not_revoked(token_id))
        )

    async def revoke_token(self, token_id: str, until: datetime, now: datetime) -> None:
        await self._conn.execute(delete(revoked_tokens).where(revoked_tokens.c.expires_at < now))
        await self._conn.execute(
            dialect_insert(self._conn, revoked_tokens)
            .values(jti=token_id, expires_at=until)
            .on_conflict_do_nothing(index_elements=[revoked_tokens.c.jti])
        )


class SqlClientAuthFailureRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(self, client_id: str, now: datetime, window: timedelta) -> FailureWindow:
        # One atomic upsert: concurrent failures on any node all land in the same counter.
        at = bindparam("now", now, type_=t.Timestamp)
        window_over = auth_failures.c.window_started_at <= bindparam(
            "window_start", now - window, type_=t.Timestamp
        )
        statement = (
            dialect_insert(self._conn, auth_failures)
            .values(client_id=client_id, window_started_at=now, failures=1)
            .on_conflict_do_update(
                index_elements=[auth_failures.c.client_id],
                set_={
                    "failures": case((window_over, 1), else_=auth_failures.c.failures + 1),
                    "window_started_at": case(
                        (window_over, at), else_=auth_failures.c.window_started_at
                    ),
                },
            )
            .returning(auth_failures.c.failures, auth_failures.c.window_started_at)
        )
        row = (await self._conn.execute(statement)).one()
        return FailureWindow(count=int(row.failures), started_at=row.window_started_at)

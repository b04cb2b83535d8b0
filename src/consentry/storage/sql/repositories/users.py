"""The SQL repository of users as the OAuth flows read them: who they are, whose advertisers.

A user by id or by (normalized) email, the user's portfolio of advertisers with a role on each,
and advertisers by id (one query for a list of ids).
"""

from __future__ import annotations

from sqlalchemy import select

from consentry.core import model
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, Row
from consentry.storage.sql.statements import Statement, among, parameter

users = schema.table(schema.User)
advertisers = schema.table(schema.Advertiser)
portfolio_entries = schema.table(schema.PortfolioEntry)

_USER_COLUMNS = (
    users.c.id,
    users.c.email,
    users.c.display_name,
    users.c.password_hash,
    users.c.organization_id,
)
_USER = Statement(select(*_USER_COLUMNS).where(users.c.id == parameter("user_id", users.c.id)))
_USER_BY_EMAIL = Statement(
    select(*_USER_COLUMNS).where(users.c.email == parameter("email", users.c.email))
)
_PORTFOLIO = Statement(
    select(advertisers.c.id, advertisers.c.name, portfolio_entries.c.role)
    .select_from(
        advertisers.join(portfolio_entries, portfolio_entries.c.advertiser_id == advertisers.c.id)
    )
    .where(portfolio_entries.c.user_id == parameter("user_id", portfolio_entries.c.user_id))
    .order_by(advertisers.c.name, advertisers.c.id)
)
_ADVERTISERS = Statement(
    select(advertisers.c.id, advertisers.c.name)
    .where(among(advertisers.c.id, "advertiser_ids"))
    .order_by(advertisers.c.id)
)


def _user(row: Row) -> model.User:
    return model.User(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        password_hash=row["password_hash"],
        organization_id=row["organization_id"],
    )


class SqlUserRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def get(self, user_id: int) -> model.User | None:
        row = await self._conn.fetchrow(_USER, user_id=user_id)
        return _user(row) if row else None

    async def get_by_email(self, email: str) -> model.User | None:
        row = await self._conn.fetchrow(_USER_BY_EMAIL, email=email.strip().lower())
        return _user(row) if row else None

    async def portfolio(self, user_id: int) -> list[model.PortfolioEntry]:
        return [
            model.PortfolioEntry(model.Advertiser(row["id"], row["name"]), model.Role(row["role"]))
            for row in await self._conn.fetch(_PORTFOLIO, user_id=user_id)
        ]

    async def advertisers(self, advertiser_ids: tuple[int, ...]) -> list[model.Advertiser]:
        if not advertiser_ids:
            return []
        rows = await self._conn.fetch(_ADVERTISERS, advertiser_ids=list(advertiser_ids))
        return [model.Advertiser(row["id"], row["name"]) for row in rows]

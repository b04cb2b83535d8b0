"""The SQL repository of sign-up: organizations and the users who sign up into them.

A sign-up checks the e-mail address before it inserts, rather than catching the unique
constraint, which would end the transaction on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection
from consentry.storage.sql.statements import Statement, parameter

organizations = schema.table(schema.Organization)
users = schema.table(schema.User)

_ADD_ORGANIZATION = Statement(
    insert(organizations)
    .values(
        name=parameter("name", organizations.c.name),
        created_at=parameter("created_at", organizations.c.created_at),
    )
    .returning(organizations.c.id)
)
_USER_BY_EMAIL = Statement(
    select(users.c.id).where(users.c.email == parameter("email", users.c.email))
)
_ADD_USER = Statement(
    insert(users)
    .values(
        email=parameter("email", users.c.email),
        display_name=parameter("display_name", users.c.display_name),
        password_hash=parameter("password_hash", users.c.password_hash),
        organization_id=parameter("organization_id", users.c.organization_id),
        created_at=parameter("created_at", users.c.created_at),
    )
    .returning(users.c.id)
)
_ORGANIZATION_NAME = Statement(
    select(organizations.c.name).where(
        organizations.c.id == parameter("organization_id", organizations.c.id)
    )
)


class SqlAccountRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add_organization(self, name: str, now: datetime) -> int:
        return int(await self._conn.fetchval(_ADD_ORGANIZATION, name=name, created_at=now))

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
        if await self._conn.fetchval(_USER_BY_EMAIL, email=email) is not None:
            return None
        user_id = await self._conn.fetchval(
            _ADD_USER,
            email=email,
            display_name=display_name,
            password_hash=password_hash,
            organization_id=organization_id,
            created_at=now,
        )
        return int(user_id)

    async def organization_name(self, organization_id: int) -> str | None:
        name = await self._conn.fetchval(_ORGANIZATION_NAME, organization_id=organization_id)
        return None if name is None else str(name)

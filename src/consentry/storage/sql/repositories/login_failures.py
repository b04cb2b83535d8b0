"""The SQL repository of failed sign-ins, counted per account and per client address.

Both are kept as keyed hashes; one query reads the recent failures of either, and a successful
sign-in forgets the account's failures together with every failure older than the window.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, or_, select

from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, read_time
from consentry.storage.sql.statements import Statement, parameter

login_failures = schema.table(schema.LoginFailure)

# `inline()`: no implicit `RETURNING id` on PostgreSQL, whose dialect would add it for the
# generated primary key.
_ADD = Statement(
    insert(login_failures)
    .inline()
    .values(
        account_hash=parameter("account_hash", login_failures.c.account_hash),
        address_hash=parameter("address_hash", login_failures.c.address_hash),
        failed_at=parameter("failed_at", login_failures.c.failed_at),
    )
)
_RECENT = Statement(
    select(login_failures.c.account_hash, login_failures.c.address_hash, login_failures.c.failed_at)
    .where(
        login_failures.c.failed_at > parameter("since", login_failures.c.failed_at),
        or_(
            login_failures.c.account_hash
            == parameter("account_hash", login_failures.c.account_hash),
            login_failures.c.address_hash
            == parameter("address_hash", login_failures.c.address_hash),
        ),
    )
    .order_by(login_failures.c.failed_at.desc())
)
_FORGET = Statement(
    delete(login_failures).where(
        or_(
            login_failures.c.account_hash
            == parameter("account_hash", login_failures.c.account_hash),
            login_failures.c.failed_at <= parameter("before", login_failures.c.failed_at),
        )
    )
)


class SqlLoginFailureRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, account_hash: bytes, address_hash: bytes, now: datetime) -> None:
        await self._conn.execute(
            _ADD, account_hash=account_hash, address_hash=address_hash, failed_at=now
        )

    async def recent(
        self, *, account_hash: bytes, address_hash: bytes, since: datetime
    ) -> tuple[list[datetime], list[datetime]]:
        rows = await self._conn.fetch(
            _RECENT, account_hash=account_hash, address_hash=address_hash, since=since
        )
        by_account = [
            read_time(r["failed_at"]) for r in rows if bytes(r["account_hash"]) == account_hash
        ]
        by_address = [
            read_time(r["failed_at"]) for r in rows if bytes(r["address_hash"]) == address_hash
        ]
        return by_account, by_address

    async def forget(self, account_hash: bytes, before: datetime) -> None:
        await self._conn.execute(_FORGET, account_hash=account_hash, before=before)

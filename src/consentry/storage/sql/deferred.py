"""A unit of work's connection, taken from the database at its first statement.

A request whose lookups are all answered from the node's memories of recent reads (a warm
`client_credentials` request: `client_cache.py`, `app_grant_cache.py`) then never touches the
pool: no checkout, no wait for a free connection behind requests that need one. Everything else
is the driver's connection: the first statement takes it, and the unit of work commits,
rolls back and hands back only what was taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from consentry.storage.sql.connection import Connection, Database, Lease, Row
from consentry.storage.sql.statements import Dialect, Statement


class DeferredConnection:
    """A `Connection` that acquires its lease on the first statement (see the module docstring)."""

    def __init__(
        self,
        database: Database,
        *,
        read_only: bool,
        autocommit: bool,
        relaxed: bool,
        standalone_writes: bool,
    ) -> None:
        self._database = database
        self._options = {
            "read_only": read_only,
            "autocommit": autocommit,
            "relaxed": relaxed,
            "standalone_writes": standalone_writes,
        }
        self.lease: Lease | None = None
        self._taken: Connection | None = None

    async def _connection(self) -> Connection:
        taken = self._taken
        if taken is None:
            self.lease = await self._database.acquire(**self._options)
            taken = self._taken = self.lease.connection
        return taken

    @property
    def dialect(self) -> Dialect:
        return self._database.dialect

    @property
    def writing(self) -> bool:
        return self._taken is not None and self._taken.writing

    async def fetch(self, statement: Statement, **values: object) -> Sequence[Row]:
        return await (await self._connection()).fetch(statement, **values)

    async def fetchrow(self, statement: Statement, **values: object) -> Row | None:
        return await (await self._connection()).fetchrow(statement, **values)

    async def fetchval(self, statement: Statement, **values: object) -> Any:
        return await (await self._connection()).fetchval(statement, **values)

    async def execute(self, statement: Statement, **values: object) -> int:
        return await (await self._connection()).execute(statement, **values)

    async def executemany(self, statement: Statement, rows: Sequence[Mapping[str, object]]) -> None:
        await (await self._connection()).executemany(statement, rows)

    async def commit(self) -> None:
        if self._taken is not None:
            await self._taken.commit()

    async def rollback(self) -> None:
        if self._taken is not None:
            await self._taken.rollback()

"""A unit of work takes its connection at its first statement (storage/sql/deferred.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import literal_column, select

from consentry.storage.sql.connection import Database, Lease, WriteWatcher
from consentry.storage.sql.database import open_database
from consentry.storage.sql.statements import Dialect, Statement
from consentry.storage.sql.unit_of_work import SqlUnitOfWork

_ONE = Statement(select(literal_column("1")))


class CountingDatabase:
    """The suite's database, counting checkouts."""

    def __init__(self, inner: Database) -> None:
        self._inner = inner
        self.checkouts = 0

    @property
    def dialect(self) -> Dialect:
        return self._inner.dialect

    async def acquire(
        self, *, read_only: bool, autocommit: bool, relaxed: bool, standalone_writes: bool = False
    ) -> Lease:
        self.checkouts += 1
        return await self._inner.acquire(
            read_only=read_only,
            autocommit=autocommit,
            relaxed=relaxed,
            standalone_writes=standalone_writes,
        )

    def watch_writes(self, watcher: WriteWatcher) -> None:
        self._inner.watch_writes(watcher)

    async def close(self) -> None:
        await self._inner.close()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[CountingDatabase]:
    counting = CountingDatabase(open_database(database_url))
    yield counting
    await counting.close()


async def test_a_unit_of_work_without_statements_takes_no_connection(
    database: CountingDatabase,
) -> None:
    async with SqlUnitOfWork(database) as uow:
        assert uow.connection.dialect is database.dialect
        assert not uow.connection.writing
    assert database.checkouts == 0


async def test_the_first_statement_takes_the_one_connection_of_the_unit_of_work(
    database: CountingDatabase,
) -> None:
    async with SqlUnitOfWork(database) as uow:
        assert await uow.connection.fetchval(_ONE) == 1
        assert await uow.connection.fetchval(_ONE) == 1
    assert database.checkouts == 1


async def test_a_failure_before_any_statement_leaves_nothing_to_roll_back(
    database: CountingDatabase,
) -> None:
    with pytest.raises(RuntimeError):
        async with SqlUnitOfWork(database):
            raise RuntimeError("before any statement")
    assert database.checkouts == 0

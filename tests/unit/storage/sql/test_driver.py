"""The drivers (sqlite.py, postgres.py) under a unit of work, on the suite's database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, insert, select, update

from consentry.storage.errors import Conflict
from consentry.storage.sql import schema
from consentry.storage.sql.connection import (
    Database,
    Dialect,
    ReadOnlyViolation,
    read_optional_time,
    read_time,
    sqlite_time,
)
from consentry.storage.sql.database import open_database
from consentry.storage.sql.statements import Statement, among, parameter
from consentry.storage.sql.unit_of_work import SqlUnitOfWork

_counters = schema.table(schema.RateLimitCounter)
_KEY = parameter("key", _counters.c.key)
_WINDOW = parameter("window_start", _counters.c.window_start)
_COUNT = Statement(insert(_counters).values(key=_KEY, window_start=_WINDOW, count=1))
_STANDALONE_COUNT = Statement(
    insert(_counters).values(key=_KEY, window_start=_WINDOW, count=1), standalone=True
)
_COUNTED = Statement(
    select(_counters.c.count).where(_counters.c.key == _KEY, _counters.c.window_start == _WINDOW)
)
_KEYS = Statement(
    select(_counters.c.key).where(among(_counters.c.key, "keys")).order_by(_counters.c.key)
)
_COUNT_BY_NAME = Statement(
    insert(_counters).values(
        key=_KEY, window_start=_WINDOW, count=parameter("count", _counters.c.count)
    )
)
_LOCKED = Statement(select(_counters.c.count).where(_counters.c.key == _KEY).with_for_update())


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = open_database(database_url)
    yield opened
    await opened.close()


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        pytest.param(_COUNTED, False, id="select"),
        pytest.param(_LOCKED, True, id="locking-read"),
        pytest.param(_COUNT, True, id="insert"),
        pytest.param(Statement(update(_counters).values(count=2)), True, id="update"),
        pytest.param(Statement(delete(_counters)), True, id="delete"),
        pytest.param(Statement(select(_counters.c.key), writes=True), True, id="declared"),
    ],
)
@pytest.mark.parametrize("dialect", list(Dialect))
def test_statements_that_need_the_write_transaction(
    statement: Statement, writes: bool, dialect: Dialect
) -> None:
    assert statement.compiled(dialect).writes is writes


def test_timestamps_round_trip_as_sqlite_stores_them() -> None:
    moment = datetime(2027, 1, 15, 12, 0, 5, 7, tzinfo=UTC)
    stored = sqlite_time(moment.astimezone(timezone(timedelta(hours=2))))
    assert stored == "2027-01-15 12:00:05.000007"
    assert read_time(stored) == moment
    assert read_time(moment.replace(tzinfo=None)) == moment
    assert read_optional_time(None) is None
    with pytest.raises(ValueError, match="naive"):
        sqlite_time(moment.replace(tzinfo=None))
    with pytest.raises(TypeError):
        read_time(12)


async def test_a_unit_of_work_that_only_reads_opens_no_transaction(database: Database) -> None:
    async with SqlUnitOfWork(database) as uow:
        assert await uow.connection.fetchval(_COUNTED, key="nobody", window_start=0) is None
        assert await uow.connection.fetch(_KEYS, keys=["a", "b"]) == []


async def test_lists_bind_to_any_on_both_backends(database: Database) -> None:
    async with SqlUnitOfWork(database) as uow:
        for key in ("a", "b", "c"):
            await uow.connection.execute(_COUNT, key=key, window_start=0)
    async with SqlUnitOfWork(database, read_only=True) as uow:
        rows = await uow.connection.fetch(_KEYS, keys=["c", "a", "zz"])
    assert [row["key"] for row in rows] == ["a", "c"]


async def test_many_rows_of_named_values_on_both_backends(database: Database) -> None:
    async with SqlUnitOfWork(database) as uow:
        await uow.connection.executemany(
            _COUNT_BY_NAME,
            [{"key": key, "window_start": 7, "count": n} for n, key in enumerate("xyz", 1)],
        )
    async with SqlUnitOfWork(database, read_only=True) as uow:
        counted = [
            await uow.connection.fetchval(_COUNTED, key=key, window_start=7) for key in "xyz"
        ]
    assert counted == [1, 2, 3]


async def test_read_only_units_of_work_refuse_writes(database: Database) -> None:
    async with SqlUnitOfWork(database, read_only=True) as uow:
        with pytest.raises(ReadOnlyViolation):
            await uow.connection.execute(_COUNT, key="k", window_start=0)


async def test_a_duplicate_key_is_a_conflict(database: Database) -> None:
    async with SqlUnitOfWork(database, autocommit=True) as uow:
        await uow.connection.execute(_COUNT, key="k", window_start=0)
        with pytest.raises(Conflict):
            await uow.connection.execute(_COUNT, key="k", window_start=0)


async def test_writes_roll_back_with_the_unit_of_work(database: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with SqlUnitOfWork(database) as uow:
            await uow.connection.execute(_COUNT, key="k", window_start=0)
            raise RuntimeError("boom")
    async with SqlUnitOfWork(database) as uow:
        assert await uow.connection.fetchval(_COUNTED, key="k", window_start=0) is None


async def test_autocommit_keeps_each_statement_whatever_follows(database: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with SqlUnitOfWork(database, autocommit=True, relaxed=True) as uow:
            await uow.connection.execute(_COUNT, key="k", window_start=0)
            raise RuntimeError("boom")
    async with SqlUnitOfWork(database) as uow:
        assert await uow.connection.fetchval(_COUNTED, key="k", window_start=0) == 1


@pytest.mark.parametrize("standalone_writes", [False, True])
async def test_a_standalone_write_commits_alone_only_where_asked_and_on_postgresql(
    database: Database, standalone_writes: bool
) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with SqlUnitOfWork(database, standalone_writes=standalone_writes) as uow:
            await uow.connection.execute(_STANDALONE_COUNT, key="k", window_start=0)
            raise RuntimeError("boom")
    async with SqlUnitOfWork(database) as uow:
        kept = await uow.connection.fetchval(_COUNTED, key="k", window_start=0)
    # SQLite runs it in the unit of work's transaction: a transaction costs it no round trip.
    alone = standalone_writes and database.dialect is Dialect.POSTGRESQL
    assert kept == (1 if alone else None)


async def test_a_standalone_write_joins_an_open_transaction(database: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with SqlUnitOfWork(database, standalone_writes=True) as uow:
            await uow.connection.execute(_COUNT, key="first", window_start=0)
            await uow.connection.execute(_STANDALONE_COUNT, key="k", window_start=0)
            raise RuntimeError("boom")
    async with SqlUnitOfWork(database) as uow:
        assert await uow.connection.fetchval(_COUNTED, key="k", window_start=0) is None


async def test_an_in_memory_sqlite_database_is_refused() -> None:
    with pytest.raises(ValueError, match="file"):
        open_database("sqlite:///:memory:")


def test_other_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        open_database("mysql://u@db/c")

"""The query layer (storage/sql/driver.py and the two drivers), on the suite's database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert

from consentry.storage.errors import Conflict
from consentry.storage.sql import schema
from consentry.storage.sql.connection import (
    Database,
    Dialect,
    ReadOnlyViolation,
    read_optional_time,
    read_time,
    sql,
    sqlite_time,
)
from consentry.storage.sql.database import open_database
from consentry.storage.sql.statements import Statement, parameter
from consentry.storage.sql.unit_of_work import SqlUnitOfWork

_COUNT = sql("INSERT INTO rate_limit_counters (key, window_start, count) VALUES ($1, $2, 1)")
_STANDALONE_COUNT = sql(
    "INSERT INTO rate_limit_counters (key, window_start, count) VALUES ($1, $2, 1)",
    standalone=True,
)
_COUNTED = sql("SELECT count FROM rate_limit_counters WHERE key = $1 AND window_start = $2")
_KEYS = sql("SELECT key FROM rate_limit_counters WHERE key = ANY($1) ORDER BY key")
_counters = schema.table(schema.RateLimitCounter)
_COUNT_BY_NAME = Statement(
    insert(_counters).values(
        key=parameter("key", _counters.c.key),
        window_start=parameter("window_start", _counters.c.window_start),
        count=parameter("count", _counters.c.count),
    )
)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = open_database(database_url)
    yield opened
    await opened.close()


def test_sqlite_text_is_derived_from_the_postgresql_text() -> None:
    statement = sql("SELECT a FROM t   WHERE b = $1\n AND c = ANY($2) AND d = $1")
    assert statement.postgresql == "SELECT a FROM t WHERE b = $1 AND c = ANY($2) AND d = $1"
    assert statement.sqlite == (
        "SELECT a FROM t WHERE b = ?1 AND c IN (SELECT value FROM json_each(?2)) AND d = ?1"
    )
    assert statement.text(Dialect.SQLITE) == statement.sqlite
    assert statement.text(Dialect.POSTGRESQL) == statement.postgresql


@pytest.mark.parametrize(
    ("text", "writes"),
    [
        pytest.param("SELECT 1", False, id="select"),
        pytest.param("select 1", False, id="lower-case"),
        pytest.param("SELECT x FROM t WHERE id = $1 FOR UPDATE", True, id="locking-read"),
        pytest.param("UPDATE t SET x = 1", True, id="update"),
        pytest.param("INSERT INTO t VALUES (1)", True, id="insert"),
        pytest.param("WITH w AS (UPDATE t SET x = 1 RETURNING 1) SELECT 1", True, id="cte"),
        pytest.param("DELETE FROM t", True, id="delete"),
    ],
)
def test_statements_that_need_the_write_transaction(text: str, writes: bool) -> None:
    assert sql(text).writes is writes


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
        assert await uow.connection.fetchval(_COUNTED, "nobody", 0) is None
        assert await uow.connection.fetch(_KEYS, ["a", "b"]) == []


async def test_lists_bind_to_any_on_both_backends(database: Database) -> None:
    async with SqlUnitOfWork(database) as uow:
        for key in ("a", "b", "c"):
            await uow.connection.execute(_COUNT, key, 0)
    async with SqlUnitOfWork(database, read_only=True) as uow:
        rows = await uow.connection.fetch(_KEYS, ["c", "a", "zz"])
    assert [row["key"] for row in rows] == ["a", "c"]


async def test_many_rows_of_named_values_on_both_backends(database: Database) -> None:
    async with SqlUnitOfWork(database) as uow:
        await uow.connection.executemany(
            _COUNT_BY_NAME,
            [{"key": key, "window_start": 7, "count": n} for n, key in enumerate("xyz", 1)],
        )
    async with SqlUnitOfWork(database, read_only=True) as uow:
        counted = [await uow.connection.fetchval(_COUNTED, key, 7) for key in "xyz"]
    assert counted == [1, 2, 3]


async def test_read_only_units_of_work_refuse_writes(database: Database) -> None:
    async with SqlUnitOfWork(database, read_only=True) as uow:
        with pytest.raises(ReadOnlyViolation):
            await uow.connection.execute(_COUNT, "k", 0)


async def test_a_duplicate_key_is_a_conflict(database: Database) -> None:
    async with SqlUnitOfWork(database, autocommit=True) as uow:
        await uow.connection.execute(_COUNT, "k", 0)
        with pytest.raises(Conflict):
            await uow.connection.execute(_COUNT, "k", 0)


async def test_writes_roll_back_with_the_unit_of_work(database: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with SqlUnitOfWork(database) as uow:
            await uow.connection.execute(_COUNT, "k", 0)
            raise RuntimeError("boom")
    async with SqlUnitOfWork(database) as uow:
        assert await uow.connection.fetchval(_COUNTED, "k", 0) is None


async def test_autocommit_keeps_each_statement_whatever_follows(database: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with SqlUnitOfWork(database, autocommit=True, relaxed=True) as uow:
            await uow.connection.execute(_COUNT, "k", 0)
            raise RuntimeError("boom")
    async with SqlUnitOfWork(database) as uow:
        assert await uow.connection.fetchval(_COUNTED, "k", 0) == 1


@pytest.mark.parametrize("standalone_writes", [False, True])
async def test_a_standalone_write_commits_alone_only_where_asked_and_on_postgresql(
    database: Database, standalone_writes: bool
) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with SqlUnitOfWork(database, standalone_writes=standalone_writes) as uow:
            await uow.connection.execute(_STANDALONE_COUNT, "k", 0)
            raise RuntimeError("boom")
    async with SqlUnitOfWork(database) as uow:
        kept = await uow.connection.fetchval(_COUNTED, "k", 0)
    # SQLite runs it in the unit of work's transaction: a transaction costs it no round trip.
    alone = standalone_writes and database.dialect is Dialect.POSTGRESQL
    assert kept == (1 if alone else None)


async def test_a_standalone_write_joins_an_open_transaction(database: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with SqlUnitOfWork(database, standalone_writes=True) as uow:
            await uow.connection.execute(_COUNT, "first", 0)
            await uow.connection.execute(_STANDALONE_COUNT, "k", 0)
            raise RuntimeError("boom")
    async with SqlUnitOfWork(database) as uow:
        assert await uow.connection.fetchval(_COUNTED, "k", 0) is None


async def test_an_in_memory_sqlite_database_is_refused() -> None:
    with pytest.raises(ValueError, match="file"):
        open_database("sqlite:///:memory:")


def test_other_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        open_database("mysql://u@db/c")

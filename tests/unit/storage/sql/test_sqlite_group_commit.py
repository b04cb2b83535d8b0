"""SQLite group commit (storage/sql/sqlite_group_commit.py): concurrent units of work share one
COMMIT, each answers only once it is durable, and one member's failure is its own."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import insert, select

from consentry.core.errors import InvalidGrant
from consentry.storage.errors import Conflict
from consentry.storage.sql import schema
from consentry.storage.sql.sqlite import SqliteDatabase
from consentry.storage.sql.sqlite_group_commit import GroupCommitFailed
from consentry.storage.sql.statements import Statement, parameter
from consentry.storage.sql.unit_of_work import SqlUnitOfWork
from tests.support.sqlite_lock import sqlite_path

_counters = schema.table(schema.RateLimitCounter)
_KEY = parameter("key", _counters.c.key)
_COUNT = Statement(insert(_counters).values(key=_KEY, window_start=0, count=1))
_KEYS = Statement(select(_counters.c.key).order_by(_counters.c.key))


@pytest.fixture
async def database(database_url: str, db_backend: str) -> AsyncIterator[SqliteDatabase]:
    if db_backend != "sqlite":
        pytest.skip("SQLite only (the suite runs it with --db=sqlite)")
    opened = SqliteDatabase(str(sqlite_path(database_url)))
    yield opened
    await opened.close()


def committed_keys(database_url: str) -> list[str]:
    """What another connection sees: only what was committed."""
    with sqlite3.connect(sqlite_path(database_url)) as other:
        return [row[0] for row in other.execute("SELECT key FROM rate_limit_counters ORDER BY key")]


async def write(database: SqliteDatabase, key: str, *, then: BaseException | None = None) -> None:
    async with SqlUnitOfWork(database) as uow:
        await uow.connection.execute(_COUNT, key=key)
        await asyncio.sleep(0)  # let the others in between this write and the end
        if then is not None:
            raise then


async def test_concurrent_units_of_work_share_one_commit(
    database: SqliteDatabase, database_url: str
) -> None:
    keys = [f"k{n}" for n in range(8)]
    await asyncio.gather(*(write(database, key) for key in keys))
    assert committed_keys(database_url) == keys
    group = database.group
    assert (group.members, group.commits) == (8, 1)


async def test_a_unit_of_work_answers_only_once_its_writes_are_committed(
    database: SqliteDatabase, database_url: str
) -> None:
    await write(database, "durable")
    assert committed_keys(database_url) == ["durable"]


async def test_a_failing_member_rolls_back_its_own_writes_only(
    database: SqliteDatabase, database_url: str
) -> None:
    results = await asyncio.gather(
        write(database, "a"),
        write(database, "b", then=RuntimeError("boom")),
        write(database, "c", then=InvalidGrant("refused")),  # a refusal keeps its writes
        write(database, "d"),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results] == [
        "NoneType",
        "RuntimeError",
        "InvalidGrant",
        "NoneType",
    ]
    assert committed_keys(database_url) == ["a", "c", "d"]
    assert database.group.commits == 1


async def test_a_failing_first_member_rolls_back_alone_and_the_next_opens_a_transaction(
    database: SqliteDatabase, database_url: str
) -> None:
    results = await asyncio.gather(
        write(database, "first", then=RuntimeError("boom")),
        write(database, "second"),
        write(database, "third"),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results] == ["RuntimeError", "NoneType", "NoneType"]
    assert committed_keys(database_url) == ["second", "third"]
    assert (database.group.members, database.group.commits) == (2, 1)


async def test_a_lone_write_runs_without_a_savepoint(database: SqliteDatabase) -> None:
    traced: list[str] = []
    await write(database, "warm-up")  # opens the writer
    writer = database.group.writer
    assert writer is not None
    writer.set_trace_callback(traced.append)
    await write(database, "alone")
    assert [t.split()[0] for t in traced] == ["BEGIN", "INSERT", "COMMIT"]


async def count_alone(database: SqliteDatabase, key: str) -> None:
    async with SqlUnitOfWork(database, autocommit=True) as uow:
        await uow.connection.execute(_COUNT, key=key)


async def test_one_statement_members_join_without_a_savepoint_and_fail_alone(
    database: SqliteDatabase, database_url: str
) -> None:
    await write(database, "warm-up")  # opens the writer
    writer = database.group.writer
    assert writer is not None
    traced: list[str] = []
    writer.set_trace_callback(traced.append)
    results = await asyncio.gather(
        write(database, "first"),  # opens a transaction, then lets the others in
        count_alone(database, "a"),
        count_alone(database, "first"),  # a duplicate: its statement fails, nothing else
        count_alone(database, "b"),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results] == ["NoneType", "NoneType", "Conflict", "NoneType"]
    assert committed_keys(database_url) == ["a", "b", "first", "warm-up"]
    assert not any(t.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")) for t in traced), traced
    assert traced.count("COMMIT") < 4  # some of them shared a COMMIT


async def test_a_one_statement_member_that_undoes_the_whole_transaction_fails_the_group(
    database: SqliteDatabase, database_url: str
) -> None:
    await write(database, "warm-up")
    writer = database.group.writer
    assert writer is not None
    writer.execute(  # an error that makes SQLite roll back the whole transaction
        "CREATE TEMP TRIGGER poison BEFORE INSERT ON rate_limit_counters"
        " WHEN NEW.key = 'poison' BEGIN SELECT RAISE(ROLLBACK, 'poisoned'); END"
    )
    results = await asyncio.gather(
        write(database, "bystander"), count_alone(database, "poison"), return_exceptions=True
    )
    assert isinstance(results[0], GroupCommitFailed), results
    assert isinstance(results[1], sqlite3.OperationalError), results
    assert committed_keys(database_url) == ["warm-up"]
    await count_alone(database, "after")  # the writer is usable again
    assert committed_keys(database_url) == ["after", "warm-up"]


async def test_members_see_each_others_writes_so_only_one_of_two_racers_wins(
    database: SqliteDatabase, database_url: str
) -> None:
    results = await asyncio.gather(
        write(database, "same"), write(database, "same"), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "NoneType"]
    assert isinstance(next(r for r in results if r is not None), Conflict)
    assert committed_keys(database_url) == ["same"]


async def test_a_failed_commit_fails_every_member_and_keeps_nothing(
    database: SqliteDatabase, database_url: str
) -> None:
    async def dangling() -> None:
        async with SqlUnitOfWork(database) as uow:
            await uow.connection.execute(_COUNT, key="with-dangling")
            writer = database.group.writer
            assert writer is not None
            # Foreign keys checked at COMMIT: a token of no grant makes the COMMIT fail.
            writer.execute("PRAGMA defer_foreign_keys=ON")
            writer.execute(
                "INSERT INTO refresh_tokens (token_hash, grant_id, credential_id, created_at,"
                " expires_at) VALUES (x'00', 'no-such-grant', 1, '2027-01-01', '2027-07-01')"
            )

    results = await asyncio.gather(dangling(), write(database, "bystander"), return_exceptions=True)
    assert all(isinstance(r, GroupCommitFailed) for r in results), results
    assert committed_keys(database_url) == []
    await write(database, "after")  # the writer is usable again
    assert committed_keys(database_url) == ["after"]


async def test_each_autocommit_statement_is_committed_before_the_next_runs(
    database: SqliteDatabase, database_url: str
) -> None:
    async with SqlUnitOfWork(database, autocommit=True, relaxed=True) as uow:
        await uow.connection.execute(_COUNT, key="first")
        assert committed_keys(database_url) == ["first"]
        await uow.connection.execute(_COUNT, key="second")
    assert committed_keys(database_url) == ["first", "second"]


async def test_reads_after_the_first_write_see_it(database: SqliteDatabase) -> None:
    async with SqlUnitOfWork(database) as uow:
        assert await uow.connection.fetch(_KEYS) == []
        await uow.connection.execute(_COUNT, key="mine")
        assert [row["key"] for row in await uow.connection.fetch(_KEYS)] == ["mine"]

"""SQLite waits for another process's write lock off the event loop (storage/sql/sqlite_busy.py).

Each test has a second process hold the write lock for a moment and watches the loop with a
heartbeat: the unit of work waits, the loop keeps running, and a wait past the timeout is
`StorageUnavailable` with nothing written.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import insert, select

from consentry.core.ports.unit_of_work import StorageUnavailable
from consentry.storage.sql import schema
from consentry.storage.sql.sqlite import SqliteDatabase
from consentry.storage.sql.sqlite_busy import BusyWait, is_busy
from consentry.storage.sql.statements import Statement, parameter
from consentry.storage.sql.unit_of_work import SqlUnitOfWork
from tests.support.sqlite_lock import sqlite_path, write_lock_held_elsewhere

_counters = schema.table(schema.RateLimitCounter)
_KEY = parameter("key", _counters.c.key)
_COUNT = Statement(insert(_counters).values(key=_KEY, window_start=0, count=1))
_COUNTED = Statement(select(_counters.c.count).where(_counters.c.key == _KEY))
HOLD_SECONDS = 0.5


class Heartbeat:
    """Ticks every millisecond; `longest_gap` is the longest the loop went without ticking."""

    def __init__(self) -> None:
        self.longest_gap = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.001)
            now = time.monotonic()
            self.longest_gap = max(self.longest_gap, now - last)
            last = now

    async def __aenter__(self) -> Heartbeat:
        self._task = asyncio.get_running_loop().create_task(self._beat())
        await asyncio.sleep(0.01)  # the heartbeat is running before the test goes on
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        await asyncio.sleep(0.01)  # a beat after the test's last step measures the last gap
        self._task.cancel()


@pytest.fixture
def open_sqlite(database_url: str, db_backend: str) -> Callable[[float], SqliteDatabase]:
    if db_backend != "sqlite":
        pytest.skip("SQLite only (the suite runs it with --db=sqlite)")

    def opened(busy_timeout: float) -> SqliteDatabase:
        return SqliteDatabase(str(sqlite_path(database_url)), busy_timeout=busy_timeout)

    return opened


@pytest.fixture
async def database(open_sqlite: Callable[[float], SqliteDatabase]) -> AsyncIterator[SqliteDatabase]:
    opened = open_sqlite(10.0)
    assert await counted(opened, "warm") is None  # in WAL mode, with a connection, first
    yield opened
    await opened.close()


async def counted(database: SqliteDatabase, key: str) -> int | None:
    async with SqlUnitOfWork(database, read_only=True) as uow:
        value: int | None = await uow.connection.fetchval(_COUNTED, key=key)
        return value


@pytest.mark.parametrize("autocommit", [False, True], ids=["transaction", "autocommit"])
async def test_a_writer_waits_for_another_process_without_stopping_the_loop(
    database: SqliteDatabase, database_url: str, autocommit: bool
) -> None:
    with write_lock_held_elsewhere(sqlite_path(database_url), HOLD_SECONDS):
        async with Heartbeat() as beat:
            started = time.monotonic()
            async with SqlUnitOfWork(database, autocommit=autocommit) as uow:
                await uow.connection.execute(_COUNT, key="waited")
            waited = time.monotonic() - started
    assert waited >= HOLD_SECONDS * 0.5  # it really waited for the other process
    assert beat.longest_gap < 0.1  # …and the loop ran meanwhile (SQLite's busy handler: 0.5 s)
    assert await counted(database, "waited") == 1


async def test_readers_are_not_held_up_by_another_process_writing(
    database: SqliteDatabase, database_url: str
) -> None:
    with write_lock_held_elsewhere(sqlite_path(database_url), HOLD_SECONDS):
        started = time.monotonic()
        assert await counted(database, "nobody") is None
        assert time.monotonic() - started < HOLD_SECONDS / 2


async def test_a_lock_held_past_the_timeout_is_storage_unavailable_and_writes_nothing(
    open_sqlite: Callable[[float], SqliteDatabase], database_url: str
) -> None:
    database = open_sqlite(0.1)
    assert await counted(database, "warm") is None
    with write_lock_held_elsewhere(sqlite_path(database_url), HOLD_SECONDS):
        async with Heartbeat() as beat:
            with pytest.raises(StorageUnavailable, match=r"locked by another process for 0\.1 s"):
                async with SqlUnitOfWork(database) as uow:
                    await uow.connection.execute(_COUNT, key="never")
    assert beat.longest_gap < 0.1
    assert await counted(database, "never") is None
    async with SqlUnitOfWork(database) as uow:  # the process's write lock was given back
        await uow.connection.execute(_COUNT, key="after")
    assert await counted(database, "after") == 1
    await database.close()


async def test_other_errors_are_not_retried() -> None:
    attempts: list[int] = []

    def broken() -> None:
        attempts.append(1)
        raise sqlite3.OperationalError("no such table: nowhere")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await BusyWait(1.0).retry(broken)
    assert len(attempts) == 1
    assert not is_busy(sqlite3.OperationalError("no code"))

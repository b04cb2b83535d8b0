"""SQLite through the standard library's `sqlite3`, on the event loop's thread.

A statement on a local WAL file takes microseconds, far less than a hand-off to a worker thread,
so statements run synchronously. This process's writers take one `asyncio.Lock` before `BEGIN
IMMEDIATE` and keep it to COMMIT: a write transaction never waits for another unit of work of
the same process in SQLite (which could be suspended at an `await` and never get the loop
back). Other processes' writers are waited for off the loop (`sqlite_busy.py`: SQLite's busy
handler is off, a locked database is retried after an `asyncio.sleep`), up to `busy_timeout`
seconds, then `StorageUnavailable`: the loop never stops for longer than one statement.

Durability (`Settings.sqlite_synchronous`): NORMAL by default, SQLite's recommendation for WAL:
every commit survives a crash of consentry; a crash of the machine (power loss, kernel) may lose
the last commits, never corrupts the file. FULL flushes the WAL on every commit as well (it
survives power loss; measured cost in docs/performance.md). Units of work opened `relaxed`
(rate-limit counters) always use NORMAL connections. Checkpoints run in a background thread
(`sqlite_checkpoints.py`).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from consentry.core.ports.unit_of_work import StorageUnavailable
from consentry.storage.errors import Conflict
from consentry.storage.sql.connection import ReadOnlyViolation, Row, sqlite_time
from consentry.storage.sql.sqlite_busy import BusyWait, is_busy
from consentry.storage.sql.sqlite_checkpoints import SAFETY_NET_PAGES, WalCheckpointer
from consentry.storage.sql.statements import Dialect, Statement

_IDLE_LIMIT = 32


_CONVERTED = (datetime, list, tuple, frozenset)


def _stored(value: object) -> object:
    """A Python value as SQLite stores it (timestamps as text, lists as JSON for json_each)."""
    if isinstance(value, datetime):
        return sqlite_time(value)
    if isinstance(value, list | tuple | frozenset):
        return json.dumps(list(value))
    return value


def _bind(values: Mapping[str, object]) -> Mapping[str, object]:
    for value in values.values():
        if isinstance(value, _CONVERTED):
            return {name: _stored(value) for name, value in values.items()}
    return values  # nothing to convert (the common case)


class SqliteConnection:
    def __init__(
        self,
        raw: sqlite3.Connection,
        write_lock: asyncio.Lock,
        busy: BusyWait,
        *,
        read_only: bool,
        autocommit: bool,
    ) -> None:
        self._raw = raw
        self._write_lock = write_lock
        self._busy = busy
        self._read_only = read_only
        self._autocommit = autocommit
        self._in_transaction = False

    @property
    def dialect(self) -> Dialect:
        return Dialect.SQLITE

    async def _run(self, statement: Statement, values: Mapping[str, object]) -> sqlite3.Cursor:
        compiled = statement.compiled(Dialect.SQLITE)
        parameters = _bind(compiled.named(values))
        if compiled.writes:
            if self._read_only:
                raise ReadOnlyViolation(compiled.text[:60])
            if self._autocommit:
                async with self._write_lock:  # one statement, its own transaction
                    return await self._unlocked(compiled.text, parameters)
            if not self._in_transaction:
                await self._write_lock.acquire()
                try:
                    await self._begin()
                except BaseException:
                    self._write_lock.release()
                    raise
                self._in_transaction = True
        return await self._unlocked(compiled.text, parameters)

    async def _begin(self) -> None:
        try:
            self._raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            await self._busy.retry(lambda: self._raw.execute("BEGIN IMMEDIATE"))

    async def _unlocked(self, text: str, parameters: Mapping[str, object]) -> sqlite3.Cursor:
        """Run one statement; outside a transaction, wait (off the loop) for a lock it needs."""
        try:
            return self._execute(text, parameters)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if self._in_transaction:  # the write lock is ours: only a checkpoint could do this
                raise StorageUnavailable("the SQLite database is busy") from exc
            return await self._busy.retry(lambda: self._execute(text, parameters))

    def _execute(self, text: str, parameters: Mapping[str, object]) -> sqlite3.Cursor:
        try:
            return self._raw.execute(text, parameters)
        except sqlite3.IntegrityError as exc:
            raise Conflict("constraint violated") from exc

    async def fetch(self, statement: Statement, **values: object) -> Sequence[Row]:
        cursor = await self._run(statement, values)
        rows: list[Row] = cursor.fetchall()
        return rows

    async def fetchrow(self, statement: Statement, **values: object) -> Row | None:
        cursor = await self._run(statement, values)
        row: Row | None = cursor.fetchone()
        cursor.close()
        return row

    async def fetchval(self, statement: Statement, **values: object) -> Any:
        row = await self.fetchrow(statement, **values)
        return None if row is None else row[0]

    async def execute(self, statement: Statement, **values: object) -> int:
        cursor = await self._run(statement, values)
        changed = cursor.rowcount
        cursor.close()
        return max(changed, 0)

    async def executemany(self, statement: Statement, rows: Sequence[Mapping[str, object]]) -> None:
        if not rows:
            return
        compiled = statement.compiled(Dialect.SQLITE)
        await self._run(statement, rows[0])
        batch = [_bind(compiled.named(row)) for row in rows[1:]]
        try:
            self._raw.executemany(compiled.text, batch)
        except sqlite3.IntegrityError as exc:
            raise Conflict("constraint violated") from exc

    async def _finish(self, verb: str) -> None:
        if not self._in_transaction:
            return
        try:
            self._raw.execute(verb)
        finally:
            self._in_transaction = False
            self._write_lock.release()

    async def commit(self) -> None:
        await self._finish("COMMIT")

    async def rollback(self) -> None:
        await self._finish("ROLLBACK")


class SqliteLease:
    def __init__(
        self,
        database: SqliteDatabase,
        raw: sqlite3.Connection,
        relaxed: bool,
        connection: SqliteConnection,
    ) -> None:
        self._database = database
        self._raw = raw
        self._relaxed = relaxed
        self.connection = connection

    async def release(self, *, clean: bool = True) -> None:
        await self.connection.rollback()  # a no-op unless the unit of work did not finish
        self._database.give_back(self._raw, self._relaxed, reuse=clean)


class SqliteDatabase:
    """Connections to one SQLite file, reused across units of work of this process."""

    def __init__(
        self, path: str, *, synchronous: str = "NORMAL", busy_timeout: float = 10.0
    ) -> None:
        if not path or path == ":memory:":
            raise ValueError("consentry needs an SQLite file (an in-memory database is private)")
        self._path = path
        self._synchronous = synchronous
        self._idle: dict[bool, list[sqlite3.Connection]] = {False: [], True: []}
        self._write_lock = asyncio.Lock()
        self._busy = BusyWait(busy_timeout)
        self._checkpoints = WalCheckpointer(path)
        self._closed = False

    @property
    def dialect(self) -> Dialect:
        return Dialect.SQLITE

    @property
    def write_lock(self) -> asyncio.Lock:
        """Taken by this process's SQLite writers, so they queue here and not in SQLite."""
        return self._write_lock

    def _connect(self, relaxed: bool) -> sqlite3.Connection:
        raw = sqlite3.connect(
            self._path,
            isolation_level=None,  # transactions are ours: BEGIN IMMEDIATE at the first write
            check_same_thread=False,
            cached_statements=512,
        )
        try:
            raw.row_factory = sqlite3.Row
            raw.execute("PRAGMA busy_timeout=0")  # waits happen off the loop (sqlite_busy.py)
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute(f"PRAGMA synchronous={'NORMAL' if relaxed else self._synchronous}")
            raw.execute("PRAGMA foreign_keys=ON")
            raw.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
        except BaseException:
            raw.close()
            raise
        return raw

    async def _open(self, relaxed: bool) -> sqlite3.Connection:
        try:
            raw = self._connect(relaxed)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            raw = await self._busy.retry(lambda: self._connect(relaxed))
        self._checkpoints.start()  # once: from the first connection on
        return raw

    async def acquire(
        self, *, read_only: bool, autocommit: bool, relaxed: bool, standalone_writes: bool = False
    ) -> SqliteLease:
        # `standalone_writes` changes nothing here: a transaction costs SQLite no round trip.
        if self._closed:
            raise RuntimeError("the database was closed")
        idle = self._idle[relaxed]
        if idle:
            raw = idle.pop()
        else:
            raw = await self._open(relaxed)
        connection = SqliteConnection(
            raw,
            self._write_lock,
            self._busy,
            read_only=read_only,
            autocommit=autocommit,
        )
        return SqliteLease(self, raw, relaxed, connection)

    def give_back(self, raw: sqlite3.Connection, relaxed: bool, *, reuse: bool = True) -> None:
        idle = self._idle[relaxed]
        if not reuse or self._closed or len(idle) >= _IDLE_LIMIT or raw.in_transaction:
            raw.close()
            return
        idle.append(raw)

    async def close(self) -> None:
        self._closed = True
        self._checkpoints.stop()
        for idle in self._idle.values():
            while idle:
                idle.pop().close()

"""SQLite through the standard library's `sqlite3`, on the event loop's thread.

A statement on a local WAL file takes microseconds, far less than a hand-off to a worker thread,
so statements run synchronously. This process's writers take one `asyncio.Lock` before `BEGIN
IMMEDIATE` and keep it to COMMIT: a write transaction never waits in SQLite's busy handler for
another unit of work of the same process (which could be suspended at an `await` and never get
the loop back); only other processes' writers are waited for, up to `busy_timeout`.

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

from consentry.storage.errors import Conflict
from consentry.storage.sql.connection import ReadOnlyViolation, Row, Runnable, sqlite_time
from consentry.storage.sql.sqlite_checkpoints import SAFETY_NET_PAGES, WalCheckpointer
from consentry.storage.sql.statements import Compiled, Dialect

BUSY_TIMEOUT_MS = 30_000
_IDLE_LIMIT = 32


_CONVERTED = (datetime, list, tuple, frozenset)


def _stored(value: object) -> object:
    """A Python value as SQLite stores it (timestamps as text, lists as JSON for json_each)."""
    if isinstance(value, datetime):
        return sqlite_time(value)
    if isinstance(value, list | tuple | frozenset):
        return json.dumps(list(value))
    return value


def _bind(args: Sequence[object]) -> Sequence[object]:
    for value in args:
        if isinstance(value, _CONVERTED):
            return tuple(_stored(value) for value in args)
    return args  # nothing to convert (the common case)


def _bind_named(values: Mapping[str, object]) -> Mapping[str, object]:
    for value in values.values():
        if isinstance(value, _CONVERTED):
            return {name: _stored(value) for name, value in values.items()}
    return values


Parameters = Sequence[object] | Mapping[str, object]


def _parameters(
    compiled: Compiled, args: Sequence[object], values: Mapping[str, object]
) -> Parameters:
    """Positional arguments of a SQL text (`Sql`), or a `Statement`'s named values."""
    return _bind(args) if args else _bind_named(compiled.named(values))


class SqliteConnection:
    def __init__(
        self,
        raw: sqlite3.Connection,
        write_lock: asyncio.Lock,
        *,
        read_only: bool,
        autocommit: bool,
    ) -> None:
        self._raw = raw
        self._write_lock = write_lock
        self._read_only = read_only
        self._autocommit = autocommit
        self._in_transaction = False

    @property
    def dialect(self) -> Dialect:
        return Dialect.SQLITE

    async def _run(
        self, statement: Runnable, args: Sequence[object], values: Mapping[str, object]
    ) -> sqlite3.Cursor:
        compiled = statement.compiled(Dialect.SQLITE)
        parameters = _parameters(compiled, args, values)
        if compiled.writes:
            if self._read_only:
                raise ReadOnlyViolation(compiled.text[:60])
            if self._autocommit:
                async with self._write_lock:  # one statement, its own transaction
                    return self._execute(compiled.text, parameters)
            if not self._in_transaction:
                await self._write_lock.acquire()
                try:
                    self._raw.execute("BEGIN IMMEDIATE")
                except BaseException:
                    self._write_lock.release()
                    raise
                self._in_transaction = True
        return self._execute(compiled.text, parameters)

    def _execute(self, text: str, parameters: Parameters) -> sqlite3.Cursor:
        try:
            return self._raw.execute(text, parameters)
        except sqlite3.IntegrityError as exc:
            raise Conflict("constraint violated") from exc

    async def fetch(self, statement: Runnable, *args: object, **values: object) -> Sequence[Row]:
        cursor = await self._run(statement, args, values)
        rows: list[Row] = cursor.fetchall()
        return rows

    async def fetchrow(self, statement: Runnable, *args: object, **values: object) -> Row | None:
        cursor = await self._run(statement, args, values)
        row: Row | None = cursor.fetchone()
        cursor.close()
        return row

    async def fetchval(self, statement: Runnable, *args: object, **values: object) -> Any:
        row = await self.fetchrow(statement, *args, **values)
        return None if row is None else row[0]

    async def execute(self, statement: Runnable, *args: object, **values: object) -> int:
        cursor = await self._run(statement, args, values)
        changed = cursor.rowcount
        cursor.close()
        return max(changed, 0)

    async def executemany(
        self, statement: Runnable, rows: Sequence[Sequence[object] | Mapping[str, object]]
    ) -> None:
        if not rows:
            return
        compiled = statement.compiled(Dialect.SQLITE)
        first, rest = rows[0], rows[1:]
        if isinstance(first, Mapping):
            await self._run(statement, (), first)
        else:
            await self._run(statement, first, {})
        batch = [
            _bind_named(compiled.named(row)) if isinstance(row, Mapping) else _bind(row)
            for row in rest
        ]
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

    async def release(self) -> None:
        await self.connection.rollback()  # a no-op unless the unit of work forgot to finish
        self._database.give_back(self._raw, self._relaxed)


class SqliteDatabase:
    """Connections to one SQLite file, reused across units of work of this process."""

    def __init__(self, path: str, *, synchronous: str = "NORMAL") -> None:
        if not path or path == ":memory:":
            raise ValueError("consentry needs an SQLite file (an in-memory database is private)")
        self._path = path
        self._synchronous = synchronous
        self._idle: dict[bool, list[sqlite3.Connection]] = {False: [], True: []}
        self._write_lock = asyncio.Lock()
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
        raw.row_factory = sqlite3.Row
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute(f"PRAGMA synchronous={'NORMAL' if relaxed else self._synchronous}")
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        raw.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
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
            raw = self._connect(relaxed)
            self._checkpoints.start()  # once: from the first connection on
        connection = SqliteConnection(
            raw,
            self._write_lock,
            read_only=read_only,
            autocommit=autocommit,
        )
        return SqliteLease(self, raw, relaxed, connection)

    def give_back(self, raw: sqlite3.Connection, relaxed: bool) -> None:
        idle = self._idle[relaxed]
        if self._closed or len(idle) >= _IDLE_LIMIT or raw.in_transaction:
            raw.close()
            return
        idle.append(raw)

    async def close(self) -> None:
        self._closed = True
        self._checkpoints.stop()
        for idle in self._idle.values():
            while idle:
                idle.pop().close()

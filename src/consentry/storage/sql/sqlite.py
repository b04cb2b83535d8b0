"""SQLite through the standard library's `sqlite3`, on the event loop's thread.

A statement on a local WAL file takes microseconds, far less than a hand-off to a worker thread,
so statements run synchronously. Reads run on one reader connection that every unit of work of
the process shares: statements run one at a time on the loop's thread and are read to the end,
and a read outside a write is a snapshot of its own (the reader never holds a transaction), so
sharing it changes nothing a unit of work sees, while one connection per unit of work in flight
cost a connection opened and closed per request once more were in flight than were kept (the
128-connection point of `bench/run growth`). Every write of the process goes through one writer
connection whose transaction concurrent units
of work share (`sqlite_group_commit.py`: each under its own savepoint, each answered after the
COMMIT that carries it). A unit of work's first write makes it the group's writing member (one
at a time, queued on an `asyncio.Lock`, never in SQLite), and its later reads run on the writer
too, so they see its writes. Other processes' writers are waited for off the loop
(`sqlite_busy.py`: SQLite's busy handler is off, a locked database is retried after an
`asyncio.sleep`), up to `busy_timeout` seconds, then `StorageUnavailable`: the loop never stops
for longer than one statement.

Durability (`Settings.sqlite_synchronous`): NORMAL by default, SQLite's recommendation for WAL:
every commit survives a crash of consentry; a crash of the machine (power loss, kernel) may lose
the last commits, never corrupts the file. FULL flushes the WAL on every commit as well (it
survives power loss; measured cost in docs/performance.md). Either way a unit of work ends only
once the COMMIT that carries its writes returned (`relaxed` changes nothing here: the group's
COMMIT is shared anyway). Checkpoints run in a background thread
(`sqlite_checkpoints.py`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from consentry.core.ports.unit_of_work import StorageUnavailable
from consentry.storage.errors import Conflict
from consentry.storage.sql.connection import ReadOnlyViolation, Row, WriteWatcher, sqlite_time
from consentry.storage.sql.sqlite_busy import BusyWait, is_busy
from consentry.storage.sql.sqlite_checkpoints import SAFETY_NET_PAGES, WalCheckpointer
from consentry.storage.sql.sqlite_group_commit import GroupCommit
from consentry.storage.sql.statements import Dialect, Statement

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
    """One unit of work's statements: on its reader until the first write, then on the group's
    writer inside the unit of work's savepoint."""

    def __init__(
        self,
        reader: sqlite3.Connection,
        group: GroupCommit,
        busy: BusyWait,
        *,
        read_only: bool,
        autocommit: bool,
        watchers: tuple[WriteWatcher, ...] = (),
    ) -> None:
        self._reader = reader
        self._watchers = watchers
        self._raw = reader
        self._group = group
        self._busy = busy
        self._read_only = read_only
        self._autocommit = autocommit
        self._writing = False

    @property
    def dialect(self) -> Dialect:
        return Dialect.SQLITE

    @property
    def writing(self) -> bool:
        return self._writing

    async def _run(
        self, statement: Statement, values: Mapping[str, object]
    ) -> tuple[list[Row], int]:
        """The statement's rows and changed-row count, read to the end: a COMMIT of the group
        may follow before the caller looks at them."""
        compiled = statement.compiled(Dialect.SQLITE)
        parameters = _bind(compiled.named(values))
        if not compiled.writes:
            return await self._unlocked(compiled.text, parameters)
        if self._read_only:
            raise ReadOnlyViolation(compiled.text[:60])
        if compiled.table is not None:
            for watcher in self._watchers:
                watcher(compiled.table)
        if not self._writing:
            self._raw = await self._group.enter(one_statement=self._autocommit)
            self._writing = True
        if not self._autocommit:
            return self._execute(compiled.text, parameters)
        try:  # one statement, kept on its own
            result = self._execute(compiled.text, parameters)
        except BaseException:
            await self._leave(keep=False)
            raise
        await self._leave(keep=True)
        return result

    async def _leave(self, *, keep: bool) -> None:
        self._writing = False
        self._raw = self._reader
        committed = self._group.leave(keep=keep)
        if committed is not None:
            await committed

    async def _unlocked(self, text: str, parameters: Mapping[str, object]) -> tuple[list[Row], int]:
        """Run one statement; outside a write, wait (off the loop) for a lock it needs."""
        try:
            return self._execute(text, parameters)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if self._writing:  # the write lock is ours: only a checkpoint could do this
                raise StorageUnavailable("the SQLite database is busy") from exc
            return await self._busy.retry(lambda: self._execute(text, parameters))

    def _execute(self, text: str, parameters: Mapping[str, object]) -> tuple[list[Row], int]:
        try:
            cursor = self._raw.execute(text, parameters)
            rows: list[Row] = cursor.fetchall()
        except sqlite3.IntegrityError as exc:
            raise Conflict("constraint violated") from exc
        changed = cursor.rowcount
        cursor.close()
        return rows, changed

    async def fetch(self, statement: Statement, **values: object) -> Sequence[Row]:
        rows, _ = await self._run(statement, values)
        return rows

    async def fetchrow(self, statement: Statement, **values: object) -> Row | None:
        rows, _ = await self._run(statement, values)
        return rows[0] if rows else None

    async def fetchval(self, statement: Statement, **values: object) -> Any:
        row = await self.fetchrow(statement, **values)
        return None if row is None else row[0]

    async def execute(self, statement: Statement, **values: object) -> int:
        _, changed = await self._run(statement, values)
        return max(changed, 0)

    async def executemany(self, statement: Statement, rows: Sequence[Mapping[str, object]]) -> None:
        if not rows:
            return
        compiled = statement.compiled(Dialect.SQLITE)
        if self._autocommit:  # each row on its own, as each statement is
            for row in rows:
                await self._run(statement, row)
            return
        await self._run(statement, rows[0])
        batch = [_bind(compiled.named(row)) for row in rows[1:]]
        try:
            self._raw.executemany(compiled.text, batch)
        except sqlite3.IntegrityError as exc:
            raise Conflict("constraint violated") from exc

    async def commit(self) -> None:
        if self._writing:
            await self._leave(keep=True)

    async def rollback(self) -> None:
        if self._writing:
            await self._leave(keep=False)


class SqliteLease:
    def __init__(
        self, database: SqliteDatabase, reader: sqlite3.Connection, connection: SqliteConnection
    ) -> None:
        self._database = database
        self._reader = reader
        self.connection = connection

    async def release(self, *, clean: bool = True) -> None:
        await self.connection.rollback()  # a no-op unless the unit of work did not finish
        self._database.give_back(self._reader)


class SqliteDatabase:
    """One SQLite file: the process's shared reader connection and its one writer
    (`GroupCommit`)."""

    def __init__(
        self, path: str, *, synchronous: str = "NORMAL", busy_timeout: float = 10.0
    ) -> None:
        if not path or path == ":memory:":
            raise ValueError("consentry needs an SQLite file (an in-memory database is private)")
        self._path = path
        self._synchronous = synchronous
        self._reader: sqlite3.Connection | None = None  # shared (module docstring)
        self._busy = BusyWait(busy_timeout)
        self.group = GroupCommit(self._connect, self._busy)
        self._checkpoints = WalCheckpointer(path)
        self._watchers: tuple[WriteWatcher, ...] = ()
        self._closed = False

    @property
    def dialect(self) -> Dialect:
        return Dialect.SQLITE

    def _connect(self) -> sqlite3.Connection:
        raw = sqlite3.connect(
            self._path,
            isolation_level=None,  # transactions are ours (sqlite_group_commit.py)
            check_same_thread=False,
            cached_statements=512,
        )
        try:
            raw.row_factory = sqlite3.Row
            raw.execute("PRAGMA busy_timeout=0")  # waits happen off the loop (sqlite_busy.py)
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute(f"PRAGMA synchronous={self._synchronous}")
            raw.execute("PRAGMA foreign_keys=ON")
            raw.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
        except BaseException:
            raw.close()
            raise
        return raw

    async def _shared_reader(self) -> sqlite3.Connection:
        raw = await self._busy.run(self._connect)
        self._checkpoints.start()  # once: from the first connection on
        if self._reader is None:
            self._reader = raw
        else:  # another unit of work opened it while this one waited
            raw.close()
        return self._reader

    async def acquire(
        self, *, read_only: bool, autocommit: bool, relaxed: bool, standalone_writes: bool = False
    ) -> SqliteLease:
        # `standalone_writes` changes nothing here: a transaction costs SQLite no round trip.
        if self._closed:
            raise RuntimeError("the database was closed")
        reader = self._reader or await self._shared_reader()
        connection = SqliteConnection(
            reader,
            self.group,
            self._busy,
            read_only=read_only,
            autocommit=autocommit,
            watchers=self._watchers,
        )
        return SqliteLease(self, reader, connection)

    def watch_writes(self, watcher: WriteWatcher) -> None:
        self._watchers = (*self._watchers, watcher)

    def give_back(self, reader: sqlite3.Connection) -> None:
        """A unit of work is done with the shared reader. It holds no state between statements
        (each read is its own transaction, read to the end), whatever became of the unit of work
        (`reuse` is the writer's business); a transaction left open on it would be a bug, and is
        ended so that the other units of work still see what is committed."""
        if reader.in_transaction:
            reader.execute("ROLLBACK")

    async def close(self) -> None:
        self._closed = True
        await self.group.close()
        self._checkpoints.stop()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

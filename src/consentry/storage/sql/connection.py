"""What every SQL repository runs on: a `Connection` per unit of work, from a `Database` pool.

Repositories pass `Statement`s (statements.py: SQLAlchemy Core over the schema, compiled once
per dialect) and their values by name; the drivers (`sqlite.py`, `postgres.py`) run the compiled
text on stdlib `sqlite3` and asyncpg, because SQLAlchemy's execution layer costs 40–700 µs per
statement where the drivers need 6–80 µs (docs/performance.md).

A `Connection` is one unit of work's connection. Reads run as they come; the first write opens
the transaction (`BEGIN IMMEDIATE` on SQLite), so a unit of work that only reads never takes a
write lock or pays a BEGIN/COMMIT round trip. Under READ COMMITTED (PostgreSQL) a read before
the first write sees what it would have seen inside the transaction; a locking read (`FOR
UPDATE`) counts as a write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from consentry.storage.sql.statements import Dialect, Statement

WriteWatcher = Callable[[str], None]


class Row(Protocol):
    """A result row: `sqlite3.Row` or `asyncpg.Record`, read by column name or position."""

    def __getitem__(self, key: str | int, /) -> Any: ...


class Connection(Protocol):
    """The connection of one unit of work (see the module docstring for transactions).

    Values are passed by name for a `Statement` (`fetch(CODE, code_hash=…)`).
    """

    @property
    def dialect(self) -> Dialect: ...

    @property
    def writing(self) -> bool:
        """This unit of work has written what is not committed yet (its reads see it)."""
        ...

    async def fetch(self, statement: Statement, **values: object) -> Sequence[Row]: ...
    async def fetchrow(self, statement: Statement, **values: object) -> Row | None: ...
    async def fetchval(self, statement: Statement, **values: object) -> Any:
        """The first column of the first row, or None when there is no row."""
        ...

    async def execute(self, statement: Statement, **values: object) -> int:
        """Run a statement; returns the number of rows it changed."""
        ...

    async def executemany(
        self, statement: Statement, rows: Sequence[Mapping[str, object]]
    ) -> None: ...
    async def commit(self) -> None:
        """End the transaction, if a write opened one."""
        ...

    async def rollback(self) -> None: ...


class Database(Protocol):
    """A pool of connections to one database, shared by every request of a process."""

    @property
    def dialect(self) -> Dialect: ...

    async def acquire(
        self, *, read_only: bool, autocommit: bool, relaxed: bool, standalone_writes: bool = False
    ) -> Lease: ...
    def watch_writes(self, watcher: WriteWatcher) -> None:
        """Call `watcher(table)` before every INSERT, UPDATE or DELETE of this process runs
        (the node's memories of recent reads forget what a local write changes)."""
        ...

    async def close(self) -> None: ...


class Lease(Protocol):
    """A connection checked out for one unit of work, handed back by `release`."""

    @property
    def connection(self) -> Connection: ...

    async def release(self, *, clean: bool = True) -> None:
        """Hand the connection back; `clean=False` when its unit of work could not finish
        (its commit or rollback failed, or it was cancelled mid-statement): the session is
        reset, or the connection closed, before anyone reuses it."""
        ...


@dataclass(frozen=True, slots=True)
class PoolLimits:
    """How a process's connections are bounded (`Settings.database_*`).

    `size`: PostgreSQL connections at most. `acquire_timeout`: seconds a unit of work waits for
    a connection (PostgreSQL) or for another process's write lock (SQLite) before
    `StorageUnavailable`. `max_lifetime`, `max_idle`: seconds after which a PostgreSQL
    connection is closed instead of reused (since it was opened; since it was last used).
    """

    size: int = 20
    acquire_timeout: float = 10.0
    max_lifetime: float = 3600.0
    max_idle: float = 300.0


class ReadOnlyViolation(RuntimeError):
    """A write statement ran in a unit of work opened read-only: a programming error."""


def read_time(value: object) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite keeps them as ISO text)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    raise TypeError(f"not a stored timestamp: {type(value).__name__}")


def read_optional_time(value: object) -> datetime | None:
    return None if value is None else read_time(value)


def sqlite_time(value: datetime) -> str:
    """SQLite's storage form of a timestamp: naive UTC ISO text, as SQLAlchemy writes it."""
    if value.tzinfo is UTC:  # the clock's own: "YYYY-MM-DD HH:MM:SS.ffffff+00:00", cut
        return value.isoformat(sep=" ", timespec="microseconds")[:26]
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

"""The thin query layer every SQL repository runs on: SQL text in, driver rows out.

Repositories write their SQL once, in PostgreSQL's dialect with `$1, $2, …` parameters; `Sql`
derives SQLite's text from it (`?1, ?2, …`; `= ANY($n)` of a list becomes `IN (SELECT value
FROM json_each(?n))`, the SQLite driver passing lists as JSON) unless a statement spells out its
own. Queries go straight to the database driver (stdlib `sqlite3`, `asyncpg`) because
SQLAlchemy's execution layer costs 40–700 µs per statement where the driver needs 6–80 µs
(docs/performance.md); the schema and the migrations stay SQLAlchemy and Alembic (`tables.py`,
`migrations/`).

A `Connection` is one unit of work's connection. Reads run as they come; the first write opens
the transaction (`BEGIN IMMEDIATE` on SQLite), so a unit of work that only reads never takes a
write lock or pays a BEGIN/COMMIT round trip. Under READ COMMITTED (PostgreSQL) a read before
the first write sees what it would have seen inside the transaction; a locking read (`FOR
UPDATE`) counts as a write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from consentry.storage.sql.statements import Compiled, Dialect, Statement

_PARAMETER = re.compile(r"\$(\d+)")
_ANY = re.compile(r"= ANY\(\$(\d+)\)")
_READ_VERBS = ("SELECT", "VALUES")


@dataclass(frozen=True, slots=True)
class Sql:
    """One statement in both dialects, and whether running it needs the write transaction."""

    postgresql: str
    sqlite: str
    writes: bool = field(default=False)
    # A write that is atomic by itself: in a unit of work opened with `standalone_writes`, with
    # no transaction open yet, PostgreSQL runs it alone (it commits on its own) instead of
    # opening the transaction with BEGIN: two round trips fewer.
    standalone: bool = False

    def text(self, dialect: Dialect) -> str:
        return self.postgresql if dialect is Dialect.POSTGRESQL else self.sqlite

    def compiled(self, dialect: Dialect) -> Compiled:
        return Compiled(self.text(dialect), (), {}, self.writes, self.standalone)


def sql(text: str, *, sqlite: str | None = None, standalone: bool = False) -> Sql:
    """A statement written for PostgreSQL; its SQLite text is derived unless given.

    `standalone`: see `Sql.standalone` (units of work that ask for it promise that this is
    their last write: it is committed even if the unit of work later fails).
    """
    postgresql = " ".join(text.split())
    lite = " ".join(sqlite.split()) if sqlite is not None else postgresql
    lite = _PARAMETER.sub(r"?\1", _ANY.sub(r"IN (SELECT value FROM json_each($\1))", lite))
    verb = postgresql.split(" ", 1)[0].upper()
    writes = verb not in _READ_VERBS or "FOR UPDATE" in postgresql.upper()
    return Sql(postgresql=postgresql, sqlite=lite, writes=writes, standalone=standalone)


class Row(Protocol):
    """A result row: `sqlite3.Row` or `asyncpg.Record`, read by column name or position."""

    def __getitem__(self, key: str | int, /) -> Any: ...


Runnable = Statement | Sql


class Connection(Protocol):
    """The connection of one unit of work (see the module docstring for transactions).

    Values are passed by name for a `Statement` (`fetch(CODE, code_hash=…)`).
    """

    @property
    def dialect(self) -> Dialect: ...

    async def fetch(
        self, statement: Runnable, *args: object, **values: object
    ) -> Sequence[Row]: ...
    async def fetchrow(
        self, statement: Runnable, *args: object, **values: object
    ) -> Row | None: ...
    async def fetchval(self, statement: Runnable, *args: object, **values: object) -> Any:
        """The first column of the first row, or None when there is no row."""
        ...

    async def execute(self, statement: Runnable, *args: object, **values: object) -> int:
        """Run a statement; returns the number of rows it changed."""
        ...

    async def executemany(
        self, statement: Runnable, rows: Sequence[Sequence[object] | Mapping[str, object]]
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
    async def close(self) -> None: ...


class Lease(Protocol):
    """A connection checked out for one unit of work, handed back by `release`."""

    @property
    def connection(self) -> Connection: ...

    async def release(self) -> None: ...


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

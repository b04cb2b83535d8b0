"""PostgreSQL through asyncpg: a pool of connections, prepared statements cached per connection.

Connections come from `postgres_pool.PostgresPool` (asyncpg's own pool costs a round trip's worth
of CPU per checkout): a unit of work always ends its transaction, and a connection that is still
in one, or broke, is closed instead of reused. Units of work opened `relaxed` (rate-limit
counters) come from a small second pool whose sessions run with `synchronous_commit=off`: their
commits do not wait for the WAL flush, and a crash of the server may forget the last few of them
(never corrupts anything).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from consentry.storage.errors import Conflict
from consentry.storage.sql.connection import ReadOnlyViolation, Row, Runnable
from consentry.storage.sql.postgres_pool import PostgresPool
from consentry.storage.sql.statements import Dialect

STATEMENT_CACHE_SIZE = 512
_RELAXED_SETTINGS = {"synchronous_commit": "off"}


def asyncpg_dsn(url: str) -> str:
    """`postgresql+asyncpg://…` (or any PostgreSQL URL) as the plain DSN asyncpg takes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("not a PostgreSQL URL")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _changed(status: str) -> int:
    """Rows changed, from a command tag such as `UPDATE 3` or `INSERT 0 1`."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresConnection:
    def __init__(
        self,
        raw: asyncpg.Connection,
        *,
        read_only: bool,
        autocommit: bool,
        standalone_writes: bool = False,
    ) -> None:
        self._raw = raw
        self._read_only = read_only
        self._autocommit = autocommit
        self._standalone_writes = standalone_writes
        self._in_transaction = False

    @property
    def dialect(self) -> Dialect:
        return Dialect.POSTGRESQL

    async def _prepare(
        self, statement: Runnable, args: Sequence[object], values: Mapping[str, object]
    ) -> tuple[str, Sequence[object]]:
        """The text and positional arguments; opens the transaction before the first write."""
        compiled = statement.compiled(Dialect.POSTGRESQL)
        arguments = args if args else compiled.arguments(values)
        if not compiled.writes:
            return compiled.text, arguments
        if self._read_only:
            raise ReadOnlyViolation(compiled.text[:60])
        if self._autocommit or self._in_transaction:
            return compiled.text, arguments
        if compiled.standalone and self._standalone_writes:
            return compiled.text, arguments  # atomic, and the unit of work's last write
        await self._raw.execute("BEGIN")
        self._in_transaction = True
        return compiled.text, arguments

    async def fetch(self, statement: Runnable, *args: object, **values: object) -> Sequence[Row]:
        text, arguments = await self._prepare(statement, args, values)
        try:
            rows: list[Row] = await self._raw.fetch(text, *arguments)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise Conflict("constraint violated") from exc
        return rows

    async def fetchrow(self, statement: Runnable, *args: object, **values: object) -> Row | None:
        text, arguments = await self._prepare(statement, args, values)
        try:
            row: Row | None = await self._raw.fetchrow(text, *arguments)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise Conflict("constraint violated") from exc
        return row

    async def fetchval(self, statement: Runnable, *args: object, **values: object) -> Any:
        row = await self.fetchrow(statement, *args, **values)
        return None if row is None else row[0]

    async def execute(self, statement: Runnable, *args: object, **values: object) -> int:
        text, arguments = await self._prepare(statement, args, values)
        try:
            status: str = await self._raw.execute(text, *arguments)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise Conflict("constraint violated") from exc
        return _changed(status)

    async def executemany(
        self, statement: Runnable, rows: Sequence[Sequence[object] | Mapping[str, object]]
    ) -> None:
        if not rows:
            return
        first = rows[0]
        if isinstance(first, Mapping):
            text, _ = await self._prepare(statement, (), first)
        else:
            text, _ = await self._prepare(statement, first, {})
        compiled = statement.compiled(Dialect.POSTGRESQL)
        batch = [compiled.arguments(row) if isinstance(row, Mapping) else row for row in rows]
        try:
            await self._raw.executemany(text, batch)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise Conflict("constraint violated") from exc

    async def _finish(self, verb: str) -> None:
        if not self._in_transaction:
            return
        self._in_transaction = False
        await self._raw.execute(verb)

    async def commit(self) -> None:
        await self._finish("COMMIT")

    async def rollback(self) -> None:
        await self._finish("ROLLBACK")


class PostgresLease:
    def __init__(
        self, pool: PostgresPool, raw: asyncpg.Connection, connection: PostgresConnection
    ) -> None:
        self._pool = pool
        self._raw = raw
        self.connection = connection

    async def release(self) -> None:
        raw = self._raw
        try:
            if not raw.is_closed() and raw.is_in_transaction():
                await raw.execute("ROLLBACK")
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            raw.terminate()  # a broken session is not handed to the next request
        self._pool.release(raw)


class PostgresDatabase:
    """Two pools (durable and relaxed); connections open on first use."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        dsn = asyncpg_dsn(url)
        self._pools = {
            False: PostgresPool(dsn, max_size=pool_size, statement_cache_size=STATEMENT_CACHE_SIZE),
            True: PostgresPool(
                dsn,
                max_size=max(2, pool_size // 4),
                statement_cache_size=STATEMENT_CACHE_SIZE,
                server_settings=_RELAXED_SETTINGS,
            ),
        }

    @property
    def dialect(self) -> Dialect:
        return Dialect.POSTGRESQL

    async def acquire(
        self, *, read_only: bool, autocommit: bool, relaxed: bool, standalone_writes: bool = False
    ) -> PostgresLease:
        pool = self._pools[relaxed]
        raw = await pool.acquire()
        connection = PostgresConnection(
            raw, read_only=read_only, autocommit=autocommit, standalone_writes=standalone_writes
        )
        return PostgresLease(pool, raw, connection)

    async def close(self) -> None:
        for pool in self._pools.values():
            await pool.close()

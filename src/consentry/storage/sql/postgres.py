"""PostgreSQL through asyncpg: a pool of connections, prepared statements cached per connection.

Connections come from `postgres_pool.PostgresPool` (bounded waits, lifetimes and idle times;
asyncpg's own pool costs a round trip's worth of CPU per checkout): a unit of work always ends
its transaction; one that did not finish cleanly has its session reset before the connection is
reused, and a connection that broke is closed. Units of work opened `relaxed` (rate-limit
counters) come from a small second pool whose sessions run with `synchronous_commit=off`: their
commits do not wait for the WAL flush, and a crash of the server may forget the last few of them
(never corrupts anything).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from consentry.storage.errors import Conflict
from consentry.storage.sql.connection import PoolLimits, ReadOnlyViolation, Row, WriteWatcher
from consentry.storage.sql.postgres_pool import PostgresPool
from consentry.storage.sql.statements import Dialect, Statement

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
        watchers: tuple[WriteWatcher, ...] = (),
    ) -> None:
        self._raw = raw
        self._watchers = watchers
        self._read_only = read_only
        self._autocommit = autocommit
        self._standalone_writes = standalone_writes
        self._in_transaction = False

    @property
    def dialect(self) -> Dialect:
        return Dialect.POSTGRESQL

    @property
    def writing(self) -> bool:
        return self._in_transaction

    async def _prepare(
        self, statement: Statement, values: Mapping[str, object]
    ) -> tuple[str, Sequence[object]]:
        """The text and positional arguments; opens the transaction before the first write."""
        compiled = statement.compiled(Dialect.POSTGRESQL)
        arguments = compiled.arguments(values)
        if not compiled.writes:
            return compiled.text, arguments
        if self._read_only:
            raise ReadOnlyViolation(compiled.text[:60])
        if compiled.table is not None:
            for watcher in self._watchers:
                watcher(compiled.table)
        if self._autocommit or self._in_transaction:
            return compiled.text, arguments
        if compiled.standalone and self._standalone_writes:
            return compiled.text, arguments  # atomic, and the unit of work's last write
        await self._raw.execute("BEGIN")
        self._in_transaction = True
        return compiled.text, arguments

    async def fetch(self, statement: Statement, **values: object) -> Sequence[Row]:
        text, arguments = await self._prepare(statement, values)
        try:
            rows: list[Row] = await self._raw.fetch(text, *arguments)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise Conflict("constraint violated") from exc
        return rows

    async def fetchrow(self, statement: Statement, **values: object) -> Row | None:
        text, arguments = await self._prepare(statement, values)
        try:
            row: Row | None = await self._raw.fetchrow(text, *arguments)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise Conflict("constraint violated") from exc
        return row

    async def fetchval(self, statement: Statement, **values: object) -> Any:
        row = await self.fetchrow(statement, **values)
        return None if row is None else row[0]

    async def execute(self, statement: Statement, **values: object) -> int:
        text, arguments = await self._prepare(statement, values)
        try:
            status: str = await self._raw.execute(text, *arguments)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise Conflict("constraint violated") from exc
        return _changed(status)

    async def executemany(self, statement: Statement, rows: Sequence[Mapping[str, object]]) -> None:
        if not rows:
            return
        text, _ = await self._prepare(statement, rows[0])
        compiled = statement.compiled(Dialect.POSTGRESQL)
        batch = [compiled.arguments(row) for row in rows]
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

    async def release(self, *, clean: bool = True) -> None:
        raw = self._raw
        if not clean:
            await self._pool.reset(raw)  # a fresh session, or a closed one the pool drops
        elif raw.is_in_transaction():
            try:
                await raw.execute("ROLLBACK")
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                raw.terminate()  # a broken session is not handed to the next request
        self._pool.release(raw)


class PostgresDatabase:
    """Two pools (durable and relaxed); connections open on first use."""

    def __init__(self, url: str, *, limits: PoolLimits | None = None) -> None:
        dsn = asyncpg_dsn(url)
        limits = limits or PoolLimits()
        self._pools = {
            False: PostgresPool(dsn, limits=limits, statement_cache_size=STATEMENT_CACHE_SIZE),
            True: PostgresPool(
                dsn,
                limits=replace(limits, size=max(2, limits.size // 4)),
                statement_cache_size=STATEMENT_CACHE_SIZE,
                server_settings=_RELAXED_SETTINGS,
            ),
        }
        self._watchers: tuple[WriteWatcher, ...] = ()

    @property
    def dialect(self) -> Dialect:
        return Dialect.POSTGRESQL

    async def acquire(
        self, *, read_only: bool, autocommit: bool, relaxed: bool, standalone_writes: bool = False
    ) -> PostgresLease:
        pool = self._pools[relaxed]
        raw = await pool.acquire()
        connection = PostgresConnection(
            raw,
            read_only=read_only,
            autocommit=autocommit,
            standalone_writes=standalone_writes,
            watchers=self._watchers,
        )
        return PostgresLease(pool, raw, connection)

    def watch_writes(self, watcher: WriteWatcher) -> None:
        self._watchers = (*self._watchers, watcher)

    async def close(self) -> None:
        for pool in self._pools.values():
            await pool.close()

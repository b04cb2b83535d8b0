"""Open the connection pool of a database URL: the SQLite or the PostgreSQL driver."""

from __future__ import annotations

import sqlite3

import asyncpg
from sqlalchemy.engine import make_url

from consentry.storage.sql.connection import Database, PoolLimits
from consentry.storage.sql.postgres import PostgresDatabase
from consentry.storage.sql.sqlite import SqliteDatabase

# What a failing database raises through the drivers (readiness checks report these).
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    sqlite3.Error,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
    TimeoutError,
)


def open_database(
    url: str, *, limits: PoolLimits | None = None, sqlite_synchronous: str = "NORMAL"
) -> Database:
    """`sqlite…:///path` or `postgresql…://…`; nothing connects until the first unit of work."""
    limits = limits or PoolLimits()
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return SqliteDatabase(
            parsed.database or "",
            synchronous=sqlite_synchronous,
            busy_timeout=limits.acquire_timeout,
        )
    if backend == "postgresql":
        return PostgresDatabase(url, limits=limits)
    raise ValueError(f"unsupported database: {backend}")

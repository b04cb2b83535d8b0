"""Open the query layer's connection pool for a database URL (see `driver.py`)."""

from __future__ import annotations

import sqlite3

import asyncpg
from sqlalchemy.engine import make_url

from consentry.storage.sql.connection import Database
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


def open_database(url: str, *, pool_size: int = 20, sqlite_synchronous: str = "NORMAL") -> Database:
    """`sqlite…:///path` or `postgresql…://…`; nothing connects until the first unit of work."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return SqliteDatabase(parsed.database or "", synchronous=sqlite_synchronous)
    if backend == "postgresql":
        return PostgresDatabase(url, pool_size=pool_size)
    raise ValueError(f"unsupported database: {backend}")

"""Snapshots of the benchmark's database, so every growth point starts from the same contents.

A point mints its own pools into the database; restoring the snapshot of its size before the
server starts keeps one point's pools out of the next point's tables. SQLite: a copy of the file
(after a WAL checkpoint); PostgreSQL: a database created from the benchmark's one as a template
(`STRATEGY FILE_COPY`), and the benchmark's database re-created from it, vacuumed and analyzed
once after it was filled, as autovacuum would have left it.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path
from typing import Protocol

import asyncpg
from sqlalchemy.engine import make_url

from bench.growth_fill import COUNTED, COUNTED_EXTRA
from consentry.storage.sql.engine import is_sqlite


class Snapshots(Protocol):
    def save(self, name: str, *, analyze: bool = False) -> None: ...
    def restore(self, name: str) -> None: ...


class SqliteSnapshots:
    def __init__(self, database_url: str, directory: Path) -> None:
        database = make_url(database_url).database
        if not database:
            raise ValueError("an SQLite URL without a file")
        self._file = Path(database)
        self._directory = directory

    def _path(self, name: str) -> Path:
        return self._directory / f"{name}.sqlite3"

    def save(self, name: str, *, analyze: bool = False) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(self._file) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        shutil.copyfile(self._file, self._path(name))

    def restore(self, name: str) -> None:
        for suffix in ("-wal", "-shm"):
            Path(f"{self._file}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self._path(name), self._file)


class PostgresSnapshots:
    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        if not url.database:
            raise ValueError("a PostgreSQL URL without a database")
        self._database = url.database
        admin = url.set(drivername="postgresql", database="postgres")
        self._admin = admin.render_as_string(hide_password=False)
        self._url = url.set(drivername="postgresql").render_as_string(hide_password=False)

    def _name(self, name: str) -> str:
        return f"{self._database}_growth_{name}"

    async def _admin_run(self, *statements: str, leave: str = "") -> None:
        """Run `statements` on the maintenance database, first ending the sessions on `leave`."""
        conn = await asyncpg.connect(self._admin)
        try:
            if leave:
                await conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid()",
                    leave,
                )
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def _analyze(self) -> None:
        conn = await asyncpg.connect(self._url)
        try:
            for table in (*COUNTED, *COUNTED_EXTRA):
                await conn.execute(f"VACUUM (ANALYZE) {table}")
        finally:
            await conn.close()

    def save(self, name: str, *, analyze: bool = False) -> None:
        if analyze:
            asyncio.run(self._analyze())
        copy, source = self._name(name), self._database
        asyncio.run(
            self._admin_run(
                f'DROP DATABASE IF EXISTS "{copy}"',
                f'CREATE DATABASE "{copy}" TEMPLATE "{source}" STRATEGY FILE_COPY',
                leave=source,
            )
        )

    def restore(self, name: str) -> None:
        copy, target = self._name(name), self._database
        asyncio.run(
            self._admin_run(
                f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)',
                f'CREATE DATABASE "{target}" TEMPLATE "{copy}" STRATEGY FILE_COPY',
            )
        )


def snapshots_for(database_url: str, directory: Path) -> Snapshots:
    if is_sqlite(database_url):
        return SqliteSnapshots(database_url, directory)
    return PostgresSnapshots(database_url)

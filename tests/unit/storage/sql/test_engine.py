"""Engine creation: async drivers picked from plain URLs, SQLite pragmas and write-ready BEGINs."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from consentry.storage.sql.engine import async_url, create_engine, is_sqlite, sync_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("sqlite:///data/c.sqlite3", "sqlite+aiosqlite:///data/c.sqlite3", id="sqlite"),
        pytest.param(
            "postgresql://u:p%40ss@db:5432/c",
            "postgresql+asyncpg://u:p%40ss@db:5432/c",
            id="postgresql-password-kept",
        ),
        pytest.param("sqlite+aiosqlite:///c.db", "sqlite+aiosqlite:///c.db", id="driver-kept"),
        pytest.param(
            "postgresql+psycopg://u@db/c", "postgresql+psycopg://u@db/c", id="explicit-driver"
        ),
        pytest.param("mysql://u@db/c", "mysql://u@db/c", id="other-backend-untouched"),
    ],
)
def test_async_url(url: str, expected: str) -> None:
    assert async_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("sqlite+aiosqlite:///c.db", "sqlite:///c.db", id="sqlite"),
        pytest.param(
            "postgresql+asyncpg://u:secret@db/c", "postgresql+psycopg://u:secret@db/c", id="pg"
        ),
        pytest.param("postgresql://u@db/c", "postgresql+psycopg://u@db/c", id="plain-pg"),
    ],
)
def test_sync_url_is_for_alembic(url: str, expected: str) -> None:
    assert sync_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///c.db", True),
        ("sqlite+aiosqlite:///:memory:", True),
        ("postgresql://u@db/c", False),
    ],
)
def test_is_sqlite(url: str, expected: bool) -> None:
    assert is_sqlite(url) is expected


async def test_postgresql_engine_uses_asyncpg_and_a_sized_pool() -> None:
    engine = create_engine("postgresql://u@127.0.0.1:1/c", pool_size=3)
    try:
        assert engine.dialect.driver == "asyncpg"
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def test_sqlite_connections_get_wal_foreign_keys_and_a_busy_timeout(tmp_path: object) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/pragmas.sqlite3")
    try:
        async with engine.connect() as conn:
            pragmas = [
                (await conn.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            ]
        assert pragmas == ["wal", 1, 30000, 1]
    finally:
        await engine.dispose()

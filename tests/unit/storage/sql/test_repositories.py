"""What the SQL unit of work has beyond the contract: its connection and session housekeeping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import cast

import pytest
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from consentry.clock import FixedClock
from consentry.storage.repositories import WebSession
from consentry.storage.sql import tables as t
from consentry.storage.sql.engine import create_engine
from consentry.storage.sql.repositories import SqlUnitOfWork, SqlWebSessionRepository
from consentry.storage.sql.security import dialect_insert


@pytest.fixture
async def sql_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def test_connection_exists_only_inside_the_block(sql_engine: AsyncEngine) -> None:
    uow = SqlUnitOfWork(sql_engine)
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.connection
    async with uow:
        assert not uow.connection.closed
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.connection


async def test_delete_expired_sessions(sql_engine: AsyncEngine, clock: FixedClock) -> None:
    now = clock.now()
    live = WebSession(b"l" * 32, None, "csrf", now, now + timedelta(hours=1))
    ended = WebSession(b"e" * 32, None, "csrf", now - timedelta(hours=2), now - timedelta(hours=1))
    async with SqlUnitOfWork(sql_engine) as uow:
        await uow.web_sessions.add(live)
        await uow.web_sessions.add(ended)
    async with SqlUnitOfWork(sql_engine) as uow:
        await SqlWebSessionRepository(uow.connection).delete_expired(now)
        assert await uow.web_sessions.get(live.id_hash) == live
        assert await uow.web_sessions.get(ended.id_hash) is None


@pytest.mark.parametrize(
    ("dialect", "module"),
    [("postgresql", postgresql), ("sqlite", sqlite)],
)
def test_dialect_insert_knows_on_conflict(dialect: str, module: object) -> None:
    conn = cast(AsyncConnection, SimpleNamespace(dialect=SimpleNamespace(name=dialect)))
    statement = dialect_insert(conn, cast(Table, t.RevokedAccessToken.__table__))
    assert isinstance(statement, module.Insert)  # type: ignore[attr-defined]
    assert hasattr(statement, "on_conflict_do_nothing")

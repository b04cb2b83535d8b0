"""What the SQL unit of work has beyond the contract: its connection and session housekeeping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from consentry.clock import FixedClock
from consentry.core.ports.sessions import WebSession
from consentry.storage.sql.connection import Database
from consentry.storage.sql.database import open_database
from consentry.storage.sql.repositories.web_sessions import SqlWebSessionRepository
from consentry.storage.sql.unit_of_work import SqlUnitOfWork


@pytest.fixture
async def sql_database(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    yield database
    await database.close()


async def test_connection_exists_only_inside_the_block(sql_database: Database) -> None:
    uow = SqlUnitOfWork(sql_database)
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.connection
    async with uow:
        assert uow.connection.dialect.value in {"sqlite", "postgresql"}
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.connection


async def test_delete_expired_sessions(sql_database: Database, clock: FixedClock) -> None:
    now = clock.now()
    live = WebSession(b"l" * 32, None, "csrf", now, now + timedelta(hours=1))
    ended = WebSession(b"e" * 32, None, "csrf", now - timedelta(hours=2), now - timedelta(hours=1))
    async with SqlUnitOfWork(sql_database) as uow:
        await uow.web_sessions.add(live)
        await uow.web_sessions.add(ended)
    async with SqlUnitOfWork(sql_database) as uow:
        await SqlWebSessionRepository(uow.connection).delete_expired(now)
        assert await uow.web_sessions.get(live.id_hash) == live
        assert await uow.web_sessions.get(ended.id_hash) is None

"""A unit of work on the database behind a test's SQLAlchemy engine (which seeds and inspects)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.storage.sql.database import open_database
from consentry.storage.sql.unit_of_work import SqlUnitOfWork


@asynccontextmanager
async def sql_unit_of_work(
    engine: AsyncEngine, *, read_only: bool = False
) -> AsyncIterator[SqlUnitOfWork]:
    """The app's own unit of work, opened on the engine's database for one block."""
    database = open_database(engine.url.render_as_string(hide_password=False))
    try:
        async with SqlUnitOfWork(database, read_only=read_only) as uow:
            yield uow
    finally:
        await database.close()

"""A store that cannot take a request in time answers 503 `temporarily_unavailable` with
Retry-After (RFC 6749 §4.1.2.1's code, at the token endpoint too), writes nothing, and serves
the same request once it can: SQLite locked by another process, PostgreSQL's pool exhausted."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import pytest
from fastapi import FastAPI

from consentry.settings import Settings
from consentry.storage.sql.connection import Database
from tests.conftest import Demo
from tests.integration.conftest import Issued
from tests.support.flow import refresh
from tests.support.sqlite_lock import sqlite_path, write_lock_held_elsewhere

WAIT_SECONDS = 0.2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"database_acquire_timeout_seconds": WAIT_SECONDS, "database_pool_size": 1}
    )


@contextmanager
def sqlite_locked(settings: Settings) -> Iterator[None]:
    with write_lock_held_elsewhere(sqlite_path(settings.database_url), WAIT_SECONDS * 5):
        yield


@asynccontextmanager
async def every_connection_taken(database: Database) -> AsyncIterator[None]:
    lease = await database.acquire(read_only=True, autocommit=False, relaxed=False)
    try:
        yield
    finally:
        await lease.release()


async def test_a_busy_store_is_503_temporarily_unavailable_and_writes_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    settings: Settings,
    db_backend: str,
) -> None:
    credentials = {"client_id": demo.client_id, "client_secret": demo.client_secret}
    if db_backend == "sqlite":
        with sqlite_locked(settings):
            response = await refresh(client, issued.refresh_token, **credentials)
    else:
        async with every_connection_taken(app.state.database):
            response = await refresh(client, issued.refresh_token, **credentials)
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "temporarily_unavailable"
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Cache-Control"] == "no-store"
    # Nothing was written: the refresh token was not rotated, so it still works once.
    again = await refresh(client, issued.refresh_token, **credentials)
    assert again.status_code == 200, again.text

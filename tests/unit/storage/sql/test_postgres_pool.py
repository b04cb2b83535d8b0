"""The PostgreSQL connection pool (storage/sql/postgres_pool.py), on the suite's PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from consentry.storage.sql.postgres import asyncpg_dsn
from consentry.storage.sql.postgres_pool import PostgresPool

pytestmark = pytest.mark.postgres_only


@pytest.fixture
async def pool(database_url: str, db_backend: str) -> AsyncIterator[PostgresPool]:
    if db_backend != "postgresql":
        pytest.skip("PostgreSQL only (the suite runs again with --db=postgresql)")
    opened = PostgresPool(asyncpg_dsn(database_url), max_size=2, statement_cache_size=16)
    yield opened
    await opened.close()


async def test_idle_connections_are_reused(pool: PostgresPool) -> None:
    first = await pool.acquire()
    pool.release(first)
    again = await pool.acquire()
    assert again is first
    assert pool.size == 1
    pool.release(again)


async def test_callers_wait_when_every_connection_is_out(pool: PostgresPool) -> None:
    one, two = await pool.acquire(), await pool.acquire()
    waiting = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.01)
    assert not waiting.done() and pool.size == 2
    pool.release(one)
    assert await asyncio.wait_for(waiting, 5) is one
    pool.release(one)
    pool.release(two)


async def test_a_connection_left_in_a_transaction_is_dropped(pool: PostgresPool) -> None:
    connection = await pool.acquire()
    await connection.execute("BEGIN")
    pool.release(connection)
    assert pool.size == 0 and connection.is_closed()
    fresh = await pool.acquire()
    assert fresh is not connection and await fresh.fetchval("SELECT 1") == 1
    pool.release(fresh)


async def test_a_dropped_connection_frees_a_slot_for_a_waiter(pool: PostgresPool) -> None:
    one, two = await pool.acquire(), await pool.acquire()
    waiting = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.01)
    one.terminate()
    pool.release(one)  # closed: dropped; the waiter opens a new one
    fresh = await asyncio.wait_for(waiting, 5)
    assert fresh is not one and await fresh.fetchval("SELECT 1") == 1
    pool.release(fresh)
    pool.release(two)


async def test_a_cancelled_waiter_gives_no_connection_away(pool: PostgresPool) -> None:
    one, two = await pool.acquire(), await pool.acquire()
    waiting = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    pool.release(one)
    assert await pool.acquire() is one
    pool.release(one)
    pool.release(two)


async def test_closing_fails_waiters_and_refuses_new_callers(pool: PostgresPool) -> None:
    one, two = await pool.acquire(), await pool.acquire()
    waiting = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.01)
    await pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        await waiting
    with pytest.raises(RuntimeError, match="closed"):
        await pool.acquire()
    pool.release(one)
    pool.release(two)
    assert one.is_closed() and two.is_closed()


def test_a_pool_needs_a_connection() -> None:
    with pytest.raises(ValueError, match="at least one"):
        PostgresPool("postgresql://u@h/d", max_size=0, statement_cache_size=0)

"""The PostgreSQL connection pool (storage/sql/postgres_pool.py), on the suite's PostgreSQL.

Ages are moved on an injected monotonic clock, never slept through.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from consentry.core.ports.unit_of_work import StorageUnavailable
from consentry.storage.sql.connection import PoolLimits
from consentry.storage.sql.postgres import PostgresDatabase, asyncpg_dsn
from consentry.storage.sql.postgres_pool import PostgresPool

pytestmark = pytest.mark.postgres_only

LIMITS = PoolLimits(size=2, acquire_timeout=5.0, max_lifetime=3600.0, max_idle=300.0)


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic() -> Ticking:
    return Ticking()


@pytest.fixture
def open_pool(
    database_url: str, db_backend: str, monotonic: Ticking
) -> Callable[[PoolLimits], PostgresPool]:
    if db_backend != "postgresql":
        pytest.skip("PostgreSQL only (the suite runs again with --db=postgresql)")

    def opened(limits: PoolLimits) -> PostgresPool:
        return PostgresPool(
            asyncpg_dsn(database_url), limits=limits, statement_cache_size=16, monotonic=monotonic
        )

    return opened


@pytest.fixture
async def pool(open_pool: Callable[[PoolLimits], PostgresPool]) -> AsyncIterator[PostgresPool]:
    opened = open_pool(LIMITS)
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


async def test_a_caller_waits_no_longer_than_the_acquire_timeout(
    open_pool: Callable[[PoolLimits], PostgresPool],
) -> None:
    pool = open_pool(PoolLimits(size=1, acquire_timeout=0.05))
    held = await pool.acquire()
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match=r"no database connection within 0\.05 s"):
        await pool.acquire()
    assert time.monotonic() - started < 2
    pool.release(held)  # the slot still works: the timed-out waiter took nothing
    assert await pool.acquire() is held
    pool.release(held)
    await pool.close()


async def test_a_connection_left_in_a_transaction_is_dropped(pool: PostgresPool) -> None:
    connection = await pool.acquire()
    await connection.execute("BEGIN")
    pool.release(connection)
    assert pool.size == 0
    fresh = await pool.acquire()
    assert fresh is not connection and await fresh.fetchval("SELECT 1") == 1
    pool.release(fresh)


async def test_a_connection_past_its_lifetime_is_closed_not_reused(
    pool: PostgresPool, monotonic: Ticking
) -> None:
    old = await pool.acquire()
    monotonic.now += LIMITS.max_lifetime
    pool.release(old)  # handed back too old: closed
    assert pool.size == 0
    fresh = await pool.acquire()
    assert fresh is not old
    monotonic.now += LIMITS.max_lifetime - 1
    pool.release(fresh)  # one second short of its lifetime: kept
    monotonic.now += 1
    replacement = await pool.acquire()  # it expired while idle: closed at checkout
    assert replacement is not fresh and pool.size == 1
    pool.release(replacement)


async def test_a_connection_idle_too_long_is_not_handed_out(
    pool: PostgresPool, monotonic: Ticking
) -> None:
    stale = await pool.acquire()
    pool.release(stale)
    monotonic.now += LIMITS.max_idle
    fresh = await pool.acquire()
    assert fresh is not stale and await fresh.fetchval("SELECT 1") == 1
    assert pool.size == 1
    pool.release(fresh)


async def test_recycling_closes_only_the_expired_idle_connections(
    pool: PostgresPool, monotonic: Ticking
) -> None:
    one, two = await pool.acquire(), await pool.acquire()
    pool.release(one)
    monotonic.now += LIMITS.max_idle / 2
    pool.release(two)
    monotonic.now += LIMITS.max_idle / 2
    assert pool.recycle() == 1  # `one` has been idle for max_idle, `two` for half of it
    assert (pool.size, pool.idle) == (1, 1)
    assert await pool.acquire() is two
    pool.release(two)


async def test_recycling_runs_by_itself_after_the_idle_time(
    open_pool: Callable[[PoolLimits], PostgresPool], monotonic: Ticking
) -> None:
    pool = open_pool(PoolLimits(size=1, max_idle=0.05))
    connection = await pool.acquire()
    pool.release(connection)
    monotonic.now += 1  # the timer fires after max_idle of loop time and finds it expired
    for _ in range(200):
        if pool.size == 0:
            break
        await asyncio.sleep(0.01)
    assert (pool.size, pool.idle) == (0, 0)
    await pool.close()
    assert connection.is_closed()


async def test_an_unfinished_unit_of_work_leaves_no_session_state_behind(
    database_url: str, db_backend: str
) -> None:
    if db_backend != "postgresql":
        pytest.skip("PostgreSQL only (the suite runs again with --db=postgresql)")
    database = PostgresDatabase(database_url, limits=PoolLimits(size=1))
    lease = await database.acquire(read_only=False, autocommit=False, relaxed=False)
    raw: asyncpg.Connection = lease._raw  # what the next unit of work will get
    await raw.execute("SET application_name = 'left-behind'")
    await raw.execute("BEGIN")
    await lease.release(clean=False)
    again = await database.acquire(read_only=True, autocommit=False, relaxed=False)
    assert again._raw is raw  # reset, not replaced
    assert await raw.fetchval("SHOW application_name") != "left-behind"
    assert not raw.is_in_transaction()
    await again.release()
    await database.close()


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
        PostgresPool("postgresql://u@h/d", limits=PoolLimits(size=0), statement_cache_size=0)

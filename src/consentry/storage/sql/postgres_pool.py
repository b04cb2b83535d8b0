"""A small pool of asyncpg connections, bounded in number, in waiting and in age.

asyncpg's own pool spends about 48 µs of CPU per checkout and return here (holders, timeouts,
a reset query on every release), half a round trip to the database, on every request; this one
pops a connection from a list on the fast path and does the rest only when it is needed:

- at most `limits.size` connections, opened on demand; when all are out, callers wait first
  come, first served, for at most `limits.acquire_timeout` seconds, then get
  `StorageUnavailable` (answered 503 `temporarily_unavailable`); opening a connection is
  bounded by the same timeout;
- a connection older than `limits.max_lifetime`, or idle for longer than `limits.max_idle`, is
  closed instead of reused (server-side memory, a failed-over primary, a firewall that drops
  quiet sockets); `recycle()` closes the idle ones that expired without waiting for the next
  checkout, and runs by itself `max_idle` seconds after a connection was last handed back;
- a connection that comes back closed or still in a transaction is dropped; one whose unit of
  work did not finish cleanly is reset first (`reset`: asyncpg's reset, ROLLBACK, RESET ALL,
  UNLISTEN, advisory locks released) or dropped when that fails;
- `close()` fails the waiters and closes every connection.

Ages are read from `monotonic` (injected: tests move it instead of sleeping).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import asyncpg

from consentry.core.ports.unit_of_work import StorageUnavailable
from consentry.storage.sql.connection import PoolLimits

log = logging.getLogger("consentry.storage")

_CLOSE_TIMEOUT_SECONDS = 5.0


@dataclass(slots=True)
class _Idle:
    raw: asyncpg.Connection
    since: float


def _give_up(waiter: asyncio.Future[asyncpg.Connection | None]) -> None:
    """The acquire timeout of a waiting caller ran out."""
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class PostgresPool:
    def __init__(
        self,
        dsn: str,
        *,
        limits: PoolLimits,
        statement_cache_size: int,
        server_settings: Mapping[str, str] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if limits.size < 1:
            raise ValueError("a pool needs at least one connection")
        self._dsn = dsn
        self._limits = limits
        self._statement_cache_size = statement_cache_size
        self._server_settings = dict(server_settings or {})
        self._monotonic = monotonic
        self._idle: list[_Idle] = []  # the most recently used last
        self._opened_at: dict[asyncpg.Connection, float] = {}
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._open = 0  # connections that exist: idle, checked out, or being opened
        self._closing: set[asyncio.Task[None]] = set()
        self._recycling: asyncio.TimerHandle | None = None
        self._closed = False

    @property
    def size(self) -> int:
        return self._open

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def acquire(self) -> asyncpg.Connection:
        if self._closed:
            raise RuntimeError("the pool was closed")
        idle = self._take_idle()  # the fast path: the most recently used idle connection
        if idle is not None:
            return idle
        try:
            return await self._open_or_wait(self._limits.acquire_timeout)
        except TimeoutError:
            raise StorageUnavailable(
                f"no database connection within {self._limits.acquire_timeout:g} s"
                f" ({self._limits.size} in use)"
            ) from None

    async def _open_or_wait(self, timeout: float) -> asyncpg.Connection:
        """A connection within `timeout` seconds (TimeoutError otherwise). The wait is bounded by
        a timer on the waiter's future rather than `asyncio.timeout`, whose task cancellation
        costs every waiting request ~10 µs (docs/performance.md)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._closed:
                raise RuntimeError("the pool was closed")
            idle = self._take_idle()  # handed back while we were waiting for a slot
            if idle is not None:
                return idle
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError
            if self._open < self._limits.size:
                return await self._connect(left)
            waiter: asyncio.Future[asyncpg.Connection | None] = loop.create_future()
            self._waiters.append(waiter)
            expiry = loop.call_at(deadline, _give_up, waiter)
            try:
                handed = await waiter
            except BaseException:
                if not waiter.cancelled() and waiter.done() and waiter.exception() is None:
                    handed = waiter.result()
                    if handed is not None:
                        self.release(handed)  # handed over just as we gave up
                raise
            finally:
                expiry.cancel()
            if handed is not None:
                return handed
            # None: a slot was freed (a connection was dropped); try again

    def _take_idle(self) -> asyncpg.Connection | None:
        """The most recently used idle connection that has not expired; expired ones close."""
        now = self._monotonic()
        while self._idle:
            idle = self._idle.pop()
            if not self._expired(idle.raw, idle.since, now):
                return idle.raw
            self._discard(idle.raw)
        return None

    async def _connect(self, timeout: float) -> asyncpg.Connection:
        self._open += 1
        try:
            raw = await asyncpg.connect(
                self._dsn,
                statement_cache_size=self._statement_cache_size,
                server_settings=self._server_settings or None,
                timeout=timeout,
            )
        except BaseException:
            self._open -= 1
            self._wake_one(None)  # a waiter may now open one itself
            raise
        self._opened_at[raw] = self._monotonic()
        return raw

    def _expired(self, raw: asyncpg.Connection, idle_since: float | None, now: float) -> bool:
        if now - self._opened_at.get(raw, now) >= self._limits.max_lifetime:
            return True
        return idle_since is not None and now - idle_since >= self._limits.max_idle

    def _wake_one(self, connection: asyncpg.Connection | None) -> bool:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return True
        return False

    def release(self, connection: asyncpg.Connection) -> None:
        """Hand a connection back: to the first waiter, else to the idle list."""
        if (
            self._closed
            or connection.is_closed()
            or connection.is_in_transaction()
            or self._expired(connection, None, self._monotonic())
        ):
            self._discard(connection)
            self._wake_one(None)
            return
        if not self._wake_one(connection):
            self._idle.append(_Idle(connection, self._monotonic()))
            self._schedule_recycling()

    async def reset(self, connection: asyncpg.Connection) -> None:
        """Bring back a connection whose unit of work did not finish cleanly to a fresh
        session, or close it (then `release` drops it)."""
        if connection.is_closed():
            return
        try:
            await connection.reset(timeout=self._limits.acquire_timeout)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
            connection.terminate()

    def recycle(self) -> int:
        """Close the idle connections past their idle time or lifetime; how many were closed."""
        now = self._monotonic()
        idle, self._idle = self._idle, []
        for entry in idle:
            if self._expired(entry.raw, entry.since, now):
                self._discard(entry.raw)
            else:
                self._idle.append(entry)
        return len(idle) - len(self._idle)

    def _schedule_recycling(self) -> None:
        if self._recycling is not None or self._closed:
            return
        loop = asyncio.get_running_loop()
        self._recycling = loop.call_later(self._limits.max_idle, self._recycle_on_timer)

    def _recycle_on_timer(self) -> None:
        self._recycling = None
        self.recycle()
        if self._idle:
            self._schedule_recycling()

    def _discard(self, connection: asyncpg.Connection) -> None:
        """Forget a connection and close it in the background (a graceful goodbye)."""
        self._open -= 1
        self._opened_at.pop(connection, None)
        if connection.is_closed():
            return
        if self._closed:
            connection.terminate()  # handed back after close(): nobody waits for a goodbye
            return
        task = asyncio.get_running_loop().create_task(self._close(connection))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @staticmethod
    async def _close(connection: asyncpg.Connection) -> None:
        try:
            await connection.close(timeout=_CLOSE_TIMEOUT_SECONDS)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
            connection.terminate()

    async def close(self) -> None:
        self._closed = True
        if self._recycling is not None:
            self._recycling.cancel()
            self._recycling = None
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(RuntimeError("the pool was closed"))
        idle, self._idle = self._idle, []
        for entry in idle:
            self._discard(entry.raw)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

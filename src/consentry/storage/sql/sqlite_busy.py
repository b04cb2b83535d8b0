"""Waiting for another process's SQLite write lock without blocking the event loop.

SQLite's own busy handler (`PRAGMA busy_timeout`) sleeps inside the call, on the thread that
made it: the event loop's, here, so every request of the process would stop while another
process (`--workers N`, a `consentry` command) holds the write lock. Request connections
therefore run with `busy_timeout=0`: a statement that finds the database locked fails at once
with SQLITE_BUSY, and `BusyWait.retry` tries it again after an `asyncio.sleep` (1 ms, doubling
up to 25 ms) until it succeeds or `timeout` seconds have passed, then raises
`StorageUnavailable` (503 `temporarily_unavailable`). The loop is never held longer than one
statement.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import TypeVar

from consentry.core.ports.unit_of_work import StorageUnavailable

T = TypeVar("T")

_SQLITE_BUSY = 5  # the primary code; extended ones (BUSY_RECOVERY, …) share its low byte
FIRST_PAUSE_SECONDS = 0.001
LONGEST_PAUSE_SECONDS = 0.025


def is_busy(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock it needs."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == _SQLITE_BUSY


class BusyWait:
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout

    async def run(self, attempt: Callable[[], T]) -> T:
        """`attempt()` now, and again off the loop for as long as SQLite answers SQLITE_BUSY."""
        try:
            return attempt()
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
        return await self.retry(attempt)

    async def retry(self, attempt: Callable[[], T]) -> T:
        """`attempt()` again until SQLite lets it through (it just failed with SQLITE_BUSY)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        pause = FIRST_PAUSE_SECONDS
        while True:
            await asyncio.sleep(pause)
            try:
                return attempt()
            except sqlite3.OperationalError as error:
                if not is_busy(error):
                    raise
                if loop.time() >= deadline:
                    raise StorageUnavailable(
                        f"the SQLite database stayed locked by another process for"
                        f" {self._timeout:g} s"
                    ) from error
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)

"""`bench/run lockstall`: how long another process's SQLite writer stops this event loop.

A second process holds the write lock (BEGIN IMMEDIATE) for `HOLD_SECONDS`; meanwhile this loop
runs a heartbeat (a task that sleeps 1 ms at a time) and one write. Reported for SQLite's own
busy handler on the loop's thread (`PRAGMA busy_timeout`, what the driver did before) and for
consentry's driver (`busy_timeout=0`, retried after `asyncio.sleep`: storage/sql/sqlite_busy.py):
the longest the heartbeat went without a beat, and how long the write waited.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import create_engine, insert

from consentry.storage.sql import schema
from consentry.storage.sql.sqlite import SqliteDatabase
from consentry.storage.sql.statements import Statement, parameter
from consentry.storage.sql.unit_of_work import SqlUnitOfWork

HOLD_SECONDS = 1.0
_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""
_counters = schema.table(schema.RateLimitCounter)
_COUNT = Statement(
    insert(_counters).values(key=parameter("key", _counters.c.key), window_start=0, count=1)
)


async def _measured(path: Path, write: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    """(longest loop gap, time the write took) while another process holds the lock."""
    longest = 0.0

    async def beat() -> None:
        nonlocal longest
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.001)
            now = time.monotonic()
            longest, last = max(longest, now - last), now

    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(HOLD_SECONDS)], stdout=subprocess.PIPE
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == b"held\n"
    heartbeat = asyncio.get_running_loop().create_task(beat())
    await asyncio.sleep(0.01)
    started = time.monotonic()
    await write()
    took = time.monotonic() - started
    await asyncio.sleep(0.01)
    heartbeat.cancel()
    holder.wait()
    holder.stdout.close()
    return longest, took


async def _run(path: Path) -> list[tuple[str, float, float]]:
    handler = sqlite3.connect(path, isolation_level=None)
    handler.execute("PRAGMA busy_timeout=30000")

    async def in_sqlite_busy_handler() -> None:
        handler.execute("BEGIN IMMEDIATE")
        handler.execute("INSERT INTO rate_limit_counters VALUES ('a', 0, 1)")
        handler.execute("COMMIT")

    database = SqliteDatabase(str(path))

    async def through_the_driver() -> None:
        async with SqlUnitOfWork(database) as uow:
            await uow.connection.execute(_COUNT, key="b")

    async with SqlUnitOfWork(database, read_only=True):
        pass  # the driver's connection is open before the lock is taken, as in a warm server
    rows = [
        ("SQLite's busy handler on the loop", *await _measured(path, in_sqlite_busy_handler)),
        ("consentry's driver (sqlite_busy.py)", *await _measured(path, through_the_driver)),
    ]
    handler.close()
    await database.close()
    return rows


def main_lock_stall() -> int:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "stall.sqlite3"
        engine = create_engine(f"sqlite:///{path}")
        schema.Base.metadata.create_all(engine, tables=[_counters])
        engine.dispose()
        sqlite3.connect(path).execute("PRAGMA journal_mode=WAL").fetchall()
        rows = asyncio.run(_run(path))
    print(f"another process holds the write lock for {HOLD_SECONDS:g} s")
    print(f"{'':40} {'longest loop stall':>20} {'write waited':>14}")
    for name, stall, took in rows:
        print(f"{name:40} {stall * 1000:17.1f} ms {took * 1000:11.1f} ms")
    return 0

"""Another process holding an SQLite database's write lock, for the tests of waiting on it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.split(":///", 1)[1])


@contextmanager
def write_lock_held_elsewhere(path: Path, seconds: float) -> Iterator[subprocess.Popen[bytes]]:
    """A second process takes the write lock (BEGIN IMMEDIATE), keeps it `seconds`, commits."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"held\n"
        yield holder
    finally:
        holder.wait(timeout=seconds + 30)
        if holder.stdout is not None:
            holder.stdout.close()

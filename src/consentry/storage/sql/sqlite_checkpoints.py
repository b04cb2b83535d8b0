"""WAL checkpoints of an SQLite file in a background thread, off the requests' path.

By default SQLite checkpoints inside the COMMIT that makes the WAL reach 1,000 pages: that
commit copies the pages into the database file and flushes both files, about 70 % of what a
write transaction costs here. Request connections therefore only checkpoint as a safety net
(`SAFETY_NET_PAGES`), and this thread runs a PASSIVE checkpoint (it never blocks readers or the
writer) every `interval_seconds` when the WAL changed. With several processes on one file, each
runs one; SQLite lets one checkpoint at a time and the others skip.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

log = logging.getLogger("consentry.storage")

# A request's commit checkpoints only if the WAL has grown this far (the thread fell behind).
SAFETY_NET_PAGES = 20_000
DEFAULT_INTERVAL_SECONDS = 0.2


class WalCheckpointer:
    def __init__(self, path: str, *, interval_seconds: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self._path = path
        self._wal = path + "-wal"
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="consentry-wal-checkpoints", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _wal_version(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self._wal)
        except FileNotFoundError:
            return None
        return found.st_mtime_ns, found.st_size

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        checkpointed: tuple[int, int] | None = None
        try:
            while not self._stop.wait(self._interval):
                version = self._wal_version()
                if version is None or version == checkpointed:
                    continue
                checkpointed = version
                if connection is None:
                    connection = sqlite3.connect(self._path, isolation_level=None)
                    connection.execute("PRAGMA busy_timeout=1000")
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self.checkpoints += 1
        except sqlite3.Error:
            # The request connections' own safety-net checkpoints take over.
            log.exception("background WAL checkpoints stopped")
        finally:
            if connection is not None:
                connection.close()

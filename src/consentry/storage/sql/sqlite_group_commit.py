"""Group commit on SQLite: the writes of concurrent units of work share one transaction.

On a local WAL file the COMMIT is most of what a write costs (the WAL frames, the wal-index, and
the checkpoint work that the frames cause later), and it does not depend on how much the
transaction wrote. So a process keeps one writer connection; a unit of work's first write
enters the open transaction (`BEGIN IMMEDIATE` if none is open) under a `SAVEPOINT` of its own,
and its end `RELEASE`s the savepoint (or rolls back to it) and waits for the COMMIT that carries
it. Two kinds of member need no savepoint (two statements fewer each): the one that opens a
transaction, since nobody else is in it yet (its failure rolls the whole transaction back), and
one that leaves after a single statement (an autocommit unit of work such as the partner API's
counter: SQLite undoes a failed statement by itself, and an error that undoes the whole
transaction fails the group as a failed COMMIT does). The COMMIT is
scheduled with `loop.call_soon` when a member leaves: every unit of work that reaches its end
in the same turn of the event loop (requests that arrived together) rides on it.

What does not change: a unit of work's answer is sent only after the COMMIT that holds its
writes returned (durability as `synchronous` says); a unit of work that fails rolls back its own
savepoint and nothing of the others; a COMMIT that fails fails every member it carried, and none
of their writes is kept. Members write one at a time (the group's `asyncio.Lock` is held from a
member's first write to its end), so savepoints never interleave; a member that awaits
something slow between its first write and its end (a thread, the network) delays the others'
COMMIT, so write sections hold only their statements.

Reads before a unit of work's first write run on a reader connection and see what is committed;
every conditional write (`UPDATE … WHERE used_at IS NULL`) runs on the writer and so sees what
earlier members wrote, committed or not: two requests racing for one code still cannot both win.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable

from consentry.storage.errors import StorageError
from consentry.storage.sql.sqlite_busy import BusyWait

log = logging.getLogger("consentry.storage")


class GroupCommitFailed(StorageError):
    """The COMMIT of a group failed: none of its members' writes was kept."""


class GroupCommit:
    """The process's SQLite writer connection and the transaction its members share."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], busy: BusyWait) -> None:
        self._connect = connect
        self._busy = busy
        self._raw: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()
        self._open = False  # a transaction is open on the writer
        self._opener = False  # the writing member opened the transaction
        self._savepoint = False  # the writing member wrote under a savepoint of its own
        self._waiting: list[asyncio.Future[None]] = []
        self._scheduled: asyncio.Handle | None = None
        self.commits = 0  # COMMITs that succeeded (the tests and the bench read it)
        self.members = 0  # units of work that wrote in them

    @property
    def writer(self) -> sqlite3.Connection | None:
        """The writer connection, once the first write opened it."""
        return self._raw

    async def enter(self, *, one_statement: bool = False) -> sqlite3.Connection:
        """Become the group's writing member: the writer connection, inside a savepoint of its
        own, or without one as the transaction's first member or for `one_statement` (a member
        that leaves right after one statement: SQLite undoes a failed statement by itself)."""
        await self._lock.acquire()
        try:
            raw = self._raw
            if raw is None:
                raw = self._raw = await self._busy.run(self._connect)
            self._opener = not self._open
            self._savepoint = not (self._opener or one_statement)
            if self._opener:
                await self._busy.run(lambda: raw.execute("BEGIN IMMEDIATE"))
                self._open = True
            elif self._savepoint:
                raw.execute("SAVEPOINT unit_of_work")
        except BaseException:
            self._lock.release()
            raise
        return raw

    def leave(self, *, keep: bool) -> asyncio.Future[None] | None:
        """End the writing member's savepoint (kept or rolled back) and let the next one in.

        Returns the future of the COMMIT that carries the kept writes.
        """
        raw = self._raw
        if raw is None:
            raise RuntimeError("left a group that was never entered")
        try:
            if self._savepoint:
                if not keep:
                    raw.execute("ROLLBACK TO unit_of_work")
                raw.execute("RELEASE unit_of_work")
            elif self._opener and not keep:  # the transaction holds this member's writes only
                self._open = False
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
            elif not keep and not raw.in_transaction:
                # A one-statement member whose error made SQLite roll back the whole transaction
                # (disk full, I/O error), the others' writes with it.
                raise sqlite3.OperationalError("SQLite rolled the group's transaction back")
        except sqlite3.Error as exc:
            self._abort(exc)  # the transaction is in no known state: the whole group fails
            raise
        finally:
            self._lock.release()
        future: asyncio.Future[None] | None = None
        if keep:
            self.members += 1
            future = asyncio.get_running_loop().create_future()
            self._waiting.append(future)
        if self._scheduled is None:
            self._scheduled = asyncio.get_running_loop().call_soon(self._commit)
        return future

    def _commit(self) -> None:
        self._scheduled = None
        if not self._open or self._lock.locked():
            return  # nothing to commit, or a member is writing: it schedules us when it leaves
        raw = self._raw
        if raw is None:
            return
        waiting, self._waiting = self._waiting, []
        self._open = False
        try:
            raw.execute("COMMIT")
        except sqlite3.Error as exc:
            self._fail(raw, waiting, exc)
            return
        self.commits += 1
        for future in waiting:
            if not future.done():
                future.set_result(None)

    def _abort(self, exc: sqlite3.Error) -> None:
        raw = self._raw
        if raw is None:
            return
        waiting, self._waiting = self._waiting, []
        self._open = False
        self._fail(raw, waiting, exc)

    def _fail(
        self, raw: sqlite3.Connection, waiting: list[asyncio.Future[None]], exc: sqlite3.Error
    ) -> None:
        log.error("SQLite group commit failed; %d units of work lost their writes", len(waiting))
        if raw.in_transaction:
            try:
                raw.execute("ROLLBACK")
            except sqlite3.Error:
                log.exception("rollback after a failed group commit; the writer is reopened")
                raw.close()  # a connection in no known state is not written through again
                self._raw = None
        for future in waiting:
            if not future.done():
                future.set_exception(GroupCommitFailed(str(exc)))

    async def close(self) -> None:
        """Commit what is pending, then close the writer."""
        async with self._lock:
            if self._scheduled is not None:
                self._scheduled.cancel()
            self._scheduled = None
        self._commit()
        if self._raw is not None:
            self._raw.close()
            self._raw = None

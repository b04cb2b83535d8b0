"""The SQL repository of failed client authentications: one shared counter per client_id.

Recording a failure is one atomic upsert, so concurrent failures on any node all land in the
same counter, and it answers the count and the start of its window in the same round trip.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ClauseElement, Integer, case, literal_column

from consentry.core.ports.throttling import FailureWindow
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, read_time
from consentry.storage.sql.statements import Dialect, Statement, insert_for, parameter

client_auth_failures = schema.table(schema.ClientAuthFailure)


def _record_failure(dialect: Dialect) -> ClauseElement:
    """Count one failure; a window that started at or before `window_cutoff` (= now - window)
    is over, and the count starts again at 1 in a window starting now."""
    one = literal_column("1", Integer)
    now = parameter("now", client_auth_failures.c.window_started_at)
    window_over = client_auth_failures.c.window_started_at <= parameter(
        "window_cutoff", client_auth_failures.c.window_started_at
    )
    upsert: ClauseElement = (
        insert_for(dialect)(client_auth_failures)
        .values(
            client_id=parameter("client_id", client_auth_failures.c.client_id),
            window_started_at=now,
            failures=one,
        )
        .on_conflict_do_update(
            index_elements=[client_auth_failures.c.client_id],
            set_={
                "failures": case((window_over, one), else_=client_auth_failures.c.failures + one),
                "window_started_at": case(
                    (window_over, now), else_=client_auth_failures.c.window_started_at
                ),
            },
        )
        .returning(client_auth_failures.c.failures, client_auth_failures.c.window_started_at)
    )
    return upsert


_RECORD_FAILURE = Statement(_record_failure)


class SqlClientAuthFailureRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def record(self, client_id: str, now: datetime, window: timedelta) -> FailureWindow:
        row = await self._conn.fetchrow(
            _RECORD_FAILURE, client_id=client_id, now=now, window_cutoff=now - window
        )
        if row is None:
            raise RuntimeError("the failure counter upsert returned no row")
        return FailureWindow(
            count=int(row["failures"]), started_at=read_time(row["window_started_at"])
        )

"""The audit trail in SQL: appends serialised on the chain-head row, reads in chain order.

There is deliberately no UPDATE or DELETE of `audit_events` here; on PostgreSQL and SQLite a
trigger (migration 0003) refuses them anyway.
"""

from __future__ import annotations

import json

from consentry.core.audit import AuditEvent, AuditKind, StoredAuditEvent, chain_hash
from consentry.storage.sql.connection import Connection, Row, read_time, sql

HEAD_ID = 1
_COLUMNS = "seq, kind, occurred_at, app_id, user_id, client_id, grant_id, detail, prev_hash, hash"

# FOR UPDATE locks the head until this transaction ends (PostgreSQL); on SQLite the statement
# counts as a write, so the transaction (BEGIN IMMEDIATE) is already the only writer. Either way
# the chain stays linear.
_LOCK_HEAD = sql(
    "SELECT last_seq, last_hash FROM audit_chain_head WHERE id = $1 FOR UPDATE",
    sqlite="SELECT last_seq, last_hash FROM audit_chain_head WHERE id = $1",
)
_HEAD = sql("SELECT last_seq, last_hash FROM audit_chain_head WHERE id = $1")
_APPEND = sql(
    f"INSERT INTO audit_events ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
)
_MOVE_HEAD = sql("UPDATE audit_chain_head SET last_seq = $2, last_hash = $3 WHERE id = $1")
_PAGE = sql(f"SELECT {_COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2")
_APP_PAGE = sql(
    f"SELECT {_COLUMNS} FROM audit_events WHERE seq > $1 AND app_id = $3 ORDER BY seq LIMIT $2"
)
_RECENT = sql(f"SELECT {_COLUMNS} FROM audit_events ORDER BY seq DESC LIMIT $1")
_APP_RECENT = sql(
    f"SELECT {_COLUMNS} FROM audit_events WHERE app_id = $2 ORDER BY seq DESC LIMIT $1"
)


def _stored(row: Row) -> StoredAuditEvent:
    return StoredAuditEvent(
        seq=row["seq"],
        event=AuditEvent(
            kind=AuditKind(row["kind"]),
            occurred_at=read_time(row["occurred_at"]),
            app_id=row["app_id"],
            user_id=row["user_id"],
            client_id=row["client_id"],
            grant_id=row["grant_id"],
            detail=dict(json.loads(row["detail"])),
        ),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


class SqlAuditRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def append(self, event: AuditEvent) -> StoredAuditEvent:
        current = await self._conn.fetchrow(_LOCK_HEAD, HEAD_ID)
        if current is None:
            raise RuntimeError("the audit chain head is missing (migration 0003)")
        seq = int(current["last_seq"]) + 1
        previous = str(current["last_hash"])
        digest = chain_hash(previous, event)
        await self._conn.execute(
            _APPEND,
            seq,
            event.kind.value,
            event.occurred_at,
            event.app_id,
            event.user_id,
            event.client_id,
            event.grant_id,
            json.dumps(dict(event.detail)),
            previous,
            digest,
        )
        await self._conn.execute(_MOVE_HEAD, HEAD_ID, seq, digest)
        return StoredAuditEvent(seq=seq, event=event, prev_hash=previous, hash=digest)

    async def page(
        self, *, app_id: int | None = None, after_seq: int = 0, limit: int = 100
    ) -> list[StoredAuditEvent]:
        if app_id is None:
            rows = await self._conn.fetch(_PAGE, after_seq, limit)
        else:
            rows = await self._conn.fetch(_APP_PAGE, after_seq, limit, app_id)
        return [_stored(row) for row in rows]

    async def recent(
        self, *, app_id: int | None = None, limit: int = 100
    ) -> list[StoredAuditEvent]:
        if app_id is None:
            rows = await self._conn.fetch(_RECENT, limit)
        else:
            rows = await self._conn.fetch(_APP_RECENT, limit, app_id)
        return [_stored(row) for row in rows]

    async def head(self) -> tuple[int, str]:
        row = await self._conn.fetchrow(_HEAD, HEAD_ID)
        if row is None:
            raise RuntimeError("the audit chain head is missing (migration 0003)")
        return int(row["last_seq"]), str(row["last_hash"])

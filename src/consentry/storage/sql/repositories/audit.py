"""The SQL repository of the audit trail: appends serialised on the chain-head row, reads in
chain order.

There is deliberately no UPDATE or DELETE of `audit_events` here; on PostgreSQL and SQLite a
trigger (migration 0003) refuses them anyway.
"""

from __future__ import annotations

import json

from sqlalchemy import Integer, insert, select, update

from consentry.core.audit import AuditEvent, AuditKind, StoredAuditEvent, chain_hash
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Connection, Row, read_time
from consentry.storage.sql.statements import Statement, parameter

HEAD_ID = 1
events = schema.table(schema.AuditEventRow)
head = schema.table(schema.AuditChainHead)

_HEAD_ROW = select(head.c.last_seq, head.c.last_hash).where(
    head.c.id == parameter("head_id", head.c.id)
)
# FOR UPDATE locks the head until this transaction ends (PostgreSQL); SQLite has no FOR UPDATE,
# but the statement counts as a write there too, so the transaction (BEGIN IMMEDIATE) is already
# the only writer. Either way the chain stays linear.
_LOCK_HEAD = Statement(_HEAD_ROW.with_for_update(), writes=True)
_HEAD = Statement(_HEAD_ROW)
_APPEND = Statement(
    insert(events).values({name: parameter(name, column) for name, column in events.c.items()})
)
_MOVE_HEAD = Statement(
    update(head)
    .where(head.c.id == parameter("head_id", head.c.id))
    .values(
        last_seq=parameter("last_seq", head.c.last_seq),
        last_hash=parameter("last_hash", head.c.last_hash),
    )
)
_AFTER = events.c.seq > parameter("after_seq", events.c.seq)
_OF_APP = events.c.app_id == parameter("app_id", events.c.app_id)
_LIMIT = parameter("limit", Integer())
_PAGE = Statement(select(events).where(_AFTER).order_by(events.c.seq).limit(_LIMIT))
_APP_PAGE = Statement(select(events).where(_AFTER, _OF_APP).order_by(events.c.seq).limit(_LIMIT))
_RECENT = Statement(select(events).order_by(events.c.seq.desc()).limit(_LIMIT))
_APP_RECENT = Statement(select(events).where(_OF_APP).order_by(events.c.seq.desc()).limit(_LIMIT))


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
        current = await self._conn.fetchrow(_LOCK_HEAD, head_id=HEAD_ID)
        if current is None:
            raise RuntimeError("the audit chain head is missing (migration 0003)")
        seq = int(current["last_seq"]) + 1
        previous = str(current["last_hash"])
        digest = chain_hash(previous, event)
        await self._conn.execute(
            _APPEND,
            seq=seq,
            kind=event.kind.value,
            occurred_at=event.occurred_at,
            app_id=event.app_id,
            user_id=event.user_id,
            client_id=event.client_id,
            grant_id=event.grant_id,
            detail=json.dumps(dict(event.detail)),
            prev_hash=previous,
            hash=digest,
        )
        await self._conn.execute(_MOVE_HEAD, head_id=HEAD_ID, last_seq=seq, last_hash=digest)
        return StoredAuditEvent(seq=seq, event=event, prev_hash=previous, hash=digest)

    async def page(
        self, *, app_id: int | None = None, after_seq: int = 0, limit: int = 100
    ) -> list[StoredAuditEvent]:
        if app_id is None:
            rows = await self._conn.fetch(_PAGE, after_seq=after_seq, limit=limit)
        else:
            rows = await self._conn.fetch(
                _APP_PAGE, after_seq=after_seq, limit=limit, app_id=app_id
            )
        return [_stored(row) for row in rows]

    async def recent(
        self, *, app_id: int | None = None, limit: int = 100
    ) -> list[StoredAuditEvent]:
        if app_id is None:
            rows = await self._conn.fetch(_RECENT, limit=limit)
        else:
            rows = await self._conn.fetch(_APP_RECENT, limit=limit, app_id=app_id)
        return [_stored(row) for row in rows]

    async def head(self) -> tuple[int, str]:
        row = await self._conn.fetchrow(_HEAD, head_id=HEAD_ID)
        if row is None:
            raise RuntimeError("the audit chain head is missing (migration 0003)")
        return int(row["last_seq"]), str(row["last_hash"])

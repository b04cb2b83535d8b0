"""The audit trail in SQL: appends serialised on the chain-head row, reads in chain order.

There is deliberately no UPDATE or DELETE of `audit_events` here; on PostgreSQL and SQLite a
trigger (migration 0003) refuses them anyway.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.core.audit import AuditEvent, AuditKind, StoredAuditEvent, chain_hash
from consentry.storage.sql import tables as t

events = cast(Table, t.AuditEventRow.__table__)
head = cast(Table, t.AuditChainHead.__table__)
HEAD_ID = 1


def _stored(row: Row[Any]) -> StoredAuditEvent:
    return StoredAuditEvent(
        seq=row.seq,
        event=AuditEvent(
            kind=AuditKind(row.kind),
            occurred_at=row.occurred_at,
            app_id=row.app_id,
            user_id=row.user_id,
            client_id=row.client_id,
            grant_id=row.grant_id,
            detail=dict(row.detail),
        ),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class SqlAuditRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def append(self, event: AuditEvent) -> StoredAuditEvent:
        # FOR UPDATE locks the head until this transaction ends (PostgreSQL); SQLite's
        # BEGIN IMMEDIATE already makes this the only writer. Either way the chain stays linear.
        current = (
            await self._conn.execute(
                select(head.c.last_seq, head.c.last_hash)
                .where(head.c.id == HEAD_ID)
                .with_for_update()
            )
        ).one()
        seq = int(current.last_seq) + 1
        digest = chain_hash(current.last_hash, event)
        await self._conn.execute(
            insert(events).values(
                seq=seq,
                kind=event.kind.value,
                occurred_at=event.occurred_at,
                app_id=event.app_id,
                user_id=event.user_id,
                client_id=event.client_id,
                grant_id=event.grant_id,
                detail=dict(event.detail),
                prev_hash=current.last_hash,
                hash=digest,
            )
        )
        await self._conn.execute(
            update(head).where(head.c.id == HEAD_ID).values(last_seq=seq, last_hash=digest)
        )
        return StoredAuditEvent(seq=seq, event=event, prev_hash=current.last_hash, hash=digest)

    async def page(
        self, *, app_id: int | None = None, after_seq: int = 0, limit: int = 100
    ) -> list[StoredAuditEvent]:
        query = select(events).where(events.c.seq > after_seq).order_by(events.c.seq).limit(limit)
        if app_id is not None:
            query = query.where(events.c.app_id == app_id)
        return [_stored(row) for row in await self._conn.execute(query)]

    async def recent(
        self, *, app_id: int | None = None, limit: int = 100
    ) -> list[StoredAuditEvent]:
        query = select(events).order_by(events.c.seq.desc()).limit(limit)
        if app_id is not None:
            query = query.where(events.c.app_id == app_id)
        return [_stored(row) for row in await self._conn.execute(query)]

    async def head(self) -> tuple[int, str]:
        row = (
            await self._conn.execute(
                select(head.c.last_seq, head.c.last_hash).where(head.c.id == HEAD_ID)
            )
        ).one()
        return int(row.last_seq), str(row.last_hash)

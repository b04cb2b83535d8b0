"""The in-memory `AuditRepository`: the append-only, hash-chained audit trail."""

from __future__ import annotations

from consentry.core.audit import GENESIS_HASH, AuditEvent, StoredAuditEvent, chain_hash
from consentry.storage.memory.tables import InMemoryRepository


class InMemoryAuditRepository(InMemoryRepository):
    async def append(self, event: AuditEvent) -> StoredAuditEvent:
        t = self._access.write()
        seq, prev_hash = await self.head()
        stored = StoredAuditEvent(seq + 1, event, prev_hash, chain_hash(prev_hash, event))
        t.audit[stored.seq] = stored
        return stored

    async def recent(
        self, *, app_id: int | None = None, limit: int = 100
    ) -> list[StoredAuditEvent]:
        events = [e for _, e in sorted(self._access.tables.audit.items(), reverse=True)]
        return [e for e in events if app_id is None or e.event.app_id == app_id][:limit]

    async def page(
        self, *, app_id: int | None = None, after_seq: int = 0, limit: int = 100
    ) -> list[StoredAuditEvent]:
        events = [e for seq, e in sorted(self._access.tables.audit.items()) if seq > after_seq]
        return [e for e in events if app_id is None or e.event.app_id == app_id][:limit]

    async def head(self) -> tuple[int, str]:
        audit = self._access.tables.audit
        if not audit:
            return 0, GENESIS_HASH
        last = audit[max(audit)]
        return last.seq, last.hash

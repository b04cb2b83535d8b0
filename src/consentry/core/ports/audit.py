"""The port to the append-only, hash-chained audit trail."""

from __future__ import annotations

from typing import Protocol

from consentry.core.audit import AuditEvent, StoredAuditEvent


class AuditRepository(Protocol):
    """Append-only, hash-chained security events. There is no update and no delete."""

    async def append(self, event: AuditEvent) -> StoredAuditEvent:
        """Link the event after the chain head (serialised across nodes) and store it."""
        ...

    async def page(
        self, *, app_id: int | None = None, after_seq: int = 0, limit: int = 100
    ) -> list[StoredAuditEvent]:
        """Events with seq > after_seq in chain order, optionally only those of one app."""
        ...

    async def recent(
        self, *, app_id: int | None = None, limit: int = 100
    ) -> list[StoredAuditEvent]:
        """The newest events first, optionally only those of one app."""
        ...

    async def head(self) -> tuple[int, str]:
        """The last seq and hash, as recorded by the chain head."""
        ...

"""The in-memory `PendingAuthorizationRepository`: consent requests waiting for a decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from consentry.core import model
from consentry.storage.memory.tables import InMemoryRepository, insert, require


class InMemoryPendingAuthorizationRepository(InMemoryRepository):
    def _with_client_id(self, pending: model.PendingAuthorization) -> model.PendingAuthorization:
        # Like the SQL join: the client_id is the credential's, not a copy kept with the row.
        client_id = self._access.tables.credentials[pending.credential_id].client_id
        return replace(pending, client_id=client_id)

    async def add(self, pending: model.PendingAuthorization) -> None:
        t = self._access.write()
        require(t.credentials, pending.credential_id, "credential")
        insert(t.pending, pending.id_hash, pending, "pending authorization")

    async def get(self, id_hash: bytes) -> model.PendingAuthorization | None:
        t = self._access.tables
        pending = t.pending.get(id_hash)
        if pending is None or id_hash in t.decided_at:
            return None
        return self._with_client_id(pending)

    async def consume(self, id_hash: bytes, now: datetime) -> model.PendingAuthorization | None:
        t = self._access.write()
        pending = t.pending.get(id_hash)
        if pending is None or id_hash in t.decided_at or pending.expires_at <= now:
            return None
        t.decided_at[id_hash] = now
        return self._with_client_id(pending)

"""The in-memory `WebSessionRepository`: server-side browser sessions."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from consentry.core.ports.sessions import WebSession
from consentry.storage.memory.tables import InMemoryRepository, insert, require


class InMemoryWebSessionRepository(InMemoryRepository):
    async def add(self, session: WebSession) -> None:
        t = self._access.write()
        if session.user_id is not None:
            require(t.users, session.user_id, "user")
        insert(t.web_sessions, session.id_hash, session, "web session")

    async def get(self, id_hash: bytes) -> WebSession | None:
        return self._access.tables.web_sessions.get(id_hash)

    async def revoke(self, id_hash: bytes, when: datetime) -> None:
        t = self._access.write()
        if id_hash in t.web_sessions:
            t.web_sessions[id_hash] = replace(t.web_sessions[id_hash], revoked_at=when)

    async def revoke_all(self, user_id: int, when: datetime) -> int:
        t = self._access.write()
        open_ = [
            s for s in t.web_sessions.values() if s.user_id == user_id and s.revoked_at is None
        ]
        for session in open_:
            t.web_sessions[session.id_hash] = replace(session, revoked_at=when)
        return len(open_)
